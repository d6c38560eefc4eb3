"""Time from start to first paint of the dashboard: headless in this process, and real in a pty.

Headless: from opening the session to the dashboard's panes mounted, then to the first board
drawn (one GraphQL request), with localhub in its own process. In a pty: `python -m soda_tui
--config …` (and `soda-tui demo`) started on a 200×60 pseudo-terminal, timed to the first byte,
the first frame (a repository's name on screen) and the first board (a pane's queue counts).
Run: .venv/bin/python -m benchmarks.dashboard_start [--repeats 5] [--latency-ms 0,100] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    TOKEN,
    TOKEN_ENV,
    Table,
    config_text,
    machine,
    median,
    open_session,
)
from benchmarks.hub_process import HubProcess
from benchmarks.pty_app import PtyApp

SIZE = (200, 60)
PANE_COUNTS = (1, 12)
STEP_TIMEOUT_SECONDS = 60.0
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def fleet(count: int) -> list[str]:
    """Repository names for `count` panes."""
    return [f"fleet/r{index:02d}" for index in range(count)]


async def headless_start(url: str, repos: list[str], root: Path) -> tuple[float, float]:
    """Seconds to the dashboard mounted and to the first board drawn, in this process."""
    from soda_tui.tui.app import create_app

    marks: dict[str, float] = {}
    started = time.perf_counter()
    session = open_session(url, repos, root)
    app = create_app(session)
    dashboard_ready, feed_board = app.dashboard_ready, app.feed_board

    # Instance attributes wrap the two moments without changing what the app does.
    def mark_ready() -> None:
        dashboard_ready()
        marks.setdefault("mounted", time.perf_counter())

    def mark_board(*args: object, **kwargs: object) -> None:
        feed_board(*args, **kwargs)  # type: ignore[arg-type]
        marks.setdefault("board", time.perf_counter())

    app.dashboard_ready = mark_ready  # type: ignore[method-assign]
    app.feed_board = mark_board  # type: ignore[method-assign]
    try:
        async with app.run_test(size=SIZE) as pilot:
            deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
            while "board" not in marks:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no board after {STEP_TIMEOUT_SECONDS:.0f} s")
                await pilot.pause(0.002)
            await pilot.press("ctrl+q")
    finally:
        await session.aclose()
    return marks["mounted"] - started, marks["board"] - started


def import_seconds() -> float:
    """Seconds a fresh interpreter takes to import the dashboard (Textual included)."""
    code = (
        "import time; t = time.perf_counter(); import soda_tui.tui.app; "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    return float(done.stdout.strip())


def child_environment(root: Path) -> dict[str, str]:
    """A clean environment for a child soda-tui: its own home and dirs, the bench token."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "SODA_HOME": str(root / "soda-home"),
        "XDG_CONFIG_HOME": str(root / "xdg-config"),
        "XDG_DATA_HOME": str(root / "xdg-data"),
        "XDG_STATE_HOME": str(root / "xdg-state"),
        "XDG_CACHE_HOME": str(root / "xdg-cache"),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "LANG": "C.UTF-8",
        TOKEN_ENV: TOKEN,
    }


def pty_start(argv: list[str], root: Path, first_repo: str) -> tuple[float | None, ...]:
    """Seconds to the first byte, the first frame and the first board of a real start in a pty."""
    app = PtyApp(argv, env=child_environment(root), cwd=PROJECT_ROOT, columns=SIZE[0], rows=SIZE[1])
    app.watch("frame", re.escape(first_repo))
    app.watch("board", r"queue \d+ · review")
    with app:
        frame = app.wait_for("frame", STEP_TIMEOUT_SECONDS)
        board = app.wait_for("board", STEP_TIMEOUT_SECONDS)
        first_byte = app.first_output - app.started if app.first_output is not None else None
        if board is None:
            tail = app.screen_text(400).replace("\n", " ")[-400:]
            print(f"  (no board seen in the pty; the screen ended with: {tail!r})", flush=True)
        # ctrl+q quits; the demo asks first while agents run, so `y` confirms.
        app.stop(quit_keys=(b"\x11", b"y"))
    return first_byte, frame, board


