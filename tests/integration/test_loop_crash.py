"""Crash pop, run, bottle and land between every pair of GitHub or git steps, then run them again."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from soda_tui.agents.faultpoints import InjectedCrash, arm, disarm
from soda_tui.localhub import LocalHub
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land, landed_marker
from soda_tui.loop.pop import pop
from soda_tui.loop.results import Exit
from soda_tui.loop.run import run
from tests.integration.loop_support import LoopWorld, open_world, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'
POP_POINTS = [
    "pop.before_claim",
    "pop.after_claim_request",
    "pop.after_claim",
    "pop.after_workspace",
]
BOTTLE_POINTS = [
    "bottle.before_push",
    "bottle.after_push_request",
    "bottle.after_push",
    "bottle.after_open_pull_request",
    "bottle.after_pull_request",
    "bottle.after_labels_request",
]
LAND_POINTS = [
    "land.before_merge",
    "land.after_merge_request",
    "land.after_merge",
    "land.before_finish",
    "land.after_finish_request",
]
BLOCK_POINTS = ["run.after_agent", "block.before_comment", "block.after_comment_request"]


@pytest.fixture
def world(localhub: LocalHub, hub_token: str, tmp_path: Path):
    seed_repo(localhub, "acme/crashy")
    loop_world = open_world(localhub, hub_token, tmp_path, ["acme/crashy"], agent=FAST_DEMO)
    yield loop_world
    disarm()


async def _crash_then_finish(point: str, action, ctx):
    arm(point)
    with pytest.raises(InjectedCrash):
        await action(ctx)
    disarm()
    return await action(ctx)


@pytest.mark.parametrize("point", POP_POINTS)
async def test_pop_resumes_after_a_crash(world: LoopWorld, point: str) -> None:
    number = world.hub.state.create_issue("acme", "crashy", "Pop me", labels=["route:ready"])
    try:
        result = await _crash_then_finish(point, pop, world.ctx())
        assert result.exit_code == Exit.DONE and result.data["issue"]["number"] == number
        assert world.issue(number)["labels"] == {"agent001"}
        assert result.data["branch"] in world.branches()
        assert world.ctx().journal().load() is None
    finally:
        await world.session.aclose()


@pytest.mark.parametrize("point", BOTTLE_POINTS)
async def test_bottle_resumes_without_a_second_pull_request(world: LoopWorld, point: str) -> None:
    number = world.hub.state.create_issue("acme", "crashy", "Bottle me", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        await run(ctx)
        result = await _crash_then_finish(point, bottle, ctx)
        assert result.exit_code == Exit.DONE, result.message
        assert len(world.pulls()) == 1
        assert world.issue(number)["labels"] == {"route:review"}
    finally:
        await world.session.aclose()


@pytest.mark.parametrize("point", LAND_POINTS)
async def test_land_resumes_without_a_second_comment(world: LoopWorld, point: str) -> None:
    number = world.hub.state.create_issue("acme", "crashy", "Land me", labels=["route:ready"])
    ctx = world.ctx()
    try:
        popped = await pop(ctx)
        await run(ctx)
        await bottle(ctx)
        assert world.hub.ci.wait_idle(60)
        result = await _crash_then_finish(point, land, ctx)
        assert result.exit_code == Exit.DONE, result.message
        issue = world.issue(number)
        pull_number = world.pulls()[0]["number"]
        assert issue["state"] == "CLOSED" and issue["labels"] == set()
        assert sum(landed_marker(pull_number) in body for body in issue["comments"]) == 1
        assert [p["merged"] for p in world.pulls()] == [True]
        assert popped.data["branch"] not in world.branches()
    finally:
        await world.session.aclose()


@pytest.mark.parametrize("point", BLOCK_POINTS)
async def test_blocking_resumes_with_one_comment(
    localhub: LocalHub, hub_token: str, tmp_path: Path, point: str
) -> None:
    script = tmp_path / "fail.sh"
    script.write_text("#!/usr/bin/env bash\necho 'giving up'\nexit 2\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    seed_repo(localhub, "acme/stuck")
    world = open_world(
        localhub, hub_token, tmp_path, ["acme/stuck"], agent=f'{{ command = ["{script}"] }}'
    )
    number = localhub.state.create_issue("acme", "stuck", "Cannot do", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        result = await _crash_then_finish(point, run, ctx)
        assert result.data["blocked"] is True
        issue = world.issue(number)
        assert issue["labels"] == {"route:blocked"}
        assert len(issue["comments"]) == 1 and "giving up" in issue["comments"][0]
    finally:
        disarm()
        await world.session.aclose()
