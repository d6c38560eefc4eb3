"""A benchmark agent: prints R lines per second for S seconds, each stamped with its monotonic time.

Like the demo agent's `lines-per-second R seconds S` directive (one flushed write per line, paced
to the rate) but every line carries `seq=<n> t=<CLOCK_MONOTONIC ns>`, so the reader can tell how
late each line reaches the screen. It ends with a summary line and one commit, so the run is done.
Run by the dashboard as a custom agent: `python benchmarks/flood_agent.py --rate R --seconds S`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

FILLER = "compiling module, running checks, writing objects"


def flood(rate: float, seconds: float) -> tuple[int, float]:
    """Print the stamped lines; returns how many and how long it took."""
    count = max(1, round(rate * seconds))
    interval = 1.0 / rate
    write, flush = sys.stdout.write, sys.stdout.flush
    started = time.monotonic()
    for seq in range(1, count + 1):
        write(f"flood seq={seq} t={time.monotonic_ns()} {FILLER}\n")
        flush()
        ahead = started + seq * interval - time.monotonic()
        if ahead > 0.001:  # sleeping less than a millisecond costs more than it paces
            time.sleep(ahead)
    return count, time.monotonic() - started


def commit(workspace: Path, count: int) -> int:
    """One commit, so the run counts as done."""
    notes = workspace / "notes" / "flood.md"
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text(f"printed {count} lines\n", encoding="utf-8")
    identity = ["-c", "user.name=flood agent", "-c", "user.email=flood@soda.invalid"]
    for args in (["add", "--", "notes/flood.md"], ["commit", "-q", "-m", "Flood the log"]):
        done = subprocess.run(
            ["git", *identity, "-c", "commit.gpgsign=false", *args],
            cwd=workspace,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"error: git {args[0]} failed: {done.stderr.strip()}", file=sys.stderr)
            return 1
    return 0


def main() -> int:
    """Flood, summarise, commit."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    count, took = flood(args.rate, args.seconds)
    print(f"flood done: wrote={count} seconds={took:.3f}", flush=True)
    return commit(Path.cwd(), count)


if __name__ == "__main__":
    sys.exit(main())
