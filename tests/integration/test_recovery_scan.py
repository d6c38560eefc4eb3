"""The recovery scan against localhub: every class, unpushed local work, ownership, request budget."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.recovery.ignore import IgnoreStore
from soda_tui.recovery.locks import RepoLock
from soda_tui.recovery.models import OrphanKind
from soda_tui.recovery.scan import scan_repositories
from tests.integration.test_recovery_support import RecoveryWorld, git_env, open_recovery_world


@pytest.fixture
async def world(localhub: LocalHub, hub_token: str, tmp_path: Path):
    recovery_world = open_recovery_world(localhub, hub_token, tmp_path, ["acme/api"])
    yield recovery_world
    await recovery_world.session.aclose()


def commit_in_workspace(world: RecoveryWorld, branch: str, start: str, message: str) -> str:
    """Commit on a branch of soda-tui's workspace with the git CLI, without pushing."""
    path = world.paths.workspace(str(world.repo))
    env = git_env(world.tmp / "ws-home")

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    git("checkout", "--quiet", "-B", branch, start)
    (path / f"{message.replace(' ', '_')}.txt").write_text(message + "\n")
    git("add", "-A")
    git("commit", "--quiet", "-m", message)
    return git("rev-parse", "HEAD")


async def test_every_class_is_classified(world: RecoveryWorld) -> None:
    hub, crafter = world.hub, world.crafter()
    rec = hub.state.create_issue("acme", "api", "Recover this", labels=["route:blocked"])
    crafter.branch(f"agent001/{rec}-recover-this", 2)
    crafter.branch("agent001/90-nothing", 0)
    landed = hub.state.create_issue("acme", "api", "Landed", labels=["route:review"])
    crafter.branch(f"agent001/{landed}-landed", 2)
    pr = world.open_pull(f"agent001/{landed}-landed", "Landed", f"Fixes #{landed}")
    world.merge_pull(pr["id"], "SQUASH")
    gone = hub.state.create_issue("acme", "api", "Closed elsewhere", labels=["route:review"])
    crafter.branch(f"agent001/{gone}-closed", 1)
    world.open_pull(f"agent001/{gone}-closed", "Closed elsewhere", f"Fixes #{gone}")
    world.close_issue(gone)
    stale = hub.state.create_issue("acme", "api", "Stale claim", labels=["agent001"])
    review = hub.state.create_issue("acme", "api", "In review", labels=["route:review"])
    crafter.branch(f"agent001/{review}-in-review", 1)
    world.open_pull(f"agent001/{review}-in-review", "In review", f"Fixes #{review}")
    crafter.branch("feature/human-work", 3)
    mls = crafter.branch("work-77", 1)
    before = world.hub.state.refs_snapshot("acme", "api")

    scan = await scan_repositories([world.ctx()])

    kinds = {item.key.split(":", 1)[1]: item.kind for item in scan.items}
    assert kinds == {
        f"agent001/{rec}-recover-this": OrphanKind.RECOVERABLE,
        "agent001/90-nothing": OrphanKind.EMPTY,
        f"agent001/{landed}-landed": OrphanKind.LANDED_LEFTOVER,
        f"agent001/{gone}-closed": OrphanKind.CLOSED_ELSEWHERE,
        f"#{stale}": OrphanKind.STALE_CLAIM,
        "work-77": OrphanKind.RECOVERABLE,
    }
    recoverable = scan.find(f"acme/api:agent001/{rec}-recover-this")
    assert recoverable.ahead == 2 and recoverable.issue.title == "Recover this"
    assert recoverable.author == "Ada Agent <ada@example.com>"
    assert recoverable.head_subject.endswith("step 2")
    assert recoverable.age_seconds(scan.scanned_at) > 24 * 3600
    leftover = scan.find(f"acme/api:agent001/{landed}-landed")
    assert leftover.pull.merged and leftover.ahead == 2  # squash: still "ahead", yet landed
    assert scan.find("acme/api:work-77").head_oid == mls
    assert scan.requests == 1
    assert world.hub.state.refs_snapshot("acme", "api") == before  # a scan changes nothing


