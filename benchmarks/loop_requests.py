"""GraphQL requests, points and wall time of each loop action against localhub with injected latency.

Prints one row per action and scale, with the floor (minimum round trips × latency) beside it.
Run: .venv/bin/python benchmarks/loop_requests.py [--latency-ms 100] [--queued 10,1000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.common import bench_hub, machine, open_session, seed
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.pop import peek, pop
from soda_tui.loop.run import run
from soda_tui.loop.status import fetch_board

# The fewest round trips each action can take: the floor we compare against.
FLOOR = {"peek": 1, "pop": 2, "bottle": 3, "land": 3, "status": 1}


class Meter:
    """Requests and points spent between two readings of a client."""

    def __init__(self, session) -> None:
        self.session = session

    async def measure(self, name: str, scale: str, action, latency_ms: int) -> None:
        client = self.session.client
        requests, points = client.request_count, client.budget.points_used
        started = time.perf_counter()
        await action()
        wall = time.perf_counter() - started
        used = client.request_count - requests
        floor = FLOOR[name] * latency_ms / 1000
        print(
            f"{name:7} {scale:>22} {used:9d} {client.budget.points_used - points:7d} "
            f"{wall * 1000:9.0f} {floor * 1000:9.0f} {wall / floor if floor else 0:6.2f}"
        )


async def one_repo(queued: int, latency_ms: int) -> None:
    with bench_hub() as hub, tempfile.TemporaryDirectory() as root:
        repo = seed(hub, "bench/loop", queued=queued)
        session = open_session(hub, [str(repo)], Path(root))
        meter, ctx = Meter(session), session.context(repo)
        hub.faults.update(latency_ms=latency_ms)
        try:
            scale = f"{queued} queued"
            await meter.measure("peek", scale, lambda: peek(ctx), latency_ms)
            await meter.measure("pop", scale, lambda: pop(ctx), latency_ms)
            hub.faults.update(latency_ms=0)
            await run(ctx)
            hub.faults.update(latency_ms=latency_ms)
            await meter.measure("bottle", scale, lambda: bottle(ctx), latency_ms)
            await meter.measure("land", scale, lambda: land(ctx), latency_ms)
        finally:
            await session.aclose()


async def many_repos(count: int, latency_ms: int) -> None:
    with bench_hub() as hub, tempfile.TemporaryDirectory() as root:
        names = [str(seed(hub, f"fleet/r{index:02d}", queued=5)) for index in range(count)]
        session = open_session(hub, names, Path(root))
        hub.faults.update(latency_ms=latency_ms)
        try:
            await Meter(session).measure(
                "status",
                f"{count} repositories",
                lambda: fetch_board(session.client, session.repo_names()),
                latency_ms,
            )
        finally:
            await session.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--queued", default="10,1000,10000")
    parser.add_argument("--repos", default="1,5,20")
    args = parser.parse_args()
    print(f"# loop requests against localhub, {args.latency_ms} ms injected latency; {machine()}")
    print(
        f"{'action':7} {'scale':>22} {'requests':>9} {'points':>7} {'wall ms':>9} {'floor ms':>9} {'ratio':>6}"
    )
    for queued in (int(x) for x in args.queued.split(",")):
        asyncio.run(one_repo(queued, args.latency_ms))
    for count in (int(x) for x in args.repos.split(",")):
        asyncio.run(many_repos(count, args.latency_ms))


if __name__ == "__main__":
    main()
