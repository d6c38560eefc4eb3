"""SIGKILL a soda-tui process at every fault point of pop, run, bottle and land, then restart it.

Each case kills a real process (`soda-tui <step>` or `soda-tui worker`) with SIGKILL at one
named point, restarts without the fault, and then proves on localhub with git that the issue
landed once: closed, one pull request, one comment, and every commit the agent made kept.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from soda_tui.agents.faultpoints import environment_for
from soda_tui.agents.journal import Journal
from soda_tui.localhub import LocalHub
from tests.proof.support import (
    CliWorld,
    agent_commits,
    assert_landed_once,
    lost_commits,
    make_cli_world,
)

STEPS = ("pop", "run", "bottle", "land")
POINTS: dict[str, tuple[str, ...]] = {
    "pop": (
        "pop.before_claim",
        "pop.after_claim_request",
        "pop.after_claim",
        "pop.after_workspace",
    ),
    "run": ("run.after_agent",),
    "bottle": (
        "bottle.before_push",
        "bottle.after_push_request",
        "bottle.after_push",
        "bottle.after_open_pull_request",
        "bottle.after_pull_request",
        "bottle.after_labels_request",
    ),
    "land": (
        "land.before_merge",
        "land.after_merge_request",
        "land.after_merge",
        "land.before_finish",
        "land.after_finish_request",
    ),
}
# Inside the journal's atomic write: the first write of the worker is pop's begin.
JOURNAL_POINTS = ("journal.before_replace", "journal.after_replace")
ALL_POINTS = [point for points in POINTS.values() for point in points]
# The subcommand cases kill each step right after its GitHub write (where the reply is lost)
# and after its last write (all done but the journal's finish). The worker cases cover every
# point, so these stay few to keep the suite fast.
SUBCOMMAND_CASES = [
    ("pop", "pop.after_claim_request"),
    ("pop", "pop.after_workspace"),
    ("run", "run.after_agent"),
    ("bottle", "bottle.after_open_pull_request"),
    ("bottle", "bottle.after_labels_request"),
    ("land", "land.after_merge_request"),
    ("land", "land.after_finish_request"),
]


@pytest.fixture
def world(localhub_factory: Callable[..., LocalHub], hub_token: str, tmp_path: Path) -> CliWorld:
    hub = localhub_factory(ci=False)
    return make_cli_world(hub, hub_token, tmp_path, "acme/killed")


def _killed(world: CliWorld, point: str, *args: str) -> None:
    result = world.soda(*args, extra_env=environment_for(point, "kill"))
    assert result.returncode == -signal.SIGKILL, (
        f"{args} was not killed at {point}: exit {result.returncode}\n{result.stdout}{result.stderr}"
    )


def _done(world: CliWorld, *args: str) -> str:
    result = world.soda(*args)
    assert result.returncode == 0, (
        f"{args}: exit {result.returncode}\n{result.stdout}{result.stderr}"
    )
    return result.stdout


def _prove_landed(world: CliWorld, number: int) -> None:
    view = world.view()
    assert_landed_once(view, number)
    assert len(view.pulls()) == 1
    assert Journal(world.journal_file).load() is None, "an action was left unfinished"
    commits = agent_commits(world.workspace)
    assert commits, "the agent made no commit"
    assert lost_commits(view, commits) == []


@pytest.mark.parametrize(("step", "point"), SUBCOMMAND_CASES, ids=[p for _s, p in SUBCOMMAND_CASES])
def test_subcommand_killed_at_each_point_finishes_when_run_again(
    world: CliWorld, step: str, point: str
) -> None:
    number = world.create_issue("Kill me softly")
    position = STEPS.index(step)
    for earlier in STEPS[:position]:
        _done(world, earlier)
    _killed(world, point, step)
    _done(world, step)
    for later in STEPS[position + 1 :]:
        _done(world, later)
    _prove_landed(world, number)


@pytest.mark.parametrize("point", ALL_POINTS + list(JOURNAL_POINTS))
def test_worker_killed_at_each_point_finishes_after_a_restart(world: CliWorld, point: str) -> None:
    number = world.create_issue("Kill the worker")
    _killed(world, point, "worker", "--ticks", "1")
    _done(world, "worker", "--ticks", "1")
    _prove_landed(world, number)
