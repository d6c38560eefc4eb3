"""Recovery actions against localhub: each does exactly what it says, resumes after a crash, and
never deletes a branch unless its archive tag points at the branch's head on the remote."""

from __future__ import annotations

from pathlib import Path

import pytest

from soda_tui.agents.faultpoints import InjectedCrash, arm, disarm
from soda_tui.git.keeping import PRESERVED_PREFIX
from soda_tui.localhub import LocalHub
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.recovery import bulk
from soda_tui.recovery.actions import perform, resume_unfinished
from soda_tui.recovery.ignore import IgnoreStore
from soda_tui.recovery.models import OrphanItem, RecoveryAction, Scan
from soda_tui.recovery.scan import scan_repositories
from soda_tui.recovery.target import recovery_journal
from tests.integration.test_recovery_scan import commit_in_workspace
from tests.integration.test_recovery_support import RecoveryWorld, open_recovery_world

ARCHIVE, PR, REQUEUE, IGNORE = (
    RecoveryAction.ARCHIVE,
    RecoveryAction.PR,
    RecoveryAction.REQUEUE,
    RecoveryAction.IGNORE,
)


@pytest.fixture
async def world(localhub: LocalHub, hub_token: str, tmp_path: Path):
    recovery_world = open_recovery_world(localhub, hub_token, tmp_path, ["acme/api"])
    yield recovery_world
    disarm()
    await recovery_world.session.aclose()


async def scan_of(world: RecoveryWorld) -> Scan:
    return await scan_repositories([world.ctx()], ignore=IgnoreStore(world.paths.ignored_file))


def item(scan: Scan, branch_or_issue: str) -> OrphanItem:
    found = scan.find(f"acme/api:{branch_or_issue}")
    assert found is not None, [i.key for i in scan.items]
    return found


def assert_archived(world: RecoveryWorld, branch: str, head: str, tag: str | None = None) -> None:
    """The one rule of archiving: the tag is on the remote at the head, then the branch is gone."""
    tags = world.refs("refs/tags/")
    assert tags.get(tag or f"archive/{branch}") == head, tags
    assert branch not in world.refs()


async def test_archive_tags_the_head_then_deletes_the_branch(world: RecoveryWorld) -> None:
    head = world.crafter().branch("agent001/90-old", 2)
    scan = await scan_of(world)
    result = await perform(world.ctx(), item(scan, "agent001/90-old"), ARCHIVE, confirmed=True)
    assert result.exit_code == Exit.DONE and result.data["deleted"] is True
    assert_archived(world, "agent001/90-old", head)
    assert recovery_journal(world.ctx()).load() is None
    assert (await scan_of(world)).items == []


async def test_archive_without_confirmation_changes_nothing(world: RecoveryWorld) -> None:
    world.crafter().branch("agent001/91-keep", 1)
    before = world.hub.state.refs_snapshot("acme", "api")
    scan = await scan_of(world)
    with pytest.raises(ActionRefused, match="needs confirmation") as refused:
        await perform(world.ctx(), item(scan, "agent001/91-keep"), ARCHIVE)
    assert refused.value.exit_code == Exit.USAGE
    assert world.hub.state.refs_snapshot("acme", "api") == before


async def test_a_branch_that_moved_since_the_scan_is_not_touched(world: RecoveryWorld) -> None:
    crafter = world.crafter()
    crafter.branch("agent001/92-moving", 1)
    scan = await scan_of(world)
    moved = crafter.branch("agent001/92-moving", 1, start="agent001/92-moving")
    with pytest.raises(ActionRefused, match="moved"):
        await perform(world.ctx(), item(scan, "agent001/92-moving"), ARCHIVE, confirmed=True)
    assert world.refs()["agent001/92-moving"] == moved
    assert "archive/agent001/92-moving" not in world.refs("refs/tags/")
    assert recovery_journal(world.ctx()).load() is None  # refused, so closed


async def test_an_existing_archive_tag_is_never_moved(world: RecoveryWorld) -> None:
    crafter = world.crafter()
    first = crafter.branch("agent001/93-again", 1)
    scan = await scan_of(world)
    await perform(world.ctx(), item(scan, "agent001/93-again"), ARCHIVE, confirmed=True)
    second = crafter.branch("agent001/93-again", 1)
    scan = await scan_of(world)
    result = await perform(world.ctx(), item(scan, "agent001/93-again"), ARCHIVE, confirmed=True)
    assert world.refs("refs/tags/")["archive/agent001/93-again"] == first
    assert result.data["tag"] == f"archive/agent001/93-again-{second[:10]}"
    assert_archived(world, "agent001/93-again", second, result.data["tag"])


