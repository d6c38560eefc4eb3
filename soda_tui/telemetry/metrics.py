"""Loop metrics from what survives a restart: the JSONL trace files and the journals' history.

Landings and runs are read from both sources and matched (the journals keep the last 50 actions
per repository, the trace files the last few megabytes of spans); agent run durations and GitHub
requests come from the traces alone.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from soda_tui.agents.journal import JournalEntry
from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.jsonl import read_records
from soda_tui.telemetry.records import SpanRecord, TraceView

if TYPE_CHECKING:
    from soda_tui.settings.paths import Paths

# A run seen in a trace and in a journal is the same run when they started this close together.
SAME_RUN_S = 120.0


@dataclass(frozen=True)
class Metrics:
    """The loop's figures for one repository (or all of them: `repo` None)."""

    repo: str | None
    issues_landed: int = 0
    time_to_land_s: tuple[float, ...] = ()
    integration_attempts: int = 0
    """Issues whose pull request reached a final verdict: landed, or refused by a failed gate."""
    agent_runs: int = 0
    blocked_runs: int = 0
    run_durations_s: tuple[float, ...] = ()
    github_requests: int = 0
    github_points: int = 0

    @property
    def integration_success_rate(self) -> float | None:
        """Share of issues with a final verdict that landed."""
        return self.issues_landed / self.integration_attempts if self.integration_attempts else None

    @property
    def blocked_rate(self) -> float | None:
        """Share of judged agent runs that ended with the issue blocked."""
        return self.blocked_runs / self.agent_runs if self.agent_runs else None

    @property
    def time_to_land_median_s(self) -> float | None:
        """Median seconds from pop to land."""
        return statistics.median(self.time_to_land_s) if self.time_to_land_s else None

    @property
    def run_duration_median_s(self) -> float | None:
        """Median agent run duration in seconds."""
        return statistics.median(self.run_durations_s) if self.run_durations_s else None

    @property
    def run_duration_max_s(self) -> float | None:
        """The longest agent run in seconds."""
        return max(self.run_durations_s) if self.run_durations_s else None

    def to_json(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "repo": self.repo,
            "issues_landed": self.issues_landed,
            "time_to_land_median_s": self.time_to_land_median_s,
            "integration_success_rate": self.integration_success_rate,
            "integration_attempts": self.integration_attempts,
            "agent_runs": self.agent_runs,
            "blocked_runs": self.blocked_runs,
            "blocked_rate": self.blocked_rate,
            "run_duration_median_s": self.run_duration_median_s,
            "run_duration_max_s": self.run_duration_max_s,
            "github_requests": self.github_requests,
            "github_points": self.github_points,
        }


@dataclass(frozen=True)
class MetricsReport:
    """All repositories together and each one on its own."""

    overall: Metrics
    repos: tuple[Metrics, ...] = ()
    sources: tuple[str, ...] = field(default_factory=tuple)
    """The directories read."""

    def to_json(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            **self.overall.to_json(),
            "repos": {m.repo: m.to_json() for m in self.repos},
            "sources": list(self.sources),
        }


@dataclass
class _Facts:
    landed: dict[tuple[str, int], float | None] = field(default_factory=dict)
    refused: set[tuple[str, int]] = field(default_factory=set)
    runs: list[tuple[str, int, float, bool]] = field(default_factory=list)
    """(repo, issue, started epoch seconds, blocked)."""
    durations: list[tuple[str, float]] = field(default_factory=list)
    requests: list[tuple[str | None, int]] = field(default_factory=list)
    """(repo of the trace, points)."""


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def journal_history(journals_dir: Path) -> dict[str, list[JournalEntry]]:
    """Every repository's finished actions, read without locking or moving anything."""
    found: dict[str, list[JournalEntry]] = {}
    for path in sorted(journals_dir.glob("*__*.json")):
        if path.name.startswith("."):
            continue
        owner, _, name = path.stem.partition("__")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # an unreadable journal is reported by the actions, not by the metrics
        entries = []
        for item in data.get("history", []) if isinstance(data, dict) else []:
            try:
                entries.append(JournalEntry.from_json(item))
            except ValueError:
                continue
        found[f"{owner}/{name}"] = entries
    return found


def _facts_from_journals(history: dict[str, list[JournalEntry]], since: float | None) -> _Facts:
    facts = _Facts()
    for repo, entries in history.items():
        popped: dict[int, float] = {}
        for entry in entries:
            started = _epoch(entry.started_at)
            finished = _epoch(entry.finished_at)
            if entry.action == "pop" and started is not None:
                popped[entry.issue_number] = started
            if since is not None and (finished or started or 0) < since:
                continue
            if entry.action == "land" and entry.outcome == "done" and "finished" in entry.steps:
                pop_at = popped.get(entry.issue_number)
                took = finished - pop_at if finished is not None and pop_at is not None else None
                facts.landed[(repo, entry.issue_number)] = took
            elif entry.action == "run" and "agent" in entry.steps and started is not None:
                blocked = "blocked_comment" in entry.steps or "blocked_labels" in entry.steps
                facts.runs.append((repo, entry.issue_number, started, blocked))
    return facts


def _facts_from_traces(traces: Iterable[TraceView], since: float | None) -> _Facts:
    facts = _Facts()
    for view in traces:
        repo = view.repo
        for span in view.spans:
            if since is not None and span.start_ns / 1e9 < since:
                continue
            _read_span(facts, span, repo)
    return facts


