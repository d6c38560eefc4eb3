"""GraphQL requests, points, git round trips and wall time of each loop action and of a recovery
scan, against localhub with injected latency, beside the floor (the fewest round trips × latency).

Each world is one repository with Q queued issues and B agent branches pushed beforehand; it runs
peek, status and a recovery scan, then two full cycles (pop, run, bottle, land): the first as the
bare CLI does (`soda-tui bottle` finds the issue itself), the second as the autopilot does (the
issue number is known). Then status and a scan over 1, 5 and 20 repositories.
Run: .venv/bin/python -m benchmarks.loop_requests [--latency-ms 100] [--queued 10,1000,10000]
     [--branches 10,1000] [--repos 1,5,20] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.branches import push_agent_branches
from benchmarks.common import Table, bench_hub, machine, median, open_session, seed
from soda_tui.localhub import LocalHub
from soda_tui.loop.bottle import bottle
from soda_tui.loop.context import RepoContext
from soda_tui.loop.land import land
from soda_tui.loop.pop import peek, pop
from soda_tui.loop.run import run
from soda_tui.loop.session import Session
from soda_tui.loop.status import BATCH as STATUS_BATCH
from soda_tui.loop.status import fetch_board

try:
    from soda_tui.recovery.scan import BATCH_REPOS as SCAN_BATCH
    from soda_tui.recovery.scan import scan_repositories
except ImportError:  # the recovery package is built separately; the loop figures stand alone
    SCAN_BATCH, scan_repositories = 5, None

COLUMNS = (
    "action",
    "scale",
    "GraphQL req",
    "points",
    "git trips",
    "floor trips",
    "wall ms",
    "floor ms",
    "ratio",
    "wall ms at 0 ms",
)
WARM_REPEATS = 3
REFS_PER_PAGE = 100


@dataclass(frozen=True)
class Floor:
    """The fewest sequential round trips an action needs: GraphQL requests plus git HTTP exchanges."""

    graphql: int
    git: int = 0

    @property
    def trips(self) -> int:
        """All round trips."""
        return self.graphql + self.git


# Why these floors: peek reads everything in one request; pop claims (labels and branch) in one
# mutation after that read, and clones (ref advertisement + pack: 2 git exchanges) or fetches the
# moved default branch (2); bottle reads the issue, opens the pull request and swaps the labels (3),
# and needs one ref advertisement to see that run already pushed the branch; land checks the gate,
# merges, then closes/relabels/comments/deletes in one mutation (3); status reads 25 repositories
# per request; a scan reads 100 branches per page, 5 repositories per request. `run` has no floor:
# its wall time is mostly the agent's own.
FLOORS: dict[str, Floor | None] = {
    "peek": Floor(1),
    "pop (fresh clone)": Floor(2, 2),
    "pop (warm)": Floor(2, 2),
    "run": None,
    "run #n": None,
    "bottle": Floor(3, 1),
    "bottle #n": Floor(3, 1),
    "land": Floor(3),
    "land #n": Floor(3),
}


def status_floor(repos: int) -> Floor:
    """One request per STATUS_BATCH repositories."""
    return Floor(math.ceil(repos / STATUS_BATCH))


def scan_floor(repos: int, branches_per_repo: int) -> Floor:
    """Pages of 100 branches (the default branch counts), SCAN_BATCH repositories per request."""
    pages = math.ceil((branches_per_repo + 1) / REFS_PER_PAGE)
    return Floor(pages * math.ceil(repos / SCAN_BATCH))


@dataclass(frozen=True)
class Spent:
    """What one run of an action cost."""

    requests: int
    points: int
    git: int
    wall: float


class Meter:
    """Requests, points and git exchanges spent while one action runs, printed as a table row."""

    def __init__(self, hub: LocalHub, session: Session, table: Table, latency_ms: int) -> None:
        self.hub = hub
        self.session = session
        self.table = table
        self.latency_ms = latency_ms

    def _git_count(self) -> int:
        return sum(n for route, n in self.hub.request_counts.items() if route.startswith("git"))

    def _points_used(self) -> int:
        # localhub's own accounting: the client counts the first response of a session as one
        # point whatever it cost, so a cold row would under-report.
        return self.hub.state.rate_snapshot(self.hub.login).used

    async def _once(self, action: Callable[[], Awaitable[Any]]) -> Spent:
        client = self.session.client
        requests, points, git = client.request_count, self._points_used(), self._git_count()
        started = time.perf_counter()
        await action()
        wall = time.perf_counter() - started
        return Spent(
            client.request_count - requests,
            self._points_used() - points,
            self._git_count() - git,
            wall,
        )

    async def measure(
        self,
        name: str,
        scale: str,
        action: Callable[[], Awaitable[Any]],
        floor: Floor | None,
        *,
        repeat: bool = False,
    ) -> None:
        """Run `action` once (a read-only one also warm and at 0 ms latency) and print its rows."""
        cold = await self._once(action)
        self._row(name + (" (cold)" if repeat else ""), scale, cold, cold.wall, floor)
        if not repeat:
            return
        warm = [await self._once(action) for _ in range(WARM_REPEATS)]
        self.hub.faults.update(latency_ms=0)
        try:
            local = [await self._once(action) for _ in range(WARM_REPEATS)]
        finally:
            self.hub.faults.update(latency_ms=self.latency_ms)
        wall = median([spent.wall for spent in warm])
        local_wall = median([spent.wall for spent in local])
        self._row(f"{name} (warm)", scale, warm[-1], wall, floor, local_wall)

    def _row(
        self,
        name: str,
        scale: str,
        spent: Spent,
        wall: float,
        floor: Floor | None,
        local: float | None = None,
    ) -> None:
        floor_seconds = floor.trips * self.latency_ms / 1000 if floor is not None else None
        self.table.row(
            name,
            scale,
            spent.requests,
            spent.points,
            spent.git,
            floor.trips if floor is not None else None,
            wall * 1000,
            floor_seconds * 1000 if floor_seconds is not None else None,
            wall / floor_seconds if floor_seconds else None,
            local * 1000 if local is not None else None,
        )


async def _cycle(meter: Meter, ctx: RepoContext, scale: str, *, known: bool) -> None:
    """Pop, run, bottle and land one issue; with `known`, pass the issue number like the autopilot."""
    pop_name = "pop (warm)" if known else "pop (fresh clone)"
    popped: dict[str, int] = {}

    async def do_pop() -> None:
        result = await pop(ctx)
        if not result.ok:
            raise RuntimeError(f"pop did nothing: {result.message}")
        popped["number"] = result.data["issue"]["number"]

    async def do_run() -> None:
        result = await run(ctx, number)
        if not result.ok:
            raise RuntimeError(f"the demo agent did not finish: {result.message}")

    await meter.measure(pop_name, scale, do_pop, FLOORS[pop_name])
    number = popped["number"] if known else None
    suffix = " #n" if known else ""
    await meter.measure(f"run{suffix}", scale, do_run, FLOORS[f"run{suffix}"])
    await meter.measure(
        f"bottle{suffix}", scale, lambda: bottle(ctx, number), FLOORS[f"bottle{suffix}"]
    )
    await meter.measure(f"land{suffix}", scale, lambda: land(ctx, number), FLOORS[f"land{suffix}"])


async def _measure_scan(
    meter: Meter, scale: str, contexts: list[RepoContext], floor: Floor
) -> None:
    """The recovery scan's rows, or one line saying it is not there to measure."""
    scan = scan_repositories
    if scan is None:
        print(
            f"recovery scan: not available (soda_tui.recovery.scan has no scan_repositories); {scale}"
        )
        return
    await meter.measure("recovery scan", scale, lambda: scan(contexts), floor, repeat=True)


