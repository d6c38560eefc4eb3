"""The logs screen under a flood: an agent writing 10,000 lines a second while the screen follows,
and the app's memory after a million lines.

Follow: `benchmarks/flood_agent.py` (a custom agent paced like the demo agent's `lines-per-second`
directive, each line stamped with its monotonic time) runs through the real runner in the
dashboard (headless, this process; localhub in its own process) with the logs screen open and
following. Counted where the screen takes the lines (LogsScreen.append): lines shown per second,
lines dropped (written but never handed to the screen), and lag (from the agent's write to the
hand-over; Textual paints at most 1/60 s later). Million: the demo agent's `flood N` directive
with the logs screen open; RSS from /proc/self/status before and after.
Run: .venv/bin/python -m benchmarks.log_flood [--rate 10000] [--seconds 10] [--lines 1000000]
     [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from benchmarks.common import Table, machine, open_session, percentile, rss_kib
from benchmarks.dashboard_start import SIZE
from benchmarks.hub_process import HubProcess
from benchmarks.log_flood_pty import print_pty_follow, pty_follow
from soda_tui.loop.pop import pop
from soda_tui.loop.session import Session
from soda_tui.tui.app import SodaApp, create_app
from soda_tui.tui.screens.logs import LogsScreen

FLOOD_AGENT = Path(__file__).resolve().parent / "flood_agent.py"
REPO = "bench/flood"
RUN_TIMEOUT_SECONDS = 600.0
_STAMP = re.compile(r"flood seq=(\d+) t=(\d+)")
_DONE = re.compile(r"flood done: wrote=(\d+) seconds=([\d.]+)")


@dataclass
class Delivery:
    """What reached the logs screen: one entry per batch the app handed over."""

    batches: int = 0
    lines: int = 0
    flood_lines: int = 0
    first_at: float | None = None
    last_at: float | None = None
    lags: list[float] = field(default_factory=list)
    sequence_gaps: int = 0
    last_seq: int = 0
    agent_wrote: int | None = None
    agent_seconds: float | None = None


class CountingLogs(LogsScreen):
    """The real logs screen, counting each batch it is handed (then showing it as usual)."""

    def __init__(self, repo: str, delivery: Delivery) -> None:
        super().__init__(repo, [])
        self.delivery = delivery

    def append(self, lines: list[str]) -> None:
        now_ns, now = time.monotonic_ns(), time.perf_counter()
        record = self.delivery
        record.batches += 1
        record.lines += len(lines)
        record.first_at = record.first_at or now
        record.last_at = now
        for line in lines:
            stamp = _STAMP.search(line)
            if stamp is None:
                done = _DONE.search(line)
                if done is not None:
                    record.agent_wrote, record.agent_seconds = int(done[1]), float(done[2])
                continue
            seq = int(stamp[1])
            record.flood_lines += 1
            if seq != record.last_seq + 1:
                record.sequence_gaps += 1
            record.last_seq = seq
            record.lags.append((now_ns - int(stamp[2])) / 1e9)
        super().append(lines)


async def _run_with_logs(
    app: SodaApp, pilot: Pilot[Any], screen: LogsScreen, backlog: list[int]
) -> None:
    """Open `screen`, start the run, and wait for it to end, sampling the app's backlog."""
    repo = REPO
    await app.push_screen(screen)
    app.start_action(repo, "run")
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    started = False
    while True:
        state = app.states[repo]
        started = started or state.agent_running
        backlog.append(len(app.outputs[repo].pending))
        if started and not state.busy and not app.outputs[repo].pending:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the run did not end within {RUN_TIMEOUT_SECONDS:.0f} s")
        await pilot.pause(0.02)


async def _dashboard_run(session: Session, screen: LogsScreen) -> dict[str, float]:
    """Run the popped issue's agent in a headless dashboard with `screen` open; CPU and memory."""
    app = create_app(session)
    backlog: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while app.states[REPO].board is None or app.jobs:
            if time.monotonic() > deadline:
                raise RuntimeError("no board")
            await pilot.pause(0.02)
        before_rss, cpu, wall = rss_kib(), time.process_time(), time.perf_counter()
        await _run_with_logs(app, pilot, screen, backlog)
        figures = {
            "cpu": time.process_time() - cpu,
            "wall": time.perf_counter() - wall,
            "rss_before": before_rss,
            "rss_after": rss_kib(),
            "max_backlog": max(backlog, default=0),
            "view_lines": screen.view.line_count,
            "view_at_end": screen.view.is_vertical_scroll_end,
            "view_scroll": f"{screen.view.scroll_offset.y}/{screen.view.max_scroll_y}",
            "note": app.states[REPO].note,
        }
        await pilot.press("ctrl+q")
    return figures


def _peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def follow(hub: HubProcess, root: Path, rate: float, seconds: float) -> tuple[Delivery, dict]:
    """The stamped agent at `rate` lines/s for `seconds`, the logs screen following."""
    command = json.dumps(
        [sys.executable, str(FLOOD_AGENT), "--rate", str(rate), "--seconds", str(seconds)]
    )
    agent = f'agent = {{ command = {command}, stdin = "none" }}'
    session = open_session(hub.graphql_url, [REPO], root, agent=agent)
    try:
        await pop(session.context(REPO))
        delivery = Delivery()
        figures = await _dashboard_run(session, CountingLogs(REPO, delivery))
    finally:
        await session.aclose()
    return delivery, figures


