"""A seeded localhub in its own process, so its CPU never counts against the process measured.

Run by `HubProcess` (below): `python -m benchmarks.hub_process --data-dir D --repos a/b,c/d:N
--queued N [--branches B] [--issue-body TEXT] [--latency-ms L] [--rate-limit P]`, token in $SODA_BENCH_TOKEN
(`owner/name:N` seeds that repository with N queued issues instead of --queued).
It prints one JSON line (the GraphQL URL and the repositories), then answers `counts` on stdin
with a JSON line of requests served per route, and serves until its stdin closes, then stops: a
parent that dies takes localhub with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from benchmarks.branches import push_agent_branches
from benchmarks.common import TOKEN, TOKEN_ENV, seed
from soda_tui.localhub import LocalHub

READY_TIMEOUT_SECONDS = 300


class HubProcessError(Exception):
    """The localhub child process did not come up."""


class HubProcess:
    """Starts `python -m benchmarks.hub_process` and reads where it serves; stop() ends it."""

    def __init__(
        self,
        data_dir: Path,
        repos: list[str],
        *,
        queued: int = 5,
        branches: int = 0,
        issue_body: str = "",
        latency_ms: int = 0,
        rate_limit: int = 5000,
    ) -> None:
        self.data_dir = data_dir
        self.argv = [
            sys.executable,
            "-m",
            "benchmarks.hub_process",
            "--data-dir",
            str(data_dir),
            "--repos",
            ",".join(repos),
            "--queued",
            str(queued),
            "--branches",
            str(branches),
            "--issue-body",
            issue_body,
            "--latency-ms",
            str(latency_ms),
            "--rate-limit",
            str(rate_limit),
        ]
        self.process: subprocess.Popen[str] | None = None
        self.graphql_url = ""
        self.repos: list[str] = []

    @property
    def pid(self) -> int:
        """The child's process id."""
        if self.process is None:
            raise HubProcessError("the localhub process is not running")
        return self.process.pid

    def start(self) -> HubProcess:
        """Start the child and wait for its JSON line."""
        environ = {**os.environ, TOKEN_ENV: TOKEN}
        environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(Path(__file__).resolve().parent.parent), environ.get("PYTHONPATH")])
        )
        self.process = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            env=environ,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise HubProcessError("localhub exited before it was ready (its error is above)")
        ready = json.loads(line)
        self.graphql_url, self.repos = ready["graphql_url"], ready["repos"]
        return self

    def request_counts(self) -> dict[str, int]:
        """Requests localhub served per route since it started."""
        process = self.process
        if process is None or process.stdin is None or process.stdout is None:
            raise HubProcessError("the localhub process is not running")
        process.stdin.write("counts\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise HubProcessError("the localhub process ended")
        return {str(route): int(count) for route, count in json.loads(line).items()}

    def stop(self) -> None:
        """Close its stdin (it stops by itself) and wait; kill it only if it does not."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main() -> None:
    """Seed, serve, print the URL, and stop when stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repos", required=True)
    parser.add_argument("--queued", type=int, default=5)
    parser.add_argument("--branches", type=int, default=0)
    parser.add_argument("--issue-body", default="")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--rate-limit", type=int, default=5000, help="GraphQL points per hour")
    args = parser.parse_args()
    token = os.environ.get(TOKEN_ENV, TOKEN)
    hub = LocalHub(args.data_dir / "hub", token=token, ci=False, rate_limit=args.rate_limit)
    hub.start()
    try:
        names = []
        with tempfile.TemporaryDirectory(prefix="soda-bench-git-") as scratch:
            for spec in args.repos.split(","):
                # `owner/name:N` gives this repository its own number of queued issues.
                repo, _, count = spec.partition(":")
                queued = int(count) if count else args.queued
                name = seed(hub, repo, queued=queued, body=args.issue_body)
                push_agent_branches(hub, name, args.branches, Path(scratch), first_issue=queued + 1)
                names.append(str(name))
        hub.faults.update(latency_ms=args.latency_ms)
        print(json.dumps({"graphql_url": hub.graphql_url, "repos": names}), flush=True)
        for line in sys.stdin:  # until the parent closes the pipe (or dies)
            if line.strip() == "counts":
                print(json.dumps(hub.request_counts), flush=True)
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