async def one_repo(table: Table, queued: int, branches: int, latency_ms: int) -> None:
    """A repository with `queued` issues and `branches` agent branches, through two loop cycles."""
    with bench_hub() as hub, tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        root = Path(directory)
        repo = seed(hub, "bench/loop", queued=queued)
        # Branch numbers past the queue, so the loop's own branches never meet them.
        push_agent_branches(hub, repo, branches, root, first_issue=queued + 1)
        session = open_session(hub, [str(repo)], root)
        meter, ctx = Meter(hub, session, table, latency_ms), session.context(repo)
        hub.faults.update(latency_ms=latency_ms)
        scale = f"{queued:,} queued, {branches:,} branches"
        try:
            await meter.measure("peek", scale, lambda: peek(ctx), FLOORS["peek"], repeat=True)
            await meter.measure(
                "status",
                scale,
                lambda: fetch_board(session.client, [repo]),
                status_floor(1),
                repeat=True,
            )
            await _measure_scan(meter, scale, [ctx], scan_floor(1, branches))
            await _cycle(meter, ctx, scale, known=False)
            await _cycle(meter, ctx, scale, known=True)
        finally:
            await session.aclose()


async def many_repos(table: Table, count: int, branches: int, latency_ms: int) -> None:
    """Status and a recovery scan over `count` repositories (5 queued issues each)."""
    with bench_hub() as hub, tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        root = Path(directory)
        names = []
        for index in range(count):
            name = seed(hub, f"fleet/r{index:02d}", queued=5)
            push_agent_branches(hub, name, branches, root, first_issue=6)
            names.append(name)
        session = open_session(hub, [str(name) for name in names], root)
        meter = Meter(hub, session, table, latency_ms)
        hub.faults.update(latency_ms=latency_ms)
        scale = f"{count} repositories, {branches:,} branches each"
        try:
            await meter.measure(
                "status",
                scale,
                lambda: fetch_board(session.client, names),
                status_floor(count),
                repeat=True,
            )
            contexts = [session.context(name) for name in names]
            await _measure_scan(meter, scale, contexts, scan_floor(count, branches))
        finally:
            await session.aclose()


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> None:
    """Print the loop-requests tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--queued", default="10,1000,10000")
    parser.add_argument("--branches", default="10,1000")
    parser.add_argument("--repos", default="1,5,20")
    parser.add_argument(
        "--repo-branches", type=int, default=10, help="agent branches per repository in the fleet"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10 and 1,000 queued, 10 branches, 1 and 5 repositories",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.queued, args.branches, args.repos = "10,1000", "10", "1,5"
    print(f"# Loop requests: localhub with {args.latency_ms} ms injected latency per HTTP request")
    print(f"machine: {machine()}")
    table = Table("One repository: each action", COLUMNS, {"action": 20, "scale": 28})
    for queued in _numbers(args.queued):
        for branches in _numbers(args.branches):
            asyncio.run(one_repo(table, queued, branches, args.latency_ms))
    fleet = Table(
        "Many repositories: status and recovery scan", COLUMNS, {"action": 20, "scale": 28}
    )
    for count in _numbers(args.repos):
        asyncio.run(many_repos(fleet, count, args.repo_branches, args.latency_ms))


if __name__ == "__main__":
    main()
