"""Request budgets (issue 4): peek/pop ≤ 3, land ≤ 4, status of 20 repositories = 1 request."""

from __future__ import annotations

from pathlib import Path

import pytest

from soda_tui.localhub import LocalHub
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.pop import peek, pop
from soda_tui.loop.run import run
from soda_tui.loop.status import fetch_board
from tests.integration.loop_support import open_world, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


def _bulk(hub: LocalHub, repo: str, count: int, labels: list[str]) -> list[int]:
    owner, name = repo.split("/")
    return hub.state.create_issues_bulk(
        owner, name, [{"title": f"Chore {i}", "labels": labels} for i in range(count)]
    )


@pytest.mark.parametrize("top_is_oldest", [True, False])
async def test_peek_and_pop_cost_at_most_three_requests_with_1000_queued(
    localhub: LocalHub, hub_token: str, tmp_path: Path, top_is_oldest: bool
) -> None:
    seed_repo(localhub, "acme/big", ci=None)
    if top_is_oldest:
        top = localhub.state.create_issue(
            "acme", "big", "Urgent", labels=["route:ready", "route:priority-high"]
        )
        _bulk(localhub, "acme/big", 999, ["route:ready"])
    else:
        _bulk(localhub, "acme/big", 500, ["route:ready"])
        _bulk(localhub, "acme/big", 499, ["route:ready", "route:priority-low"])
        top = localhub.state.create_issue(
            "acme", "big", "Urgent", labels=["route:ready", "route:priority-high"]
        )
    world = open_world(localhub, hub_token, tmp_path, ["acme/big"], agent=FAST_DEMO)
    ctx = world.ctx()
    try:
        before = world.session.client.request_count
        peeked = await peek(ctx)
        assert peeked.data["issue"]["number"] == top
        assert world.session.client.request_count - before <= 3

        before = world.session.client.request_count
        popped = await pop(ctx)
        assert popped.data["issue"]["number"] == top
        assert world.session.client.request_count - before <= 3
        assert world.issue(top)["labels"] == {"agent001", "route:priority-high"}
    finally:
        await world.session.aclose()


async def test_land_costs_at_most_four_requests(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/widgets")
    world = open_world(localhub, hub_token, tmp_path, ["acme/widgets"], agent=FAST_DEMO)
    localhub.state.create_issue("acme", "widgets", "Small change", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        await run(ctx)
        await bottle(ctx)
        assert localhub.ci.wait_idle(60)
        before = world.session.client.request_count
        result = await land(ctx)
        assert result.ok, result.message
        assert world.session.client.request_count - before <= 4
    finally:
        await world.session.aclose()


async def test_status_of_twenty_repositories_is_one_request(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    names = [f"fleet/repo-{index:02d}" for index in range(20)]
    for index, name in enumerate(names):
        seed_repo(localhub, name, ci=None)
        _bulk(localhub, name, index % 4, ["route:ready"])
    localhub.state.create_issue("fleet", "repo-03", "Stuck", labels=["route:blocked"])
    world = open_world(localhub, hub_token, tmp_path, names, agent=FAST_DEMO)
    try:
        before = world.session.client.request_count
        snapshot = await fetch_board(world.session.client, world.session.repo_names())
        assert world.session.client.request_count - before == 1
        # The client counts what GitHub charged (rateLimit.cost), not one point per request.
        charged = localhub.state.rate_snapshot("soda-dev").used
        assert charged > 1
        assert world.session.client.budget.points_used == charged
        counts = {str(board.repo): (board.queued, board.blocked) for board in snapshot.boards}
        assert counts["fleet/repo-00"] == (0, 0)
        assert counts["fleet/repo-03"] == (3, 1)
        assert counts["fleet/repo-07"] == (3, 0)
        assert all(board.found for board in snapshot.boards)
        assert snapshot.remaining is not None
    finally:
        await world.session.aclose()
