"""The logs screen under a flood in a real terminal: `soda-tui` in a pty, keys typed like a user.

Pop (`p`), run (`r`), open the logs (`enter`), then read the frames the app writes: each frame's
newest `flood seq=… t=…` line against the moment the frame reached the terminal gives the lag
from the agent's write to the screen. The app's CPU comes from /proc/<pid>/stat.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import Table, config_text, percentile
from benchmarks.dashboard_start import PROJECT_ROOT, SIZE, child_environment
from benchmarks.hub_process import HubProcess
from benchmarks.pty_app import PtyApp

FLOOD_AGENT = Path(__file__).resolve().parent / "flood_agent.py"
STEP_TIMEOUT_SECONDS = 120.0
SHOW_GRACE_SECONDS = 5.0  # after the run's push, how long the screen gets to show its end
# The trailing space proves the stamp was not cut by the end of a read.
_STAMP = re.compile(r"flood seq=(\d+) t=(\d+) ")


@dataclass
class Frames:
    """What the terminal received while the agent ran."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    updates: int = 0
    first_ns: int = 0
    last_ns: int = 0
    newest_seq: int = 0
    lags: list[float] = field(default_factory=list)

    def take(self, now_ns: int, text: str) -> None:
        """One read from the pty: when a newer line first shows, how late it is."""
        newest = None
        for match in _STAMP.finditer(text):
            if newest is None or int(match[1]) > int(newest[1]):
                newest = match
        with self.lock:
            if newest is None or int(newest[1]) <= self.newest_seq:
                return  # nothing newer: a repaint of lines already seen
            self.updates += 1
            self.first_ns = self.first_ns or now_ns
            self.last_ns = now_ns
            self.newest_seq = int(newest[1])
            self.lags.append((now_ns - int(newest[2])) / 1e9)


def _require(app: PtyApp, name: str, what: str) -> float:
    seen = app.wait_for(name, STEP_TIMEOUT_SECONDS)
    if seen is None:
        tail = app.screen_text(600).replace("\n", " ")
        raise RuntimeError(f"{what} never showed in the pty; the screen ended with {tail[-300:]!r}")
    return seen


def _wait_for_end(app: PtyApp, hub: HubProcess, timeout: float) -> tuple[float, bool]:
    """Seconds until the run ended and whether the screen showed it.

    The run's last step is its push (localhub's first receive-pack since `r`); the `run ended`
    line is handed to the screen before that, so a screen that has not shown it a few seconds
    later is not going to.
    """
    pushes = hub.request_counts().get("git_rpc", 0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = app.wait_for("ended", 0.5)
        if shown is not None:
            return shown, True
        if hub.request_counts().get("git_rpc", 0) > pushes:
            pushed = time.perf_counter() - app.started
            shown = app.wait_for("ended", SHOW_GRACE_SECONDS)
            return (shown, True) if shown is not None else (pushed, False)
    raise RuntimeError(f"the run did not end within {timeout:.0f} s")


def pty_follow(root: Path, rate: float, seconds: float) -> dict[str, float | int]:
    """Run the stamped agent from a real dashboard with the logs screen open; the figures."""
    repo = "bench/flood"
    with HubProcess(root / "hub", [repo], queued=1) as hub:
        argv = [sys.executable, str(FLOOD_AGENT), "--rate", str(rate), "--seconds", str(seconds)]
        agent = f'agent = {{ command = {json.dumps(argv)}, stdin = "none" }}'
        config = root / "config.toml"
        config.write_text(config_text(hub.graphql_url, hub.repos, agent=agent), encoding="utf-8")
        app = PtyApp(
            [sys.executable, "-m", "soda_tui", "--config", str(config)],
            env=child_environment(root),
            cwd=PROJECT_ROOT,
            columns=SIZE[0],
            rows=SIZE[1],
        )
        app.watch("board", r"queue \d+ · review")
        app.watch("claimed", "CLAIMED")
        app.watch("working", "WORKING")
        app.watch("logs", r"bench/flood · following")
        app.watch("ended", r"run ended: ")
        frames = Frames()
        with app:
            _require(app, "board", "the first board")
            app.send(b"p")
            _require(app, "claimed", "the claim after `p`")
            app.on_text = frames.take
            cpu, written, started = app.cpu_seconds(), app.bytes_read, time.perf_counter()
            app.send(b"r")
            _require(app, "working", "the run after `r`")
            app.send(b"\r")
            _require(app, "logs", "the logs screen after enter")
            ended, shown = _wait_for_end(app, hub, seconds + STEP_TIMEOUT_SECONDS)
            wall = ended - (started - app.started)
            used, written = app.cpu_seconds() - cpu, app.bytes_read - written
            window = time.perf_counter() - started
            app.on_text = None
            app.stop(quit_keys=(b"\x11", b"y"))
    with frames.lock:
        return {
            "wall": wall,
            "cpu": used,
            "cpu_window": window,
            "bytes": written,
            "updates": frames.updates,
            "update_span": (frames.last_ns - frames.first_ns) / 1e9,
            "end_shown": shown,
            "written": round(rate * seconds),
            "newest_seq": frames.newest_seq,
            "lag_p50": percentile(frames.lags, 0.5),
            "lag_p95": percentile(frames.lags, 0.95),
            "lag_max": max(frames.lags, default=0.0),
        }


def print_pty_follow(rate: float, seconds: float, figures: dict[str, float | int]) -> None:
    """The table of the pty run."""
    table = Table(
        f"Follow in a real {SIZE[0]}×{SIZE[1]} terminal: {rate:,.0f} lines/s for {seconds:g} s",
        ("figure", "value"),
        {"figure": 44},
    )
    wall = float(figures["wall"])
    table.row("lines the agent wrote", figures["written"])
    table.row("newest line seen on screen (seq)", figures["newest_seq"])
    table.row("`run ended` line shown on screen", "yes" if figures["end_shown"] else "NO")
    span = float(figures["update_span"])
    table.row("screen updates bringing newer lines", figures["updates"])
    table.row(
        "… per second, first to last such update", figures["updates"] / span if span else None
    )
    table.row("lag, agent write to terminal, p50 (ms)", float(figures["lag_p50"]) * 1000)
    table.row("lag p95 (ms)", float(figures["lag_p95"]) * 1000)
    table.row("lag max (ms)", float(figures["lag_max"]) * 1000)
    window = float(figures["cpu_window"])
    table.row("terminal output (KiB/s)", float(figures["bytes"]) / 1024 / window)
    table.row("app CPU (% of one core) while it ran", 100 * float(figures["cpu"]) / window)
    table.row("`r` to `run ended` on screen (s)", wall)