def _read_span(facts: _Facts, span: SpanRecord, trace_repo: str | None) -> None:
    repo = span.get(sc.REPO)
    repo = repo if isinstance(repo, str) else trace_repo
    issue = span.get(sc.ISSUE)
    if isinstance(span.get(sc.GRAPHQL_OPERATION_NAME), str):
        cost = span.get(sc.GITHUB_COST)
        facts.requests.append((trace_repo, cost if isinstance(cost, int) else 0))
    elif span.name == sc.AGENT_SPAN and repo and not span.running:
        duration = span.get(sc.AGENT_DURATION)
        seconds = float(duration) if isinstance(duration, int | float) else None
        if seconds is None:
            seconds = (span.duration_ns() or 0) / 1e9
        facts.durations.append((repo, seconds))
    elif not repo or not isinstance(issue, int):
        return
    elif span.get(sc.ACTION) == "run" and isinstance(span.get(sc.RUN_OUTCOME), str):
        facts.runs.append((repo, issue, span.start_ns / 1e9, bool(span.get(sc.BLOCKED))))
    elif span.get(sc.ACTION) == "land":
        outcome = span.get(sc.LAND_OUTCOME)
        if outcome == "landed":
            took = span.get(sc.TIME_TO_LAND)
            facts.landed[(repo, issue)] = float(took) if isinstance(took, int | float) else None
        elif outcome == "refused":
            facts.refused.add((repo, issue))


def _merge(journal: _Facts, traced: _Facts) -> _Facts:
    merged = _Facts(durations=traced.durations, requests=traced.requests, refused=traced.refused)
    merged.landed = dict(traced.landed)
    for key, took in journal.landed.items():
        # The journal's pop-to-land is measured from the pop itself: prefer it when it has one.
        if took is not None or key not in merged.landed:
            merged.landed[key] = took
    merged.runs = list(journal.runs)
    for repo, issue, started, blocked in traced.runs:
        same = any(
            r == repo and i == issue and abs(s - started) <= SAME_RUN_S
            for r, i, s, _b in journal.runs
        )
        if not same:
            merged.runs.append((repo, issue, started, blocked))
    return merged


def _figures(facts: _Facts, repo: str | None) -> Metrics:
    def mine(name: str | None) -> bool:
        return repo is None or name == repo

    landed = {key: took for key, took in facts.landed.items() if mine(key[0])}
    refused = {key for key in facts.refused if mine(key[0]) and key not in facts.landed}
    runs = [run for run in facts.runs if mine(run[0])]
    requests = [points for name, points in facts.requests if mine(name)]
    return Metrics(
        repo=repo,
        issues_landed=len(landed),
        time_to_land_s=tuple(sorted(took for took in landed.values() if took is not None)),
        integration_attempts=len(landed) + len(refused),
        agent_runs=len(runs),
        blocked_runs=sum(1 for run in runs if run[3]),
        run_durations_s=tuple(sorted(s for name, s in facts.durations if mine(name))),
        github_requests=len(requests),
        github_points=sum(requests),
    )


def group_traces(records: Iterable[SpanRecord]) -> list[TraceView]:
    """Spans grouped into traces (a span written twice keeps its last copy)."""
    by_trace: dict[str, dict[str, SpanRecord]] = {}
    for record in records:
        by_trace.setdefault(record.trace_id, {})[record.span_id] = record
    return [TraceView.of(trace_id, spans.values()) for trace_id, spans in by_trace.items()]


def compute_metrics(
    traces_dir: Path,
    journals_dir: Path,
    *,
    repos: Iterable[str] | None = None,
    since: datetime | None = None,
) -> MetricsReport:
    """The loop's metrics from the trace files and journals (blocking file reads: use a thread)."""
    cutoff = since.timestamp() if since is not None else None
    traced = _facts_from_traces(group_traces(read_records(traces_dir)), cutoff)
    journaled = _facts_from_journals(journal_history(journals_dir), cutoff)
    facts = _merge(journaled, traced)
    wanted = sorted(set(repos)) if repos is not None else None
    if wanted is not None:
        facts.requests = [(name, points) for name, points in facts.requests if name in wanted]
        names = wanted
    else:
        seen = {key[0] for key in facts.landed} | {run[0] for run in facts.runs}
        seen |= {name for name, _ in facts.durations} | {key[0] for key in facts.refused}
        names = sorted(seen)
    overall = _figures(facts, None)
    if wanted is not None:
        overall = _restricted(facts, wanted)
    return MetricsReport(
        overall,
        tuple(_figures(facts, name) for name in names),
        (str(traces_dir), str(journals_dir)),
    )


def metrics_for_paths(paths: Paths, repos: Iterable[str] | None = None) -> MetricsReport:
    """`compute_metrics` over soda-tui's own state directory (what the dashboard shows)."""
    return compute_metrics(paths.traces_dir, paths.journals_dir, repos=repos)


def _restricted(facts: _Facts, wanted: list[str]) -> Metrics:
    kept = _Facts(
        landed={k: v for k, v in facts.landed.items() if k[0] in wanted},
        refused={k for k in facts.refused if k[0] in wanted},
        runs=[run for run in facts.runs if run[0] in wanted],
        durations=[d for d in facts.durations if d[0] in wanted],
        requests=facts.requests,
    )
    return _figures(kept, None)
