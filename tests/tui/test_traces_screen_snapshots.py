"""Snapshots of the traces screen on deterministic traces (pytest-textual-snapshot).

Regenerate after an intended change with
`pytest tests/tui/test_traces_screen_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from typing import Any

from test_traces_screen_support import NOW_NS, TracesHost, sample_recorder
from textual.pilot import Pilot

from soda_tui.tui.screens.traces import TracesScreen


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.pause()


def test_traces_screen_on_a_panes_last_run(snap_compare: Any) -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen.for_run(recorder, "acme/api", now_ns=lambda: NOW_NS))
    assert snap_compare(app, terminal_size=(150, 34), run_before=_settle)


def test_traces_screen_errors_only(snap_compare: Any) -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen(recorder, now_ns=lambda: NOW_NS))

    async def errors_only(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("e")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(130, 26), run_before=errors_only)


def test_traces_screen_live_run_of_all_repositories(snap_compare: Any) -> None:
    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen(recorder, now_ns=lambda: NOW_NS))
    assert snap_compare(app, terminal_size=(130, 26), run_before=_settle)
