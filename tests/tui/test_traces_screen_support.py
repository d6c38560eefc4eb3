"""Deterministic traces for the traces screen's tests, and a small app that hosts the screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count

from textual.app import App

from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.recorder import TraceRecorder
from soda_tui.telemetry.records import EventRecord, SpanRecord
from soda_tui.tui.screens.traces import TracesScreen

BASE_NS = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp() * 1e9)
SECOND = 1_000_000_000
NOW_NS = BASE_NS + 3600 * SECOND
RUN_TRACE = "a" * 32
LAND_TRACE = "b" * 32
POP_TRACE = "c" * 32
BOARD_TRACE = "d" * 32
LIVE_TRACE = "e" * 32


class SpanMaker:
    """Builds spans of one trace with readable ids and times in seconds after BASE_NS."""

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id
        self.ids = count(1)
        self.spans: list[SpanRecord] = []

    def span(
        self,
        name: str,
        start: float,
        took: float | None,
        *,
        parent: SpanRecord | None = None,
        error: str = "",
        kind: str = "INTERNAL",
        events: tuple[EventRecord, ...] = (),
        **attributes: object,
    ) -> SpanRecord:
        """Add one span (took None: still running) and return it."""
        start_ns = BASE_NS + int(start * SECOND)
        record = SpanRecord(
            trace_id=self.trace_id,
            span_id=f"{self.trace_id[0]}{next(self.ids):015x}",
            parent_id=parent.span_id if parent is not None else None,
            name=name,
            kind=kind,
            start_ns=start_ns,
            end_ns=start_ns + int(took * SECOND) if took is not None else None,
            status="ERROR" if error else "UNSET",
            status_message=error,
            attributes=dict(attributes),  # type: ignore[arg-type]
            events=events,
        )
        self.spans.append(record)
        return record


def request(
    maker: SpanMaker,
    parent: SpanRecord,
    start: float,
    operation: str,
    kind: str = "query",
    remaining: int = 4990,
) -> SpanRecord:
    """A GitHub request span."""
    return maker.span(
        f"{kind} {operation}",
        start,
        0.12,
        parent=parent,
        kind="CLIENT",
        **{
            sc.HTTP_METHOD: "POST",
            sc.HTTP_STATUS: 200,
            sc.GRAPHQL_OPERATION_NAME: operation,
            sc.GRAPHQL_OPERATION_TYPE: kind,
            sc.GITHUB_COST: 1,
            sc.GITHUB_REMAINING: remaining,
            sc.URL_FULL: "https://api.github.com/graphql",
            sc.SERVER_ADDRESS: "api.github.com",
        },
    )


def sample_spans() -> list[SpanRecord]:
    """Five traces over two repositories: a run, a failed land, a pop, a board read, a live run."""
    run = SpanMaker(RUN_TRACE)
    root = run.span(
        "run",
        0,
        252,
        **{
            sc.ACTION: "run",
            sc.REPO: "acme/api",
            sc.ISSUE: 12,
            sc.OPENINFERENCE_KIND: "CHAIN",
            sc.OUTCOME: "done",
            sc.RUN_OUTCOME: "succeeded",
            sc.BRANCH: "agent001/12-fix-tests",
        },
    )
    request(run, root, 0.1, "IssueSearch")
    request(run, root, 0.3, "IssueDetail", remaining=4989)
    run.span(
        "git fetch",
        0.5,
        0.8,
        parent=root,
        kind="CLIENT",
        **{sc.GIT_OPERATION: "fetch", sc.URL_FULL: "https://github.com/acme/api.git"},
    )
    agent = run.span(
        "agent run",
        1.5,
        240,
        parent=root,
        **{
            sc.OPENINFERENCE_KIND: "AGENT",
            sc.AGENT_PRESET: "claude-code",
            sc.REPO: "acme/api",
            sc.ISSUE: 12,
            sc.PROCESS_EXIT_CODE: 0,
            sc.AGENT_OUTCOME: "succeeded",
            sc.AGENT_TOOL_CALLS: 2,
        },
    )
    run.span(
        "tool Bash",
        10,
        30,
        parent=agent,
        **{sc.OPENINFERENCE_KIND: "TOOL", sc.TOOL_NAME: "Bash", sc.TOOL_SUMMARY: "pytest -q"},
    )
    run.span(
        "tool Edit",
        40,
        5,
        parent=agent,
        **{sc.OPENINFERENCE_KIND: "TOOL", sc.TOOL_NAME: "Edit", sc.TOOL_SUMMARY: "src/counter.py"},
    )
    run.span(
        "llm claude-sonnet-4-5",
        1.5,
        240,
        parent=agent,
        **{
            sc.OPENINFERENCE_KIND: "LLM",
            sc.LLM_PROMPT_TOKENS: 93250,
            sc.LLM_COMPLETION_TOKENS: 2400,
            sc.LLM_TOTAL_TOKENS: 95650,
            sc.AGENT_COST: 0.21,
        },
    )
    run.span(
        "git push",
        245,
        1.2,
        parent=root,
        kind="CLIENT",
        **{sc.GIT_OPERATION: "push", sc.GIT_REF: "agent001/12-fix-tests"},
    )

    land = SpanMaker(LAND_TRACE)
    failed = land.span(
        "land",
        600,
        0.4,
        error="gate failed: CI is failure on the head commit",
        **{
            sc.ACTION: "land",
            sc.REPO: "acme/api",
            sc.ISSUE: 11,
            sc.LAND_OUTCOME: "refused",
            sc.ERROR_TYPE: "gate",
        },
    )
    request(land, failed, 600.1, "IssueSearch")
    request(land, failed, 600.2, "LandCheck")

    pop = SpanMaker(POP_TRACE)
    popped = pop.span(
        "autopilot pop",
        900,
        2.5,
        **{
            sc.STEP_KIND: "pop",
            sc.WORKER: True,
            sc.REPO: "acme/web",
            sc.STEP_REASON: "#3 is next in the queue",
            sc.ISSUE: 3,
        },
    )
    inner = pop.span(
        "pop", 900.01, 2.4, parent=popped, **{sc.ACTION: "pop", sc.REPO: "acme/web", sc.ISSUE: 3}
    )
    request(pop, inner, 900.1, "QueuePeek")
    request(pop, inner, 900.3, "ClaimIssue", kind="mutation")
    pop.span(
        "git ensure clone",
        900.5,
        1.6,
        parent=inner,
        kind="CLIENT",
        events=(
            EventRecord(
                "exception",
                BASE_NS + 902 * SECOND,
                {"exception.type": "TransportFailure", "exception.message": "retried"},
            ),
        ),
        **{sc.GIT_OPERATION: "ensure clone", sc.GIT_RESULT: True},
    )

    board = SpanMaker(BOARD_TRACE)
    read = board.span("board", 1200, 0.3, **{sc.OPENINFERENCE_KIND: "CHAIN"})
    request(board, read, 1200.05, "StatusBoard")

    live = SpanMaker(LIVE_TRACE)
    step = live.span(
        "autopilot run",
        3500,
        None,
        **{
            sc.STEP_KIND: "run",
            sc.WORKER: True,
            sc.REPO: "acme/web",
            sc.ISSUE: 4,
            sc.STEP_REASON: "#4 is claimed and not run yet",
        },
    )
    live.span(
        "agent run",
        3505,
        None,
        parent=step,
        **{sc.OPENINFERENCE_KIND: "AGENT", sc.AGENT_PRESET: "demo", sc.REPO: "acme/web"},
    )
    return run.spans + land.spans + pop.spans + board.spans + live.spans


def sample_recorder() -> TraceRecorder:
    """A recorder holding the sample traces."""
    recorder = TraceRecorder()
    for record in sample_spans():
        recorder.add(record)
    return recorder


class TracesHost(App[None]):
    """A bare app that opens one traces screen."""

    TITLE = "soda-tui"

    def __init__(self, make_screen: Callable[[], TracesScreen]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())