async def test_archive_keeps_unpushed_workspace_commits(world: RecoveryWorld) -> None:
    head = world.crafter().branch("agent001/94-mixed", 1)
    world.ctx().workspace().ensure_clone()
    local = commit_in_workspace(world, "agent001/94-mixed", "origin/agent001/94-mixed", "local")
    commit_in_workspace(world, "agent001/94-mixed-extra", "origin/main", "another")
    scan = await scan_of(world)
    target = item(scan, "agent001/94-mixed")
    assert target.unpushed == 1
    result = await perform(world.ctx(), target, ARCHIVE, confirmed=True)
    assert_archived(world, "agent001/94-mixed", head)
    preserved = world.ctx().workspace().preserved_refs()
    assert result.data["preserved"].startswith(PRESERVED_PREFIX)
    assert local in preserved.values()
    # The local branch itself is untouched too.
    assert world.ctx().workspace().local_branches().count("agent001/94-mixed") == 1


async def test_archive_of_local_only_work_puts_it_on_the_remote(world: RecoveryWorld) -> None:
    world.ctx().workspace().ensure_clone()
    local = commit_in_workspace(world, "agent001/95-local", "origin/main", "local only")
    scan = await scan_of(world)
    result = await perform(world.ctx(), item(scan, "agent001/95-local"), ARCHIVE, confirmed=True)
    assert world.refs("refs/tags/")["archive/agent001/95-local"] == local
    assert result.data["deleted"] is False
    assert (await scan_of(world)).items == []  # the tag holds the work now


@pytest.mark.parametrize("point", ["recover.archive.after_tag", "recover.archive.after_verify"])
async def test_archive_resumes_after_a_crash(world: RecoveryWorld, point: str) -> None:
    head = world.crafter().branch("agent001/96-crash", 1)
    scan = await scan_of(world)
    arm(point)
    with pytest.raises(InjectedCrash):
        await perform(world.ctx(), item(scan, "agent001/96-crash"), ARCHIVE, confirmed=True)
    disarm()
    assert world.refs("refs/tags/")["archive/agent001/96-crash"] == head
    assert "agent001/96-crash" in world.refs()  # tagged, not yet deleted
    notes = (await scan_of(world)).repos[0].problems
    assert any("interrupted archive of agent001/96-crash" in note for note in notes)
    result = await resume_unfinished(world.ctx())
    assert result is not None and result.data["deleted"] is True
    assert_archived(world, "agent001/96-crash", head)
    assert await resume_unfinished(world.ctx()) is None


async def test_recovery_pr_fixes_the_issue_and_moves_it_to_review(world: RecoveryWorld) -> None:
    number = world.hub.state.create_issue("acme", "api", "Lost work", labels=["agent001"])
    world.crafter().branch(f"agent001/{number}-lost-work", 2)
    scan = await scan_of(world)
    target = item(scan, f"agent001/{number}-lost-work")
    result = await perform(world.ctx(), target, PR)
    pulls = world.pulls()
    assert len(pulls) == 1 and pulls[0]["title"] == "Recovered: Lost work"
    assert pulls[0]["body"].startswith(f"Fixes #{number}\n")
    assert "Recovered work from the branch" in pulls[0]["body"] and "step 2" in pulls[0]["body"]
    assert result.data["pull_request"]["number"] == pulls[0]["number"]
    assert world.issue(number)["labels"] == {"route:review"}
    again = await perform(world.ctx(), target, PR)  # an old item: never a second PR
    assert again.data["pull_request"]["number"] == pulls[0]["number"] and len(world.pulls()) == 1
    assert (await scan_of(world)).items == []  # in review now


async def test_recovery_pr_resumes_without_a_second_pr(world: RecoveryWorld) -> None:
    number = world.hub.state.create_issue("acme", "api", "Crashy", labels=["agent001"])
    world.crafter().branch(f"agent001/{number}-crashy", 1)
    scan = await scan_of(world)
    arm("recover.pr.after_pull_request")
    with pytest.raises(InjectedCrash):
        await perform(world.ctx(), item(scan, f"agent001/{number}-crashy"), PR)
    disarm()
    assert world.issue(number)["labels"] == {"agent001"}
    await resume_unfinished(world.ctx())
    assert len(world.pulls()) == 1
    assert world.issue(number)["labels"] == {"route:review"}


