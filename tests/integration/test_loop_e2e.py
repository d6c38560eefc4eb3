"""The whole loop against localhub with the demo agent and a custom agent: pop, run, bottle, land."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from soda_tui.localhub import LocalHub
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.pop import peek, pop
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.loop.run import run
from tests.integration.loop_support import FAILING_CI, open_world, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


@pytest.fixture
def world(localhub: LocalHub, hub_token: str, tmp_path: Path):
    seed_repo(localhub, "acme/widgets")
    loop_world = open_world(localhub, hub_token, tmp_path, ["acme/widgets"], agent=FAST_DEMO)
    yield loop_world


async def test_demo_agent_full_loop_lands_and_cleans_up(world) -> None:
    number = world.hub.state.create_issue(
        "acme", "widgets", "Add a widget counter", body="Count them.", labels=["route:ready"]
    )
    ctx = world.ctx()
    try:
        peeked = await peek(ctx)
        assert peeked.exit_code == Exit.DONE and peeked.data["issue"]["number"] == number

        popped = await pop(ctx)
        assert popped.exit_code == Exit.DONE
        branch = popped.data["branch"]
        assert branch == f"agent001/{number}-add-a-widget-counter"
        assert world.issue(number)["labels"] == {"agent001"}
        assert branch in world.branches()

        ran = await run(ctx)
        assert ran.exit_code == Exit.DONE, ran.message
        assert ran.data["commits_ahead"] >= 1

        bottled = await bottle(ctx)
        assert bottled.exit_code == Exit.DONE, bottled.message
        pulls = world.pulls()
        assert len(pulls) == 1 and pulls[0]["body"].startswith(f"Fixes #{number}")
        assert world.issue(number)["labels"] == {"route:review"}

        assert world.hub.ci.wait_idle(60)
        landed = await land(ctx)
        assert landed.exit_code == Exit.DONE, landed.message
        issue = world.issue(number)
        assert issue["state"] == "CLOSED" and issue["reason"] == "COMPLETED"
        assert issue["labels"] == set()
        merge_commit = landed.data["merge_commit"]
        assert any(merge_commit in comment for comment in issue["comments"])
        assert branch not in world.branches()
        assert [p["merged"] for p in world.pulls()] == [True]
    finally:
        await world.session.aclose()


async def test_land_waits_for_failing_ci_and_says_why(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/red", ci=FAILING_CI)
    world = open_world(localhub, hub_token, tmp_path, ["acme/red"], agent=FAST_DEMO)
    number = localhub.state.create_issue("acme", "red", "Break things", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        await run(ctx)
        await bottle(ctx)
        assert localhub.ci.wait_idle(60)
        result = await land(ctx)
        assert result.exit_code == Exit.NOTHING
        assert "CI is failure" in result.message
        assert world.issue(number)["state"] == "OPEN"
        assert [p["state"] for p in world.pulls()] == ["OPEN"]
    finally:
        await world.session.aclose()


async def test_bottle_refused_without_commits(world) -> None:
    world.hub.state.create_issue(
        "acme", "widgets", "Nothing to do here", body="soda-demo: no-commit", labels=["route:ready"]
    )
    ctx = world.ctx()
    try:
        await pop(ctx)
        with pytest.raises(ActionRefused, match="no commits ahead"):
            await bottle(ctx)
        assert world.pulls() == []
    finally:
        await world.session.aclose()


async def test_failing_custom_agent_blocks_the_issue_and_keeps_its_branch(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    script = tmp_path / "agent.sh"
    script.write_text(
        "#!/usr/bin/env bash\n"
        'echo "working on issue $SODA_ISSUE_NUMBER in $(pwd)"\n'
        "echo partial > partial.txt && git add partial.txt\n"
        'git -c user.name=a -c user.email=a@b commit -qm "partial work"\n'
        'echo "error: cannot finish" >&2\nexit 4\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    seed_repo(localhub, "acme/gadgets")
    agent = f'{{ command = ["{script}", "{{issue_number}}"], timeout_minutes = 1 }}'
    world = open_world(localhub, hub_token, tmp_path, ["acme/gadgets"], agent=agent)
    number = localhub.state.create_issue(
        "acme", "gadgets", "Impossible task", labels=["route:ready"]
    )
    ctx = world.ctx()
    try:
        popped = await pop(ctx)
        result = await run(ctx)
        assert result.exit_code == Exit.NOTHING and result.data["blocked"] is True
        issue = world.issue(number)
        assert issue["labels"] == {"route:blocked"}
        assert len(issue["comments"]) == 1
        assert "exit" in issue["comments"][0] and "cannot finish" in issue["comments"][0]
        # The partial commit is pushed, so the work survives on GitHub.
        assert popped.data["branch"] in world.branches()
    finally:
        await world.session.aclose()


async def test_my_little_soda_repository_works_unchanged(world) -> None:
    state = world.hub.state
    claimed = state.create_issue(
        "acme", "widgets", "Claimed by MLS", labels=["route:ready", "agent001"]
    )
    high = state.create_issue(
        "acme", "widgets", "High", labels=["route:ready", "route:priority-high"]
    )
    ctx = world.ctx()
    try:
        # MLS's pop leaves agent001 + route:ready: that issue is being worked, so pop refuses.
        with pytest.raises(ActionRefused, match=f"#{claimed} is already being worked"):
            await pop(ctx)
        result = await peek(ctx)
        assert result.data["issue"]["number"] == high
        assert [w["number"] for w in result.data["working"]] == [claimed]
    finally:
        await world.session.aclose()
