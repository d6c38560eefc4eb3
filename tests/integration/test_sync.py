"""sync against localhub: every difference it detects between local state and GitHub."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from soda_tui.agents.faultpoints import InjectedCrash, arm, disarm
from soda_tui.localhub import LocalHub
from soda_tui.loop.parking import park, parked_until
from soda_tui.loop.pop import pop
from soda_tui.loop.results import Exit
from soda_tui.loop.sync import sync
from soda_tui.recovery.actions import perform
from soda_tui.recovery.locks import RepoLock, lock_path
from soda_tui.recovery.models import RecoveryAction
from soda_tui.recovery.scan import scan_repositories
from soda_tui.recovery.target import recovery_journal
from tests.integration.test_recovery_support import RecoveryWorld, open_recovery_world


@pytest.fixture
async def world(localhub: LocalHub, hub_token: str, tmp_path: Path):
    recovery_world = open_recovery_world(localhub, hub_token, tmp_path, ["acme/api"])
    yield recovery_world
    disarm()
    await recovery_world.session.aclose()


async def crashed_pop(world: RecoveryWorld, point: str) -> int:
    number = world.hub.state.create_issue("acme", "api", "Pop me", labels=["route:ready"])
    arm(point)
    with pytest.raises(InjectedCrash):
        await pop(world.ctx())
    disarm()
    return number


async def test_in_sync_reports_nothing(world: RecoveryWorld) -> None:
    report = await sync([world.ctx()])
    assert report.differences == () and report.exit_code == Exit.DONE
    assert report.lines() == ["in sync: 1 repositories, nothing differs from GitHub"]


async def test_an_action_already_done_on_github_is_closed(world: RecoveryWorld) -> None:
    number = await crashed_pop(world, "pop.after_claim_request")
    assert world.ctx().journal().load() is not None
    report = await sync([world.ctx()])
    [difference] = report.differences
    assert difference.subject == "journal" and difference.done == "closed"
    assert f"unfinished pop of #{number}" in difference.found and "already done" in difference.found
    assert world.ctx().journal().load() is None
    assert report.exit_code == Exit.DONE


async def test_github_wins_drops_an_action_github_does_not_show(world: RecoveryWorld) -> None:
    number = await crashed_pop(world, "pop.before_claim")
    report = await sync([world.ctx()], resolve="github-wins")
    [difference] = report.differences
    assert "GitHub does not show it done" in difference.found and difference.resolved
    assert world.ctx().journal().load() is None
    assert world.issue(number)["labels"] == {"route:ready"}  # nothing was undone or redone


async def test_local_wins_resumes_the_action(world: RecoveryWorld) -> None:
    number = await crashed_pop(world, "pop.before_claim")
    report = await sync([world.ctx()], resolve="local-wins")
    [difference] = report.differences
    assert difference.done.startswith("resumed (local wins)") and difference.resolved
    assert world.issue(number)["labels"] == {"agent001"}
    assert world.ctx().journal().load() is None


async def test_a_vanished_issue_is_reported(world: RecoveryWorld) -> None:
    world.ctx().journal().begin("bottle", 404, branch="agent001/404-gone")
    kept = await sync([world.ctx()], resolve="local-wins")
    [difference] = kept.differences
    assert "issue #404 no longer exists" in difference.found and not difference.resolved
    assert kept.exit_code == Exit.NOTHING
    assert world.ctx().journal().load() is not None
    dropped = await sync([world.ctx()])
    assert "no longer exists" in dropped.differences[0].found and dropped.exit_code == Exit.DONE
    assert world.ctx().journal().load() is None


async def test_a_closed_or_retitled_issue_is_reported(world: RecoveryWorld) -> None:
    closed = world.hub.state.create_issue("acme", "api", "Closed under us", labels=["agent001"])
    world.ctx().journal().begin(
        "run", closed, branch=f"agent001/{closed}-x", title="Closed under us"
    )
    world.close_issue(closed)
    report = await sync([world.ctx()], resolve="local-wins")
    assert f"issue #{closed} was closed" in report.differences[0].found
    await sync([world.ctx()])
    retitled = world.hub.state.create_issue("acme", "api", "New title", labels=["agent001"])
    world.ctx().journal().begin("run", retitled, branch="agent001/x", title="Old title")
    report = await sync([world.ctx()])
    assert "was retitled to 'New title'" in report.differences[0].found


async def test_an_unfinished_recovery_action_is_finished_when_local_wins(
    world: RecoveryWorld,
) -> None:
    head = world.crafter().branch("agent001/88-stale", 1)
    scan = await scan_repositories([world.ctx()])
    arm("recover.archive.after_tag")
    with pytest.raises(InjectedCrash):
        await perform(world.ctx(), scan.items[0], RecoveryAction.ARCHIVE, confirmed=True)
    disarm()
    report = await sync([world.ctx()], resolve="local-wins")
    [difference] = report.differences
    assert (
        difference.subject == "recovery journal" and "archived agent001/88-stale" in difference.done
    )
    assert world.refs("refs/tags/")["archive/agent001/88-stale"] == head
    assert "agent001/88-stale" not in world.refs()
    assert recovery_journal(world.ctx()).load() is None


async def test_a_recovery_action_done_on_github_is_closed(world: RecoveryWorld) -> None:
    world.crafter().branch("agent001/87-done", 1)
    scan = await scan_repositories([world.ctx()])
    journal = recovery_journal(world.ctx())
    arm("recover.archive.after_verify")
    with pytest.raises(InjectedCrash):
        await perform(world.ctx(), scan.items[0], RecoveryAction.ARCHIVE, confirmed=True)
    disarm()
    # Someone deletes the branch by hand after our tag: GitHub now shows the archive done.
    world.graphql(
        "mutation($r: ID!) { deleteRef(input: {refId: $r}) { clientMutationId } }",
        {
            "r": world.graphql(
                'query { repository(owner: "acme", name: "api") { ref(qualifiedName: '
                '"refs/heads/agent001/87-done") { id } } }'
            )["repository"]["ref"]["id"]
        },
    )
    report = await sync([world.ctx()])
    assert report.differences[0].done == "closed"
    assert journal.load() is None


async def test_expired_parks_are_dropped_and_live_ones_kept(world: RecoveryWorld) -> None:
    state = world.paths.state_dir
    park(state, world.repo, world.clock.now() - timedelta(minutes=5), "usage limit")
    report = await sync([world.ctx()])
    [difference] = report.differences
    assert difference.subject == "park" and "expired" in difference.found
    assert parked_until(state, world.repo, world.clock.now()) is None
    park(state, world.repo, world.clock.now() + timedelta(hours=1), "usage limit")
    assert (await sync([world.ctx()])).differences == ()
    assert parked_until(state, world.repo, world.clock.now()) is not None


async def test_a_corrupt_journal_is_moved_aside_and_reported_once(world: RecoveryWorld) -> None:
    journal_file = world.paths.journal("acme/api")
    journal_file.parent.mkdir(parents=True, exist_ok=True)
    journal_file.write_text("{ half a journal")
    report = await sync([world.ctx()])
    [difference] = report.differences
    assert "unreadable (not valid JSON" in difference.found and "moved aside" in difference.done
    assert not journal_file.exists()
    assert list(journal_file.parent.glob("acme__api.json.corrupt-*"))
    assert (await sync([world.ctx()])).differences == ()


async def test_a_journal_an_action_moved_aside_earlier_is_reported(world: RecoveryWorld) -> None:
    journal_file = world.paths.journal("acme/api")
    journal_file.parent.mkdir(parents=True, exist_ok=True)
    journal_file.write_text("not json")
    with pytest.raises(Exception, match="moved aside"):
        world.ctx().journal().load()
    report = await sync([world.ctx()])
    assert "was unreadable and moved aside" in report.differences[0].found


async def test_stray_locks_are_removed_and_live_holders_left_alone(world: RecoveryWorld) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    path = lock_path(world.paths.state_dir, world.repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "pid": int(done.stdout),
                "host": __import__("socket").gethostname(),
                "holder": "worker",
            }
        )
    )
    report = await sync([world.ctx()])
    [difference] = report.differences
    assert difference.subject == "lock" and difference.done == "removed"
    assert difference.repo == "acme/api" and not path.exists()
    world.ctx().journal().begin("run", 5, branch="agent001/5-x")
    with RepoLock(world.paths.state_dir, world.repo, holder="dashboard"):
        report = await sync([world.ctx()])
    [difference] = report.differences
    assert "in progress (dashboard" in difference.found and difference.done == "left alone"
    assert world.ctx().journal().load() is not None
