"""CPU the dashboard burns while idle: 12 panes, polling GitHub (localhub) every 5 s.

Headless: the app runs in this process under App.run_test and its CPU is read with
time.process_time (localhub runs in its own process, so none of its work counts). In a pty: the
real `python -m soda_tui` on a 200×60 pseudo-terminal, its CPU read from /proc/<pid>/stat and
the bytes it writes to the terminal counted. The window starts once the first board is drawn
and the start-up work (log backfills) is done.
Run: .venv/bin/python -m benchmarks.dashboard_idle [--idle-seconds 60] [--panes 12] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Table, config_text, machine, open_session, rss_kib
from benchmarks.dashboard_start import PROJECT_ROOT, SIZE, child_environment, fleet
from benchmarks.hub_process import HubProcess
from benchmarks.pty_app import PtyApp

POLL_SECONDS = 5
SETTLE_TIMEOUT_SECONDS = 60.0
POLL_CONFIG = f"poll_seconds = {POLL_SECONDS}"
COLUMNS = ("where", "panes", "idle s", "CPU s", "CPU %", "polls", "terminal bytes/s", "RSS MiB")


async def headless_idle(
    url: str, repos: list[str], root: Path, seconds: float
) -> tuple[float, int, int]:
    """(CPU seconds, polls, RSS KiB) of the app idling in this process for `seconds`."""
    from soda_tui.tui.app import create_app

    session = open_session(url, repos, root, extra=POLL_CONFIG)
    app = create_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
            while any(state.board is None for state in app.states.values()) or app.jobs:
                if time.monotonic() > deadline:
                    raise RuntimeError("the dashboard did not settle after its first board")
                await pilot.pause(0.05)
            requests, cpu = session.client.request_count, time.process_time()
            await asyncio.sleep(seconds)  # the measurement itself: the app idles meanwhile
            used = time.process_time() - cpu
            polls = session.client.request_count - requests
            memory = rss_kib()
            await pilot.press("ctrl+q")
    finally:
        await session.aclose()
    return used, polls, memory


def pty_idle(hub: HubProcess, root: Path, seconds: float) -> tuple[float, int, int, int]:
    """(CPU seconds, polls, terminal bytes, RSS KiB) of a real dashboard idling in a pty."""
    config = root / "config.toml"
    config.write_text(config_text(hub.graphql_url, hub.repos, extra=POLL_CONFIG), encoding="utf-8")
    argv = [sys.executable, "-m", "soda_tui", "--config", str(config)]
    app = PtyApp(argv, env=child_environment(root), cwd=PROJECT_ROOT, columns=SIZE[0], rows=SIZE[1])
    app.watch("board", r"queue \d+ · review")
    with app:
        if app.wait_for("board", SETTLE_TIMEOUT_SECONDS) is None:
            raise RuntimeError("the dashboard in the pty drew no board")
        _settle(app)
        cpu, written = app.cpu_seconds(), app.bytes_read
        requests = hub.request_counts().get("graphql", 0)
        time.sleep(seconds)  # the measurement itself: the dashboard idles meanwhile
        used, written = app.cpu_seconds() - cpu, app.bytes_read - written
        polls = hub.request_counts().get("graphql", 0) - requests
        memory = app.rss_kib()
    return used, polls, written, memory


def _settle(app: PtyApp) -> None:
    """Wait until the start-up burst is over: two quiet seconds of CPU in a row."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    before = app.cpu_seconds()
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        time.sleep(1.0)  # sampling CPU once a second is the point here
        now = app.cpu_seconds()
        quiet = quiet + 1 if now - before < 0.05 else 0
        before = now


def main(argv: list[str] | None = None) -> None:
    """Print the idle table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--panes", type=int, default=12)
    parser.add_argument("--no-pty", action="store_true", help="only the headless measurement")
    parser.add_argument("--quick", action="store_true", help="10 idle seconds")
    args = parser.parse_args(argv)
    if args.quick:
        args.idle_seconds = min(args.idle_seconds, 10.0)
    print(f"# Dashboard idle CPU: {args.panes} panes, polling every {POLL_SECONDS} s")
    print(f"machine: {machine()}")
    table = Table("Idle", COLUMNS, {"where": 28})
    seconds = args.idle_seconds
    with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        root = Path(directory)
        with HubProcess(root, fleet(args.panes), queued=5) as hub:
            run_root = root / "headless"
            run_root.mkdir()
            cpu, polls, memory = asyncio.run(
                headless_idle(hub.graphql_url, hub.repos, run_root, seconds)
            )
            table.row(
                "headless (run_test)",
                args.panes,
                seconds,
                cpu,
                100 * cpu / seconds,
                polls,
                None,
                memory / 1024,
            )
            if not args.no_pty:
                run_root = root / "pty"
                run_root.mkdir()
                cpu, polls, written, memory = pty_idle(hub, run_root, seconds)
                table.row(
                    "soda-tui in a pty",
                    args.panes,
                    seconds,
                    cpu,
                    100 * cpu / seconds,
                    polls,
                    written / seconds,
                    memory / 1024,
                )


if __name__ == "__main__":
    main()
