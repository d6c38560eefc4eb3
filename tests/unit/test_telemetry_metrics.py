"""Loop metrics from trace files and journal history (what survives a restart)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest

from soda_tui.agents.journal import Journal
from soda_tui.core.clock import FakeClock
from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.metrics import compute_metrics
from soda_tui.telemetry.records import SpanRecord
from soda_tui.telemetry.views import format_seconds, metrics_lines

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START_NS = int(START.timestamp() * 1e9)
_ids = count(1)


def span(
    name: str,
    at_s: float,
    took_s: float,
    trace: str,
    parent: str | None = None,
    **attributes: object,
) -> SpanRecord:
    start = START_NS + int(at_s * 1e9)
    return SpanRecord(
        trace_id=trace * 32,
        span_id=f"{next(_ids):016x}",
        parent_id=parent,
        name=name,
        kind="INTERNAL",
        start_ns=start,
        end_ns=start + int(took_s * 1e9),
        status="UNSET",
        attributes=dict(attributes),  # type: ignore[arg-type]
    )


def write_traces(directory: Path, records: list[SpanRecord]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(record.to_json()) + "\n" for record in records)
    (directory / "spans.jsonl").write_text(text, encoding="utf-8")


@pytest.fixture
def state(tmp_path: Path) -> tuple[Path, Path]:
    """acme/api: #5 popped, run and landed 15 minutes later; #6 blocked. Traces add the rest."""
    journals = tmp_path / "journals"
    journals.mkdir()
    clock = FakeClock(START)
    journal = Journal(journals / "acme__api.json", clock=clock)
    journal.begin("pop", 5, branch="agent001/5-x")
    journal.record("claimed")
    journal.finish()
    journal.begin("run", 5, branch="agent001/5-x")
    journal.record("agent", outcome="succeeded", ahead=1)
    journal.finish()
    clock.advance(60)
    journal.begin("run", 6, branch="agent001/6-y")
    journal.record("agent", outcome="failed", ahead=0)
    journal.record("blocked_comment")
    journal.record("blocked_labels")
    journal.finish()
    clock.advance(840)
    journal.begin("land", 5, pull_number=9)
    journal.record("merged", merge_oid="abc")
    journal.record("finished")
    journal.finish()

    run_5 = span(
        "run",
        0.5,
        100,
        "a",
        **{sc.ACTION: "run", sc.REPO: "acme/api", sc.ISSUE: 5, sc.RUN_OUTCOME: "succeeded"},
    )
    records = [
        run_5,
        span(
            sc.AGENT_SPAN,
            1,
            90,
            "a",
            run_5.span_id,
            **{sc.REPO: "acme/api", sc.AGENT_DURATION: 90.0},
        ),
        span(
            "query IssueDetail",
            0.6,
            0.1,
            "a",
            run_5.span_id,
            **{sc.GRAPHQL_OPERATION_NAME: "IssueDetail", sc.GITHUB_COST: 1},
        ),
        span(sc.AGENT_SPAN, 61, 30, "b", **{sc.REPO: "acme/api", sc.AGENT_DURATION: 30.0}),
        # A run the journal no longer holds (its history rolled over): counted from the trace.
        span(
            "run",
            2000,
            50,
            "c",
            **{sc.ACTION: "run", sc.REPO: "acme/web", sc.ISSUE: 8, sc.RUN_OUTCOME: "succeeded"},
        ),
        span(sc.AGENT_SPAN, 2001, 45, "c", **{sc.REPO: "acme/web"}),
        # A land refused by red CI that never landed later.
        span(
            "land",
            3000,
            1,
            "d",
            **{sc.ACTION: "land", sc.REPO: "acme/web", sc.ISSUE: 7, sc.LAND_OUTCOME: "refused"},
        ),
        span(
            "query LandCheck",
            3000.1,
            0.1,
            "d",
            **{sc.GRAPHQL_OPERATION_NAME: "LandCheck", sc.GITHUB_COST: 1},
        ),
        span(
            "query StatusBoard",
            3100,
            0.2,
            "e",
            **{sc.GRAPHQL_OPERATION_NAME: "StatusBoard", sc.GITHUB_COST: 3},
        ),
        # A land that waited for CI is no verdict at all.
        span(
            "land",
            3200,
            1,
            "f",
            **{sc.ACTION: "land", sc.REPO: "acme/web", sc.ISSUE: 9, sc.LAND_OUTCOME: "waiting"},
        ),
    ]
    traces = tmp_path / "traces"
    write_traces(traces, records)
    return traces, journals


def test_figures_combine_journals_and_traces(state: tuple[Path, Path]) -> None:
    report = compute_metrics(*state)
    overall = report.overall
    assert overall.issues_landed == 1
    assert overall.time_to_land_s == (900.0,)  # pop at 09:00, land finished at 09:15
    assert overall.integration_attempts == 2 and overall.integration_success_rate == 0.5
    assert overall.agent_runs == 3  # two journaled (one also traced), one traced only
    assert overall.blocked_runs == 1
    assert overall.blocked_rate == pytest.approx(1 / 3)
    assert overall.run_durations_s == (30.0, 45.0, 90.0)
    assert overall.run_duration_median_s == 45.0
    assert overall.github_requests == 3 and overall.github_points == 5
    by_repo = {metrics.repo: metrics for metrics in report.repos}
    assert set(by_repo) == {"acme/api", "acme/web"}
    assert by_repo["acme/api"].issues_landed == 1 and by_repo["acme/api"].blocked_runs == 1
    assert by_repo["acme/web"].integration_success_rate == 0.0
    assert by_repo["acme/web"].github_requests == 1  # the board read belongs to no repository


def test_one_repository_and_a_time_window(state: tuple[Path, Path]) -> None:
    only_web = compute_metrics(*state, repos=["acme/web"]).overall
    assert only_web.issues_landed == 0 and only_web.agent_runs == 1
    assert only_web.github_requests == 1
    later = compute_metrics(*state, since=datetime(2026, 3, 2, 9, 30, tzinfo=UTC)).overall
    assert later.issues_landed == 0 and later.agent_runs == 1  # only #8 ran after 09:30


def test_no_history_gives_empty_figures_and_readable_lines(tmp_path: Path) -> None:
    report = compute_metrics(tmp_path / "traces", tmp_path / "journals")
    assert report.overall.integration_success_rate is None and report.repos == ()
    lines = metrics_lines(report)
    assert lines[0] == "issues landed          0"
    assert "– (0 of 0 pull requests" in lines[2]


def test_lines_and_json(state: tuple[Path, Path]) -> None:
    report = compute_metrics(*state)
    text = "\n".join(metrics_lines(report))
    assert "time from pop to land  median 15m 00s (1 measured)" in text
    assert "integration success    50%" in text
    assert "blocked rate           33% (1 of 3 agent runs)" in text
    assert "GitHub                 3 requests, 5 points" in text
    assert "acme/web: landed 0" in text
    data = json.loads(json.dumps(report.to_json()))
    assert data["issues_landed"] == 1 and data["repos"]["acme/api"]["blocked_runs"] == 1


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "–"), (0.25, "250 ms"), (3.21, "3.2 s"), (125, "2m 05s"), (3720, "1h 02m")],
)
def test_durations_read_at_a_glance(seconds: float | None, shown: str) -> None:
    assert format_seconds(seconds) == shown
