"""Snapshots of every screen at fixed sizes, on the deterministic sample scene (pytest-textual-snapshot).

Regenerate after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from tui_support import settle, staged

from soda_tui.loop.session import Session
from soda_tui.tui.scenes import scene_app, show_queue_scene


def then(
    *steps: Callable[[Any], object], keys: tuple[str, ...] = ()
) -> Callable[[Pilot[Any]], Any]:
    """A run_before that stages the scene, runs `steps` on the app, presses `keys`, then settles."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await staged(pilot)
        for step in steps:
            step(pilot.app)
            await pilot.pause()
        await pilot.press(*keys)
        await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the picture flicker
        await pilot.pause()

    return run_before


def test_grid_with_one_pane(snap_compare: Any, scene_session: Callable[[int], Session]) -> None:
    assert snap_compare(scene_app(scene_session(1)), terminal_size=(100, 30), run_before=then())


def test_grid_with_four_panes(snap_compare: Any, scene_session: Callable[[int], Session]) -> None:
    assert snap_compare(scene_app(scene_session(4)), terminal_size=(120, 36), run_before=then())


def test_grid_with_twelve_panes(snap_compare: Any, scene_session: Callable[[int], Session]) -> None:
    assert snap_compare(scene_app(scene_session(12)), terminal_size=(160, 48), run_before=then())


def test_queue_screen_filtered(snap_compare: Any, scene_session: Callable[[int], Session]) -> None:
    app = scene_app(scene_session(4))
    assert snap_compare(
        app, terminal_size=(110, 24), run_before=then(show_queue_scene, keys=tuple("low"))
    )


def test_logs_screen_searching(snap_compare: Any, scene_session: Callable[[int], Session]) -> None:
    app = scene_app(scene_session(4))
    keys = ("enter", "slash", *"login", "enter")
    assert snap_compare(app, terminal_size=(100, 26), run_before=then(keys=keys))


def test_help_screen(snap_compare: Any, scene_session: Callable[[int], Session]) -> None:
    app = scene_app(scene_session(4))
    assert snap_compare(app, terminal_size=(100, 44), run_before=then(keys=("question_mark",)))


def test_land_confirmation(snap_compare: Any, scene_session: Callable[[int], Session]) -> None:
    app = scene_app(scene_session(4))
    assert snap_compare(app, terminal_size=(110, 32), run_before=then(keys=("right", "l")))
