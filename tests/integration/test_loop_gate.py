"""The landing gate: pending CI, required reviews and conflicts refuse to land and say why."""

from __future__ import annotations

from pathlib import Path

from soda_tui.localhub import LocalHub
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.pop import pop
from soda_tui.loop.results import Exit
from soda_tui.loop.run import run
from tests.integration.loop_support import open_world, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


async def test_pending_ci_waits_then_lands_once_green(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    go = tmp_path / "ci-may-finish"
    waiting_ci = f'#!/usr/bin/env bash\nwhile [ ! -f "{go}" ]; do sleep 0.05; done\necho ok\n'
    seed_repo(localhub, "acme/slow", ci=waiting_ci)
    world = open_world(localhub, hub_token, tmp_path, ["acme/slow"], agent=FAST_DEMO)
    number = localhub.state.create_issue("acme", "slow", "Slow CI", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        await run(ctx)
        await bottle(ctx)
        early = await land(ctx)
        assert early.exit_code == Exit.NOTHING
        assert early.data["waiting"] is True and "still running" in early.message
        go.write_text("go")
        assert localhub.ci.wait_idle(60)
        landed = await land(ctx)
        assert landed.exit_code == Exit.DONE, landed.message
        assert world.issue(number)["state"] == "CLOSED"
    finally:
        await world.session.aclose()


async def test_required_review_blocks_until_approved(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/strict", ci=None)
    localhub.state.set_branch_protection("acme", "strict", 1)
    localhub.state.add_user("reviewer", "reviewer-token-123")
    world = open_world(
        localhub,
        hub_token,
        tmp_path,
        ["acme/strict"],
        agent=FAST_DEMO,
        extra_defaults="require_review = true\nallow_no_checks = true",
    )
    number = localhub.state.create_issue("acme", "strict", "Needs a review", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        await run(ctx)
        bottled = await bottle(ctx)
        refused = await land(ctx)
        assert refused.exit_code == Exit.NOTHING and "review" in refused.message
        pull = localhub.state.execute_graphql(
            'query($n: Int!) { repository(owner: "acme", name: "strict") { pullRequest(number: $n) { id } } }',
            {"n": bottled.data["pull_request"]["number"]},
            None,
            "reviewer",
        ).body["data"]["repository"]["pullRequest"]["id"]
        outcome = localhub.state.execute_graphql(
            "mutation($id: ID!) { addPullRequestReview(input: {pullRequestId: $id, event: APPROVE}) "
            "{ clientMutationId } }",
            {"id": pull},
            None,
            "reviewer",
        )
        assert not outcome.body.get("errors"), outcome.body
        landed = await land(ctx)
        assert landed.exit_code == Exit.DONE, landed.message
        assert world.issue(number)["state"] == "CLOSED"
    finally:
        await world.session.aclose()


async def test_conflicting_pull_request_is_not_landed(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/clash", ci=None, files={"STATUS.md": "Status: draft\n"})
    world = open_world(
        localhub,
        hub_token,
        tmp_path,
        ["acme/clash"],
        agent=FAST_DEMO,
        extra_defaults="allow_no_checks = true",
    )
    first = localhub.state.create_issue(
        "acme",
        "clash",
        "Mark reviewed",
        body="soda-demo: edit STATUS.md Status: reviewed",
        labels=["route:ready", "route:priority-high"],
    )
    second = localhub.state.create_issue(
        "acme",
        "clash",
        "Mark published",
        body="soda-demo: edit STATUS.md Status: published",
        labels=["route:ready"],
    )
    ctx = world.ctx()
    try:
        for _ in (first, second):  # both bottled before either lands: their changes collide
            await pop(ctx)
            ran = await run(ctx)
            assert ran.exit_code == Exit.DONE, ran.message
            await bottle(ctx)
        assert (await land(ctx, first)).exit_code == Exit.DONE
        refused = await land(ctx, second)
        assert refused.exit_code == Exit.NOTHING
        assert "conflicts" in refused.message
        assert world.issue(second)["state"] == "OPEN"
        assert world.issue(second)["labels"] == {"route:review"}
    finally:
        await world.session.aclose()
