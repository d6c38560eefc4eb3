"""The traces screen driven with Pilot over a real recorder fed deterministic spans."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from test_traces_screen_support import (
    BASE_NS,
    LAND_TRACE,
    LIVE_TRACE,
    NOW_NS,
    RUN_TRACE,
    SECOND,
    SpanMaker,
    TracesHost,
    sample_recorder,
)
from textual.widgets import Label
from tui_support import wait_until

from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.recorder import TraceRecorder
from soda_tui.tui.screens.traces import TracesScreen
from soda_tui.tui.widgets.trace_detail import TraceDetail
from soda_tui.tui.widgets.trace_list import TraceList
from soda_tui.tui.widgets.trace_tree import TraceTree


def _screen(app: Any) -> TracesScreen:
    screen = app.screen
    assert isinstance(screen, TracesScreen)
    return screen


def _listed(app: Any) -> list[str]:
    return list(_screen(app).query_one(TraceList).trace_ids)


def _tree_names(app: Any) -> list[str]:
    tree = _screen(app).query_one(TraceTree)
    names: list[str] = []

    def walk(node: Any) -> None:
        for child in node.children:
            names.append(child.data.name)
            walk(child)

    walk(tree.root)
    return names


def _filters(app: Any) -> str:
    return str(_screen(app).query_one("#traces-filters", Label).render())


async def test_opens_on_the_newest_trace_with_its_span_tree_and_root_detail() -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen(recorder, now_ns=lambda: NOW_NS))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert _listed(app)[0] == LIVE_TRACE
        assert len(_listed(app)) == 5
        assert _tree_names(app) == ["autopilot run", "agent run"]
        detail = _screen(app).query_one(TraceDetail)
        assert detail.span is not None and detail.span.name == "autopilot run"
        assert "#4 is claimed and not run yet" in str(detail.render())
        assert "5 traces" in _filters(app)


async def test_a_pane_opens_the_trace_of_its_current_or_last_run() -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen.for_run(recorder, "acme/api", now_ns=lambda: NOW_NS))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        screen = _screen(app)
        # The land trace is newer, but the pane asked for its run: the agent's trace is shown.
        assert _listed(app) == [LAND_TRACE, RUN_TRACE]
        assert screen.trace_id == RUN_TRACE
        assert screen.query_one(TraceList).chosen == RUN_TRACE
        names = _tree_names(app)
        assert names[0] == "run" and "agent run" in names
        assert {"tool Bash", "tool Edit", "llm claude-sonnet-4-5"} <= set(names)
        assert "repository: acme/api" in _filters(app)


async def test_filters_by_repository_command_and_errors() -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen(recorder, now_ns=lambda: NOW_NS))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        assert _listed(app) == [LAND_TRACE, RUN_TRACE]
        await pilot.press("r")
        assert set(_listed(app)) == {LIVE_TRACE, "c" * 32}
        await pilot.press("r")
        assert len(_listed(app)) == 5 and "repository: all" in _filters(app)
        await pilot.press("c")  # commands sorted: board comes first
        assert _listed(app) == ["d" * 32]
        await pilot.press("c")
        assert _listed(app) == [LAND_TRACE]
        assert "command: land" in _filters(app)
        assert recorder.commands() == ["board", "land", "pop", "run"]
        await pilot.press("c", "c", "c")  # pop, run, then all again
        assert len(_listed(app)) == 5 and "command: all" in _filters(app)
        await pilot.press("e")
        assert _listed(app) == [LAND_TRACE]
        tree = _screen(app).query_one(TraceTree)
        root = tree.root.children[0]
        error_style = tree.get_component_rich_style("trace-tree--error", partial=True)
        assert root.label.style == error_style  # the failed land is drawn as an error
        detail = str(_screen(app).query_one(TraceDetail).render())
        assert "gate failed: CI is failure on the head commit" in detail


async def test_moving_in_the_tree_details_each_span() -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen.for_run(recorder, "acme/api", now_ns=lambda: NOW_NS))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.focused, TraceTree)
        await pilot.press("down")
        detail = _screen(app).query_one(TraceDetail)
        assert detail.span is not None and detail.span.name == "query IssueSearch"
        text = str(detail.render())
        assert "http.response.status_code" in text and "graphql.operation.name" in text
        assert "IssueSearch" in text


async def test_spans_from_other_threads_appear_while_the_screen_is_open() -> None:
    recorder = TraceRecorder()
    app = TracesHost(lambda: TracesScreen(recorder, now_ns=lambda: NOW_NS))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert _listed(app) == []
        assert "traces appear here" in _filters(app)
        maker = SpanMaker("f" * 32)
        root = maker.span("pop", 10, None, **{sc.ACTION: "pop", sc.REPO: "acme/new"})
        worker = threading.Thread(target=recorder.add, args=(root,))
        worker.start()
        worker.join()
        await wait_until(pilot, lambda: _listed(app) == ["f" * 32], timeout=10, what="new trace")
        assert _tree_names(app) == ["pop"]
        finished = replace(root, end_ns=root.start_ns + int(1.5 * SECOND))
        threading.Thread(target=recorder.add, args=(finished,)).start()
        await wait_until(
            pilot,
            lambda: (trace := _screen(app).shown_trace) is not None and not trace.running,
            timeout=10,
            what="the span's end",
        )
        assert _screen(app).shown_trace.root.end_ns == BASE_NS + int(11.5 * SECOND)


async def test_escape_returns_and_stops_listening() -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen(recorder, now_ns=lambda: NOW_NS))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        assert recorder.listeners == 1
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TracesScreen)
        assert recorder.listeners == 0
