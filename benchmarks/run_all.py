"""Run every benchmark, one after another, each in its own interpreter, and print their tables.

Run: .venv/bin/python -m benchmarks.run_all [--quick] [--only loop_requests,log_flood]
     [--idle-seconds 60]
Each script stops by itself and sends traffic only to 127.0.0.1; `--quick` shortens every one
(about two minutes in all on 2 cores; the full run takes about ten).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Table, machine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# In order: localhub first, so its own speed is known before anything measured against it.
BENCHMARKS = ("localhub_rps", "loop_requests", "dashboard_start", "dashboard_idle", "log_flood")
TIMEOUT_SECONDS = 1800


def _argv(name: str, quick: bool, idle_seconds: float | None) -> list[str]:
    argv = [sys.executable, "-m", f"benchmarks.{name}"]
    if quick:
        argv.append("--quick")
    if name == "dashboard_idle" and idle_seconds is not None:
        argv += ["--idle-seconds", str(idle_seconds)]
    return argv


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; exit 1 if any failed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="the short version of each")
    parser.add_argument(
        "--only", default="", help=f"comma-separated, from: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--idle-seconds", type=float, default=None, help="for dashboard_idle")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    command = " ".join(
        ["python -m benchmarks.run_all", *(argv if argv is not None else sys.argv[1:])]
    )
    print(f"# soda-tui benchmarks{' (quick)' if args.quick else ''}")
    print(f"command: {command}")
    print(f"machine: {machine()}")
    print(f"started: {time.strftime('%Y-%m-%d %H:%M:%S %z')}", flush=True)
    outcomes: list[tuple[str, int, float]] = []
    for name in chosen:
        print(f"\n## {name}\n", flush=True)
        started = time.perf_counter()
        try:
            code = subprocess.run(
                _argv(name, args.quick, args.idle_seconds),
                cwd=PROJECT_ROOT,
                timeout=TIMEOUT_SECONDS,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            print(f"{name}: stopped after {TIMEOUT_SECONDS} s", flush=True)
            code = -1
        outcomes.append((name, code, time.perf_counter() - started))
    summary = Table("Summary", ("benchmark", "exit code", "seconds"), {"benchmark": 20})
    for name, code, seconds in outcomes:
        summary.row(name, str(code), seconds)
    return 0 if all(code == 0 for _name, code, _seconds in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