def measure_headless(table: Table, counts: list[int], latencies: list[int], repeats: int) -> None:
    """Rows for the headless start, cold (first in this process) and warm (median)."""
    for count in counts:
        for latency in latencies:
            with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
                root = Path(directory)
                with HubProcess(root, fleet(count), queued=5, latency_ms=latency) as hub:
                    runs = []
                    for index in range(repeats + 1):
                        run_root = root / f"run-{index}"
                        run_root.mkdir()
                        runs.append(
                            asyncio.run(headless_start(hub.graphql_url, hub.repos, run_root))
                        )
            cold, warm = runs[0], runs[1:]
            scale = f"{count} panes, {latency} ms latency"
            table.row("headless (first in process)", scale, cold[0] * 1000, cold[1] * 1000)
            table.row(
                f"headless (median of {len(warm)})",
                scale,
                median([run[0] for run in warm]) * 1000,
                median([run[1] for run in warm]) * 1000,
            )


def measure_pty(table: Table, counts: list[int], latencies: list[int], repeats: int) -> None:
    """Rows for `soda-tui --config` in a pty: first byte, first frame, first board."""
    for count in counts:
        for latency in latencies:
            with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
                root = Path(directory)
                with HubProcess(root, fleet(count), queued=5, latency_ms=latency) as hub:
                    config = root / "config.toml"
                    config.write_text(config_text(hub.graphql_url, hub.repos), encoding="utf-8")
                    argv = [sys.executable, "-m", "soda_tui", "--config", str(config)]
                    runs = [
                        pty_start(argv, root / f"run-{index}", hub.repos[0])
                        for index in range(repeats)
                    ]
            table.row(
                f"soda-tui in a pty (median of {repeats})",
                f"{count} panes, {latency} ms latency",
                *[_median_ms([run[step] for run in runs]) for step in range(3)],
            )


def measure_demo(table: Table) -> None:
    """One row for `soda-tui demo` (its own localhub, seeded, autopilot on) in a pty."""
    with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        root = Path(directory)
        argv = [sys.executable, "-m", "soda_tui", "demo", "--fresh"]
        first_byte, frame, board = pty_start(argv, root, "demo/")
    table.row(
        "soda-tui demo --fresh in a pty",
        "demo repositories",
        *[_median_ms([value]) for value in (first_byte, frame, board)],
    )


def _median_ms(values: list[float | None]) -> float | None:
    seen = [value for value in values if value is not None]
    return median(seen) * 1000 if len(seen) == len(values) else None


def main(argv: list[str] | None = None) -> None:
    """Print the start-up tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--latency-ms", default="0,100")
    parser.add_argument("--no-pty", action="store_true", help="only the headless start")
    parser.add_argument("--quick", action="store_true", help="2 repeats, 0 ms latency only")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.latency_ms = 2, "0"
    latencies = [int(part) for part in args.latency_ms.split(",") if part.strip()]
    print("# Dashboard start: time to first paint")
    print(f"machine: {machine()}")
    table = Table("Import", ("what", "scale", "seconds"), {"what": 30, "scale": 24})
    table.row("import soda_tui.tui.app", "fresh interpreter", import_seconds())
    table = Table(
        "Headless start (App.run_test), localhub in its own process",
        ("how", "scale", "to panes mounted ms", "to first board drawn ms"),
        {"how": 30, "scale": 24},
    )
    measure_headless(table, list(PANE_COUNTS), latencies, args.repeats)
    if args.no_pty:
        return
    table = Table(
        f"Real start in a {SIZE[0]}×{SIZE[1]} pty",
        ("how", "scale", "to first byte ms", "to first frame ms", "to first board ms"),
        {"how": 36, "scale": 24},
    )
    measure_pty(table, list(PANE_COUNTS), latencies, max(1, args.repeats // 2 + 1))
    measure_demo(table)


if __name__ == "__main__":
    main()
