"""localhub's own speed, so no other benchmark is secretly measuring it: requests per second.

localhub runs in its own process (seeded: a repository with 10 queued issues and one with
10,000). Client threads in this process, each with its own keep-alive httpx connection, send the
GraphQL `Viewer` query and the `QueuePeek` that peek and pop send, for a fixed time. A last row
per query runs it in-process through `LocalHubState.execute_graphql` (no HTTP, one thread): the
service time alone.
Run: .venv/bin/python -m benchmarks.localhub_rps [--seconds 5] [--threads 1,4,8] [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import (
    TOKEN,
    Table,
    bench_hub,
    cpu_seconds,
    machine,
    median,
    percentile,
    seed,
)
from benchmarks.hub_process import HubProcess
from soda_tui.core.models import RepoName
from soda_tui.github.operations import load_operation
from soda_tui.loop.queue import peek_variables

SMALL, BIG = "bench/small", "bench/big"
QUEUES = {SMALL: 10, BIG: 10_000}
# A throughput test spends far more than GitHub's 5,000 points an hour.
RATE_LIMIT = 1_000_000_000
COLUMNS = ("query", "client", "requests", "req/s", "p50 ms", "p99 ms", "errors", "localhub CPU %")


@dataclass
class Tally:
    """What the client threads saw."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def queries() -> dict[str, dict[str, Any]]:
    """The request bodies: Viewer, and QueuePeek on the small and the big queue."""
    peek = load_operation("QueuePeek")
    bodies: dict[str, dict[str, Any]] = {
        "Viewer": {"query": load_operation("Viewer"), "operationName": "Viewer"},
    }
    for repo, queued in QUEUES.items():
        bodies[f"QueuePeek, {queued:,} queued"] = {
            "query": peek,
            "operationName": "QueuePeek",
            "variables": peek_variables(RepoName.parse(repo)),
        }
    return bodies


def _client_thread(url: str, body: dict[str, Any], until: float, tally: Tally) -> None:
    headers = {"Authorization": f"bearer {TOKEN}"}
    latencies: list[float] = []
    errors = 0
    first_error = ""
    with httpx.Client(headers=headers, timeout=60) as client:
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                response = client.post(url, json=body)
                problem = (
                    f"HTTP {response.status_code}"
                    if response.status_code != 200
                    else str(response.json().get("errors") or "")
                )
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            if not problem:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
                first_error = first_error or problem
    with tally.lock:
        tally.latencies += latencies
        tally.errors += errors
        tally.first_error = tally.first_error or first_error


def over_http(hub: HubProcess, body: dict[str, Any], threads: int, seconds: float) -> tuple:
    """(requests, req/s, p50, p99, errors, localhub CPU %) for `threads` clients."""
    tally = Tally()
    until = time.perf_counter() + seconds
    cpu, started = cpu_seconds(hub.pid), time.perf_counter()
    workers = [
        threading.Thread(target=_client_thread, args=(hub.graphql_url, body, until, tally))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    hub_cpu = cpu_seconds(hub.pid) - cpu
    done = len(tally.latencies)
    if tally.errors:
        print(
            f"  ({tally.errors} requests failed; the first: {tally.first_error[:200]})", flush=True
        )
    return (
        done,
        done / wall,
        percentile(tally.latencies, 0.5) * 1000,
        percentile(tally.latencies, 0.99) * 1000,
        tally.errors,
        100 * hub_cpu / wall,
    )


def in_process(bodies: dict[str, dict[str, Any]], seconds: float) -> dict[str, tuple]:
    """(runs, runs/s, median ms) of each query through execute_graphql, no HTTP."""
    results: dict[str, tuple] = {}
    with bench_hub(rate_limit=RATE_LIMIT) as hub:
        for repo, queued in QUEUES.items():
            seed(hub, repo, queued=queued)
        for name, body in bodies.items():
            times: list[float] = []
            until = time.perf_counter() + seconds
            while time.perf_counter() < until:
                started = time.perf_counter()
                outcome = hub.state.execute_graphql(
                    body["query"], body.get("variables"), body["operationName"], hub.login
                )
                if outcome.body.get("errors"):
                    raise RuntimeError(f"{name} failed in-process: {outcome.body['errors']}")
                times.append(time.perf_counter() - started)
            results[name] = (len(times), len(times) / sum(times), median(times) * 1000)
    return results


def main(argv: list[str] | None = None) -> None:
    """Print the localhub throughput table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per row")
    parser.add_argument("--threads", default="1,4,8")
    parser.add_argument("--quick", action="store_true", help="2 s per row, 1 and 4 threads")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.threads = min(args.seconds, 2.0), "1,4"
    counts = [int(part) for part in args.threads.split(",") if part.strip()]
    print("# localhub requests per second (its own process; clients are threads here)")
    print(f"machine: {machine()}")
    bodies = queries()
    table = Table("localhub throughput", COLUMNS, {"query": 24, "client": 26})
    with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        repos = [f"{repo}:{queued}" for repo, queued in QUEUES.items()]
        with HubProcess(Path(directory), repos, rate_limit=RATE_LIMIT) as hub:
            for name, body in bodies.items():
                for threads in counts:
                    label = f"{threads} thread{'s' if threads > 1 else ''}, HTTP keep-alive"
                    table.row(name, label, *over_http(hub, body, threads, args.seconds))
    for name, (runs, rate, typical) in in_process(bodies, args.seconds).items():
        table.row(name, "in-process, no HTTP", runs, rate, typical, None, 0, None)


if __name__ == "__main__":
    main()