async def million(hub: HubProcess, root: Path) -> tuple[Delivery, dict]:
    """The demo agent's flood (the issue body says how many lines), the logs screen open."""
    session = open_session(hub.graphql_url, [REPO], root)
    try:
        await pop(session.context(REPO))
        delivery = Delivery()
        figures = await _dashboard_run(session, CountingLogs(REPO, delivery))
        log_files = list((root / "soda").rglob("*.log"))
        figures["log_bytes"] = sum(path.stat().st_size for path in log_files)
    finally:
        await session.aclose()
    return delivery, figures


def main(argv: list[str] | None = None) -> None:
    """Print the flood tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--no-pty", action="store_true", help="skip the run in a real terminal")
    parser.add_argument("--quick", action="store_true", help="3 seconds and 100,000 lines")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.lines = min(args.seconds, 3.0), min(args.lines, 100_000)
    print("# Logs screen under a flood")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        root = Path(directory)
        with HubProcess(root / "hub-follow", [REPO], queued=1) as hub:
            (root / "follow").mkdir()
            delivery, figures = asyncio.run(follow(hub, root / "follow", args.rate, args.seconds))
        _print_follow(args.rate, args.seconds, delivery, figures)
        if not args.no_pty:
            # The second run stays under the view's 10,000 lines: a reference without pruning.
            for index, (rate, seconds) in enumerate(((args.rate, args.seconds), (1000.0, 5.0))):
                (root / f"pty-{index}").mkdir()
                print_pty_follow(rate, seconds, pty_follow(root / f"pty-{index}", rate, seconds))
        body = f"soda-demo: flood {args.lines}"
        with HubProcess(root / "hub-million", [REPO], queued=1, issue_body=body) as hub:
            (root / "million").mkdir()
            delivery, figures = asyncio.run(million(hub, root / "million"))
        _print_million(args.lines, delivery, figures)


def _print_follow(rate: float, seconds: float, delivery: Delivery, figures: dict) -> None:
    expected = round(rate * seconds)
    span = (delivery.last_at or 0) - (delivery.first_at or 0)
    table = Table(
        f"Follow: {rate:,.0f} lines/s for {seconds:g} s, logs screen following",
        ("figure", "value"),
        {"figure": 44},
    )
    table.row("lines the agent wrote", delivery.agent_wrote or expected)
    table.row("agent's own time to write them (s)", delivery.agent_seconds)
    table.row("flood lines handed to the logs screen", delivery.flood_lines)
    table.row(
        "dropped (written, never handed over)",
        (delivery.agent_wrote or expected) - delivery.flood_lines,
    )
    table.row("out-of-order or missing sequence numbers", delivery.sequence_gaps)
    table.row(
        "lines shown per second (first to last batch)", delivery.lines / span if span else None
    )
    table.row("batches handed over", delivery.batches)
    table.row(
        "mean lines per batch", delivery.lines / delivery.batches if delivery.batches else None
    )
    table.row("lag p50 (ms)", percentile(delivery.lags, 0.5) * 1000)
    table.row("lag p95 (ms)", percentile(delivery.lags, 0.95) * 1000)
    table.row("lag max (ms)", max(delivery.lags, default=0.0) * 1000)
    table.row("largest backlog waiting in the app (lines)", figures["max_backlog"])
    table.row("lines kept by the view (max_lines)", figures["view_lines"])
    table.row("view still following at the end", _following(figures))
    table.row("app CPU during the run (s)", figures["cpu"])
    table.row("app CPU during the run (% of one core)", 100 * figures["cpu"] / figures["wall"])
    table.row("run wall time, start to last line shown (s)", figures["wall"])
    table.row("outcome", figures["note"])


def _following(figures: dict) -> str:
    at_end = "yes" if figures["view_at_end"] else "NO"
    return f"{at_end} (scroll {figures['view_scroll']})"


def _print_million(lines: int, delivery: Delivery, figures: dict) -> None:
    table = Table(
        f"Memory: demo agent `flood {lines:,}`, logs screen open",
        ("figure", "value"),
        {"figure": 44},
    )
    table.row("lines handed to the logs screen", delivery.lines)
    table.row("lines kept by the view (max_lines)", figures["view_lines"])
    table.row("view still following at the end", _following(figures))
    table.row("RSS before the run (MiB)", figures["rss_before"] / 1024)
    table.row("RSS after the run (MiB)", figures["rss_after"] / 1024)
    table.row("RSS growth (MiB)", (figures["rss_after"] - figures["rss_before"]) / 1024)
    table.row("peak RSS of the process (MiB)", _peak_rss_kib() / 1024)
    table.row("run log on disk (MiB)", figures["log_bytes"] / 1024 / 1024)
    table.row(
        "lines shown per second", delivery.lines / figures["wall"] if figures["wall"] else None
    )
    table.row("app CPU during the run (s)", figures["cpu"])
    table.row("run wall time (s)", figures["wall"])
    table.row("outcome", figures["note"])


if __name__ == "__main__":
    main()
