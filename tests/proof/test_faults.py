"""Faults on the wire: 502 bursts, timeouts, dropped pushes, secondary limits, a spent budget.

Each test runs the real loop against localhub with its fault injection switched on, and proves
that every action either completes or fails with one clear line, then resumes with nothing lost
and nothing done twice. The GitHub client gets a FakeClock so its backoff and retry-after waits
are recorded instead of slept; the agent itself always runs on the real clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from soda_tui.core.clock import FakeClock
from soda_tui.git.errors import GitError
from soda_tui.github.client import GitHubClient, RequestInfo
from soda_tui.github.errors import TransportFailure
from soda_tui.localhub import LocalHub
from soda_tui.loop.autopilot import Autopilot, WorkerUpdate
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.parking import parked_until
from soda_tui.loop.pop import peek, pop
from soda_tui.loop.run import run
from soda_tui.loop.session import Session
from tests.integration.loop_support import LoopWorld, open_world, seed_repo
from tests.proof.support import (
    FAST_DEMO,
    NO_CHECKS,
    HubView,
    agent_commits,
    assert_landed_once,
    lost_commits,
)


async def _fresh_client(
    session: Session, clock: FakeClock, *, timeout: float = 30.0, max_attempts: int = 5
) -> GitHubClient:
    """Give the session a client on `clock` (the contexts made afterwards all share it)."""
    old = session.client
    session.client = GitHubClient(
        session.config.github.api_url,
        session.token,
        clock=clock,
        timeout=timeout,
        max_attempts=max_attempts,
    )
    await old.aclose()
    return session.client


@pytest.fixture
def hub(localhub_factory: Callable[..., LocalHub]) -> LocalHub:
    return localhub_factory(ci=False)


def _world(hub: LocalHub, token: str, tmp_path: Path, repo: str) -> LoopWorld:
    seed_repo(hub, repo, ci=None)
    return open_world(hub, token, tmp_path, [repo], agent=FAST_DEMO, extra_defaults=NO_CHECKS)


def _prove_landed(world: LoopWorld, number: int) -> HubView:
    view = HubView(world.hub, world.repo)
    assert_landed_once(view, number)
    workspace = world.paths.workspace(str(world.repo))
    commits = agent_commits(workspace)
    assert commits and lost_commits(view, commits) == []
    assert world.ctx().journal().load() is None
    return view


async def test_a_burst_of_502s_before_every_step_is_retried_and_the_issue_lands(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = _world(hub, hub_token, tmp_path, "acme/gateway")
    number = hub.state.create_issue(
        "acme", "gateway", "Survive the gateway", labels=["route:ready"]
    )
    clock = FakeClock()
    client = await _fresh_client(world.session, clock)
    hub.faults.update(only_paths=["graphql"])
    try:
        for action in (pop, run, bottle, land):
            hub.faults.fail_next(3, "502")
            before = client.request_count
            result = await action(world.ctx())
            assert result.ok, result.message
            # Three failed sends were made and answered 502 before the step went through.
            assert client.request_count - before >= 4
            assert hub.faults.as_dict()["pending_failures"] == []
        assert len(clock.sleeps) == 12, clock.sleeps  # one backoff wait per 502
        assert all(0 <= wait <= 2.0 for wait in clock.sleeps)
        _prove_landed(world, number)
    finally:
        await world.session.aclose()


async def test_steady_502s_under_the_autopilot_report_errors_and_land_once(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = _world(hub, hub_token, tmp_path, "acme/flaky")
    numbers = [
        hub.state.create_issue("acme", "flaky", f"Flaky task {i}", labels=["route:ready"])
        for i in range(2)
    ]
    await _fresh_client(world.session, FakeClock())
    # A third of GraphQL requests fail: queries are retried, unsafe mutations are not, so some
    # steps fail, report it, and are finished from the journal on a later tick.
    hub.faults.update(only_paths=["graphql"], error_rate_502=0.35, seed=8)
    updates: list[WorkerUpdate] = []
    autopilot = Autopilot(world.session, [world.repo], updates.append)
    view = HubView(hub, world.repo)
    try:
        for _tick in range(20):
            await autopilot.tick()
            if all(view.issue(n)["state"] == "CLOSED" for n in numbers):
                break
        hub.faults.clear()
        await autopilot.tick()  # let the worker finish whatever the last failure left
        errors = [u for u in updates if u.kind == "error"]
        assert errors, "the fault rate never hit a step that gives up"
        for error in errors:
            assert "\n" not in error.message and "502" in error.message, error.message
        for number in numbers:
            assert_landed_once(view, number)
        assert len(view.pulls()) == 2
        commits = agent_commits(world.paths.workspace(str(world.repo)))
        assert len(commits) >= 2 and lost_commits(view, commits) == []
        assert world.ctx().journal().load() is None
    finally:
        await world.session.aclose()


async def test_a_server_slower_than_the_client_timeout_fails_clearly_and_changes_nothing(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = _world(hub, hub_token, tmp_path, "acme/slow")
    number = hub.state.create_issue("acme", "slow", "Slow going", labels=["route:ready"])
    clock = FakeClock()
    await _fresh_client(world.session, clock, timeout=0.2, max_attempts=3)
    hub.faults.update(latency_ms=1500, only_paths=["graphql"])
    try:
        with pytest.raises(TransportFailure) as failure:
            await pop(world.ctx())
        message = str(failure.value)
        assert "\n" not in message
        assert "no answer within 0.2 s" in message and "after 3 attempts" in message
        assert hub_token not in message
        assert len(clock.sleeps) == 2  # backoff between the three attempts
        hub.faults.clear()
        issue = HubView(hub, world.repo).issue(number)
        assert issue["labels"] == {"route:ready"} and issue["comments"] == []
        assert world.ctx().journal().load() is None
        result = await pop(world.ctx())
        assert result.ok and HubView(hub, world.repo).issue(number)["labels"] == {"agent001"}
    finally:
        await world.session.aclose()


# A wide margin on both sides: the client must give up on a slow answer, and never on an
# ordinary one, even on a busy 2-core machine (0.3 s was tight enough to time out a fast reply).
SLOW_TIMEOUT_S = 1.0
SLOW_LATENCY_MS = 3000


async def test_timeouts_that_clear_are_retried_and_a_lost_merge_reply_lands_once(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = _world(hub, hub_token, tmp_path, "acme/laggy")
    number = hub.state.create_issue("acme", "laggy", "Lag behind", labels=["route:ready"])
    client = await _fresh_client(world.session, FakeClock(), timeout=SLOW_TIMEOUT_S, max_attempts=3)
    timed_out: list[str] = []
    slow_down_after: set[str] = set()

    def watch(info: RequestInfo) -> None:
        # The hub answers late until a request has timed out once; then it is fast again.
        if info.status is None and info.error == "TransportFailure":
            timed_out.append(info.operation)
            hub.faults.update(latency_ms=0)
        elif info.operation in slow_down_after:
            slow_down_after.discard(info.operation)
            hub.faults.update(latency_ms=SLOW_LATENCY_MS)

    client.on_request(watch)
    hub.faults.update(only_paths=["graphql"])
    view = HubView(hub, world.repo)
    try:
        for action in (pop, run, bottle):
            hub.faults.update(latency_ms=SLOW_LATENCY_MS)
            result = await action(world.ctx())
            assert result.ok, result.message
        assert len(timed_out) == 3  # each step's first request, retried once and answered

        # The merge itself is slow: the client gives up on it, the hub merges anyway.
        slow_down_after.add("LandCheck")
        with pytest.raises(TransportFailure) as failure:
            await land(world.ctx())
        assert "\n" not in str(failure.value)
        assert timed_out[-1] == "MergePullRequest"
        deadline = time.monotonic() + 20
        while not view.pulls()[0]["merged"]:
            assert time.monotonic() < deadline, "the hub never carried out the late merge"
            await asyncio.sleep(0.05)  # poll: the hub's request thread is still waiting
        assert view.issue(number)["comments"] == []
        result = await land(world.ctx())
        assert result.ok, result.message
        _prove_landed(world, number)
    finally:
        await world.session.aclose()


async def test_dropped_pushes_fail_clearly_and_the_rerun_pushes_without_a_second_agent_run(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = _world(hub, hub_token, tmp_path, "acme/drops")
    number = hub.state.create_issue("acme", "drops", "Push through", labels=["route:ready"])
    view = HubView(hub, world.repo)
    workspace = world.paths.workspace(str(world.repo))
    try:
        popped = await pop(world.ctx())
        branch = popped.data["branch"]
        base_oid = view.refs("refs/heads/")["main"]
        # Every receive-pack (the push itself) is cut off; fetches still work.
        hub.faults.update(only_paths=["/acme/drops.git/git-receive-pack"], drop_rate=1.0)
        with pytest.raises(GitError) as failure:
            await run(world.ctx())
        message = str(failure.value)
        assert "\n" not in message and hub_token not in message
        assert view.refs("refs/heads/")[branch] == base_oid  # nothing reached the hub
        assert view.issue(number)["labels"] == {"agent001"}
        assert len(agent_commits(workspace)) == 1  # the work is safe in the workspace

        hub.faults.clear()
        hub.faults.update(only_paths=["/acme/drops.git/git-receive-pack"])
        hub.faults.fail_next(1, "drop")
        with pytest.raises(GitError):
            await run(world.ctx())  # one more dropped push: still a clear failure
        rerun = await run(world.ctx())
        assert rerun.ok, rerun.message
        assert len(agent_commits(workspace)) == 1  # the journal kept the agent from re-running
        assert view.refs("refs/heads/")[branch] != base_oid

        # The branch is already on the hub: bottle sends no pack, so a drop cannot touch it.
        hub.faults.fail_next(1, "drop")
        for action in (bottle, land):
            result = await action(world.ctx())
            assert result.ok, result.message
        assert hub.faults.as_dict()["pending_failures"] == ["drop"]
        _prove_landed(world, number)
    finally:
        await world.session.aclose()


def _stop_after_pop(autopilot_box: list[Autopilot], updates: list[WorkerUpdate]):
    # With a FakeClock the agent's timeout would pass at once: these tests stop after the pop.
    def sink(update: WorkerUpdate) -> None:
        updates.append(update)
        if update.kind == "result" and update.data.get("action") == "pop" and update.ok:
            autopilot_box[0].stop.set()

    return sink


async def test_a_secondary_limit_waits_as_told_then_parks_the_repo_and_resumes(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = _world(hub, hub_token, tmp_path, "acme/secondary")
    number = hub.state.create_issue("acme", "secondary", "Slow down", labels=["route:ready"])
    clock = FakeClock(datetime.now(UTC))
    world.session.clock = clock
    client = await _fresh_client(world.session, clock, max_attempts=3)
    hub.faults.update(only_paths=["graphql"], retry_after_seconds=7)
    view = HubView(hub, world.repo)
    try:
        # A short burst: the client waits exactly what retry-after asks, then goes on.
        hub.faults.fail_next(2, "secondary")
        peeked = await peek(world.ctx())
        assert peeked.ok and clock.sleeps == [7.0, 7.0]

        # A lasting limit that starts after the board was read: the repository parks.
        def limit_after_board(info: RequestInfo) -> None:
            if info.operation == "StatusBoard" and info.error is None:
                hub.faults.update(secondary_limited=True)

        unsubscribe = client.on_request(limit_after_board)
        updates: list[WorkerUpdate] = []
        box: list[Autopilot] = []
        autopilot = Autopilot(world.session, [world.repo], _stop_after_pop(box, updates))
        box.append(autopilot)
        await autopilot.tick()
        unsubscribe()
        parked = [u for u in updates if u.kind == "parked"]
        assert len(parked) == 1 and parked[0].repo == "acme/secondary" and not parked[0].ok
        assert "wait 7 s" in parked[0].message
        until = datetime.fromisoformat(parked[0].data["until"])
        assert parked_until(world.paths.state_dir, world.repo, clock.now()) is not None
        assert clock.sleeps == [7.0] * 4  # two more waits inside the pop's three attempts
        assert view.issue(number)["labels"] == {"route:ready"}

        # The client holds every request until the pause is over, so the next tick first waits
        # out the rest of the 7 s; by then the park has expired and the pop goes ahead.
        hub.faults.clear()
        await autopilot.tick()
        assert clock.sleeps == [7.0] * 5
        assert clock.now() >= until
        assert view.issue(number)["labels"] == {"agent001"}
        assert parked_until(world.paths.state_dir, world.repo, clock.now()) is None
    finally:
        await world.session.aclose()


async def test_an_exhausted_budget_parks_the_repo_until_the_reset_and_shows_it(
    hub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    world = _world(hub, hub_token, tmp_path, "acme/budget")
    number = hub.state.create_issue("acme", "budget", "Spend wisely", labels=["route:ready"])
    clock = FakeClock(datetime.now(UTC))
    world.session.clock = clock
    client = await _fresh_client(world.session, clock)

    def spend_after_board(info: RequestInfo) -> None:
        if info.operation == "StatusBoard" and info.error is None:
            hub.faults.update(rate_limited=True)

    unsubscribe = client.on_request(spend_after_board)
    updates: list[WorkerUpdate] = []
    box: list[Autopilot] = []
    autopilot = Autopilot(world.session, [world.repo], _stop_after_pop(box, updates))
    box.append(autopilot)
    view = HubView(hub, world.repo)
    try:
        await autopilot.tick()
        unsubscribe()
        parked = [u for u in updates if u.kind == "parked"]
        assert len(parked) == 1 and parked[0].repo == "acme/budget", updates
        assert "rate limit is used up" in parked[0].message
        reset = datetime.fromtimestamp(hub.state.rate_snapshot("soda-dev").reset_epoch, UTC)
        assert datetime.fromisoformat(parked[0].data["until"]) == reset
        assert parked_until(world.paths.state_dir, world.repo, clock.now())[0] == reset
        assert view.issue(number)["labels"] == {"route:ready"}
        assert world.ctx().journal().load() is None
        assert client.budget.remaining == 0

        # Still spent: reading the board fails, and the autopilot sleeps until the reset.
        before = clock.now()
        await autopilot.tick()
        assert updates[-1].kind == "parked" and updates[-1].repo == "*"
        assert clock.sleeps and abs(clock.sleeps[-1] - (reset - before).total_seconds()) < 1
        assert clock.now() >= reset - timedelta(seconds=1)

        # The new hour: the hub's budget is back and the repository carries on.
        hub.faults.clear()
        hub.state.set_rate_limit(1_000_000)
        clock.advance(2)
        await autopilot.tick()
        assert view.issue(number)["labels"] == {"agent001"}, [u.message for u in updates]
    finally:
        await world.session.aclose()