async def test_unpushed_workspace_commits_are_reported(world: RecoveryWorld) -> None:
    crafter = world.crafter()
    crafter.branch("agent001/91-remote", 1)
    workspace = world.ctx().workspace()
    workspace.ensure_clone()
    extra = commit_in_workspace(
        world, "agent001/91-remote", "origin/agent001/91-remote", "one more"
    )
    only_local = commit_in_workspace(world, "agent001/92-local", "origin/main", "never pushed")

    scan = await scan_repositories([world.ctx()])

    attached = scan.find("acme/api:agent001/91-remote")
    assert attached.kind is OrphanKind.RECOVERABLE and attached.unpushed == 1
    assert attached.ahead == 1  # the remote branch's own commits
    local = scan.find("acme/api:agent001/92-local")
    assert local.location == "local" and local.unpushed == 1 and local.head_oid == only_local
    assert "only in soda-tui's workspace" in local.reason
    assert extra != only_local


async def test_claims_a_live_worker_owns_are_not_listed(world: RecoveryWorld) -> None:
    hub = world.hub
    held = hub.state.create_issue("acme", "api", "Being worked", labels=["agent001"])
    journaled = hub.state.create_issue("acme", "api", "Half popped", labels=["agent001"])
    free = hub.state.create_issue("acme", "api", "Abandoned", labels=["agent001"])
    world.ctx().journal().begin("pop", journaled, branch=f"agent001/{journaled}-half-popped")
    with RepoLock(world.paths.state_dir, world.repo, holder="worker") as lock:
        lock.beat(issue=held)
        scan = await scan_repositories([world.ctx()])
    assert [item.key for item in scan.items] == [f"acme/api:#{free}"]
    scan = await scan_repositories([world.ctx()])  # the lock is released: #held is stale now
    assert {item.issue_number for item in scan.items} == {held, free}


async def test_ignored_items_stay_flagged(world: RecoveryWorld) -> None:
    world.crafter().branch("agent001/93-x", 1)
    store = IgnoreStore(world.paths.ignored_file)
    store.add("acme/api:agent001/93-x", world.clock.now())
    scan = await scan_repositories([world.ctx()], ignore=store)
    assert [item.ignored for item in scan.items] == [True]
    assert scan.visible_items == []


async def test_repositories_share_requests_and_a_missing_one_is_reported(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    localhub.state.create_repository(
        "acme", "trunky", default_branch="trunk", files={"README.md": "# t\n"}
    )
    world = open_recovery_world(
        localhub,
        hub_token,
        tmp_path,
        ["acme/one", "acme/two", "acme/trunky", "acme/ghost"],
        missing=("acme/ghost",),
    )
    try:
        for name in ("one", "two"):
            world.crafter(RepoName("acme", name)).branch(f"agent001/1-{name}", 1)
        trunky = world.crafter(RepoName("acme", "trunky"))
        trunky.branch("agent001/2-t", 2, start="origin/trunk")
        scan = await scan_repositories([world.ctx(name) for name in world.session.repo_names()])
    finally:
        await world.session.aclose()
    by_repo = {str(r.repo): r for r in scan.repos}
    assert [i.branch for i in by_repo["acme/one"].items] == ["agent001/1-one"]
    assert [i.branch for i in by_repo["acme/two"].items] == ["agent001/1-two"]
    assert by_repo["acme/trunky"].default_branch == "trunk"
    assert [(i.branch, i.ahead) for i in by_repo["acme/trunky"].items] == [("agent001/2-t", 2)]
    assert not by_repo["acme/ghost"].found and "not found" in by_repo["acme/ghost"].problems[0]
    # All four in one request, plus one more for the repository whose default was not `main`.
    assert scan.requests == 2


async def test_a_thousand_branches_cost_at_most_twelve_requests(world: RecoveryWorld) -> None:
    names = [f"agent001/{number}-bulk" for number in range(1000, 2000)]
    head = world.crafter().many_branches(names)
    scan = await scan_repositories([world.ctx()])
    assert scan.requests <= 12
    assert len(scan.items) == 1000
    assert {item.kind for item in scan.items} == {OrphanKind.RECOVERABLE}
    assert {item.head_oid for item in scan.items} == {head}
    assert world.session.client.request_count == scan.requests