async def test_recovery_pr_of_local_only_work_pushes_it_first(world: RecoveryWorld) -> None:
    world.ctx().workspace().ensure_clone()
    local = commit_in_workspace(world, "agent001/97-unpushed", "origin/main", "precious")
    scan = await scan_of(world)
    await perform(world.ctx(), item(scan, "agent001/97-unpushed"), PR)
    assert world.refs()["agent001/97-unpushed"] == local
    assert [p["headRefName"] for p in world.pulls()] == ["agent001/97-unpushed"]
    assert not world.pulls()[0]["body"].startswith("Fixes")  # issue 97 was never seen


async def test_requeue_puts_the_issue_back_once(world: RecoveryWorld) -> None:
    number = world.hub.state.create_issue(
        "acme", "api", "Requeue me", labels=["agent001", "route:blocked"]
    )
    scan = await scan_of(world)
    arm("recover.requeue.after_labels")
    with pytest.raises(InjectedCrash):
        await perform(world.ctx(), item(scan, f"#{number}"), REQUEUE, confirmed=True)
    disarm()
    result = await resume_unfinished(world.ctx())
    assert result is not None and result.exit_code == Exit.DONE
    issue = world.issue(number)
    assert issue["labels"] == {"route:ready"}
    assert len(issue["comments"]) == 1 and "Re-queued by `soda-tui recover`" in issue["comments"][0]
    assert (await scan_of(world)).items == []


async def test_requeue_refuses_a_closed_issue(world: RecoveryWorld) -> None:
    number = world.hub.state.create_issue("acme", "api", "Closed", labels=["agent001"])
    scan = await scan_of(world)
    world.close_issue(number)
    with pytest.raises(ActionRefused, match="is closed"):
        await perform(world.ctx(), item(scan, f"#{number}"), REQUEUE, confirmed=True)
    assert world.issue(number)["labels"] == {"agent001"}


async def test_ignore_hides_the_item_from_later_scans(world: RecoveryWorld) -> None:
    world.crafter().branch("agent001/98-noise", 0)
    scan = await scan_of(world)
    result = await perform(world.ctx(), item(scan, "agent001/98-noise"), IGNORE)
    assert result.exit_code == Exit.DONE
    again = await scan_of(world)
    assert again.visible_items == [] and item(again, "agent001/98-noise").ignored
    assert "agent001/98-noise" in world.refs()


async def test_a_bulk_dry_run_changes_nothing_and_apply_archives_each(world: RecoveryWorld) -> None:
    crafter = world.crafter()
    heads = {
        f"agent001/{n}-bulk": crafter.branch(f"agent001/{n}-bulk", n % 2) for n in (80, 81, 82)
    }
    crafter.branch("work-5", 1)
    scan = await scan_of(world)
    before = world.hub.state.refs_snapshot("acme", "api")
    steps = bulk.plan(bulk.select(scan, match=["agent001/8*"]), ARCHIVE)
    assert sorted(step.item.branch for step in steps) == sorted(heads)
    assert all("push tag archive/" in step.description for step in steps)
    assert world.hub.state.refs_snapshot("acme", "api") == before
    results = await bulk.apply({"acme/api": world.ctx()}, steps, confirmed=True)
    assert [r.exit_code for r in results] == [Exit.DONE] * 3
    for branch, head in heads.items():
        assert_archived(world, branch, head)
    assert "work-5" in world.refs()


async def test_bulk_reports_each_refusal_and_goes_on(world: RecoveryWorld) -> None:
    crafter = world.crafter()
    crafter.branch("agent001/70-a", 1)
    head_b = crafter.branch("agent001/71-b", 1)
    scan = await scan_of(world)
    moved = crafter.branch("agent001/70-a", 1, start="agent001/70-a")
    steps = bulk.plan(bulk.select(scan, match=["agent001/7*"]), ARCHIVE)
    results = await bulk.apply({"acme/api": world.ctx()}, steps, confirmed=True)
    assert [r.exit_code for r in results] == [Exit.NOTHING, Exit.DONE]
    assert "moved" in results[0].message
    assert world.refs()["agent001/70-a"] == moved
    assert_archived(world, "agent001/71-b", head_b)
