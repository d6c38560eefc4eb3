"""Regenerate the README's screenshots with the app itself: `python scripts/screenshots.py`.

Every picture comes from the real dashboard fed the deterministic sample scene of
`soda_tui.tui.scenes` (no network, a fixed clock), so running it twice gives the same SVGs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.widgets import Input

from soda_tui.tui.app import SodaApp
from soda_tui.tui.scenes import open_scene_session, scene_app, show_queue_scene, stage

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Shot:
    """One screenshot: its file, how many panes, the terminal size, and what to do first."""

    name: str
    panes: int
    size: tuple[int, int]
    setup: Callable[[SodaApp], object] | None = None
    keys: tuple[str, ...] = ()


SHOTS = (
    Shot("grid-4.svg", 4, (120, 36)),
    Shot("grid-12.svg", 12, (160, 48)),
    Shot("queue.svg", 4, (110, 24), setup=show_queue_scene),
    Shot("logs.svg", 4, (100, 26), keys=("enter", "slash", *"login", "enter")),
    Shot("help.svg", 4, (100, 44), keys=("question_mark",)),
)


async def take(shot: Shot, out_dir: Path, scratch: Path) -> Path:
    """Run the dashboard headless on the scene, do the shot's steps and save the SVG."""
    session = open_scene_session(scratch / shot.name, shot.panes)
    app = scene_app(session)
    try:
        async with app.run_test(size=shot.size) as pilot:
            stage(app)
            await pilot.pause()
            if shot.setup is not None:
                shot.setup(app)
                await pilot.pause()
            await pilot.press(*shot.keys)
            await pilot.app.workers.wait_for_complete()
            app.clear_notifications()
            for field in app.screen.query(Input):
                field.cursor_blink = False
            await pilot.pause()
            return Path(app.save_screenshot(shot.name, path=str(out_dir)))
    finally:
        await session.aclose()


async def take_traces(out_dir: Path) -> Path:
    """The traces screen on the deterministic sample traces the traces tests use."""
    sys.path.insert(0, str(ROOT / "tests" / "tui"))
    from test_traces_screen_support import NOW_NS, TracesHost, sample_recorder

    from soda_tui.tui.screens.traces import TracesScreen

    recorder = sample_recorder()
    app = TracesHost(lambda: TracesScreen.for_run(recorder, "acme/api", now_ns=lambda: NOW_NS))
    async with app.run_test(size=(150, 34)) as pilot:
        await pilot.pause()
        await pilot.pause()
        return Path(app.save_screenshot("traces.svg", path=str(out_dir)))


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


async def main(out_dir: Path) -> int:
    """Write every screenshot into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="soda-screenshots-") as scratch:
        for shot in SHOTS:
            written = await take(shot, out_dir, Path(scratch))
            print(f"wrote {_shown(written)}")
    print(f"wrote {_shown(await take_traces(out_dir))}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "screenshots",
        help="where to write the SVGs (default: screenshots/)",
    )
    sys.exit(asyncio.run(main(parser.parse_args().out)))
