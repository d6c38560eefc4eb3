"""Never lose work: dirty trees refuse to switch, stashes keep everything, resets need preserving."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_workspace_support import RemoteRepo, bare_remote, commit_file, hub_remote, run_git

from soda_tui.core.clock import FakeClock
from soda_tui.git import DirtyWorkspace, UnpreservedWork, Workspace

if TYPE_CHECKING:
    from soda_tui.localhub import LocalHub


@pytest.fixture(params=["disk", "localhub"])
def remote(
    request: pytest.FixtureRequest, tmp_path: Path, git_env: dict[str, str], hub_token: str
) -> RemoteRepo:
    """The same tests run against a bare repository by path and against localhub over HTTP."""
    if request.param == "disk":
        return bare_remote(tmp_path, git_env)
    hub: LocalHub = request.getfixturevalue("localhub")
    return hub_remote(hub, hub_token, tmp_path, git_env)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def workspace(remote: RemoteRepo, tmp_path: Path, clock: FakeClock) -> Workspace:
    """A cloned workspace on an agent branch with one pushed commit."""
    ws = remote.workspace(tmp_path / "ws", clock=clock)
    ws.ensure_clone()
    ws.create_branch("agent001/3-keep", ws.default_branch_head())
    ws.checkout("agent001/3-keep")
    commit_file(remote.env, ws.path, "pushed.txt", "p\n", "Pushed work")
    ws.push("agent001/3-keep")
    return ws


def test_unpushed_commits_are_preserved_before_a_reset(
    workspace: Workspace, remote: RemoteRepo, clock: FakeClock
) -> None:
    branch = "agent001/3-keep"
    pushed = workspace.head_oid()
    base = workspace.default_branch_head()
    local_one = commit_file(remote.env, workspace.path, "l1.txt", "1\n", "Local one")
    local_two = commit_file(remote.env, workspace.path, "l2.txt", "2\n", "Local two")
    assert [c.oid for c in workspace.unpushed_commits(branch)] == [local_two, local_one]

    with pytest.raises(UnpreservedWork, match="would drop 2 commit") as raised:
        workspace.reset_to(branch, base)
    assert raised.value.commits == [local_two, local_one]
    assert workspace.head_oid() == local_two

    prefix = workspace.preserve_local_work("re-clone after corruption")
    assert prefix == "refs/soda/preserved/20260101T000000Z"
    kept = workspace.preserved_refs()
    assert kept == {f"{prefix}/{branch}": local_two}
    # The reason is on record, in the reflog of the preserved ref.
    reflog = run_git(workspace.path, remote.env, "reflog", "show", f"{prefix}/{branch}")
    assert "re-clone after corruption" in reflog
    # Preserving again keeps nothing new.
    clock.advance(1)
    assert workspace.preserve_local_work("again") is None

    workspace.reset_to(branch, pushed)
    assert workspace.head_oid() == pushed
    assert not (workspace.path / "l1.txt").exists()
    assert not workspace.has_uncommitted_changes()
    # The preserved commits are still there and readable by plain git.
    log = run_git(workspace.path, remote.env, "log", "--format=%s", f"{prefix}/{branch}")
    assert log.splitlines()[:2] == ["Local two", "Local one"]


def test_a_reset_that_drops_only_pushed_commits_needs_no_preserving(
    workspace: Workspace, remote: RemoteRepo
) -> None:
    base = workspace.default_branch_head()
    assert workspace.preserve_local_work("nothing to keep") is None
    workspace.reset_to("agent001/3-keep", base)
    assert workspace.head_oid() == base
    assert workspace.preserved_refs() == {}


def test_a_branch_deleted_on_the_remote_counts_as_unpushed(
    workspace: Workspace, remote: RemoteRepo
) -> None:
    branch = "agent001/3-keep"
    head = workspace.head_oid()
    human = remote.human_clone()
    remote.git(human, "push", "--quiet", "origin", f":refs/heads/{branch}")
    assert [c.oid for c in workspace.unpushed_commits(branch)] == [head]
    prefix = workspace.preserve_local_work("branch vanished")
    assert prefix is not None
    assert workspace.preserved_refs()[f"{prefix}/{branch}"] == head


def test_switching_a_dirty_tree_is_refused_until_it_is_stashed(
    workspace: Workspace, remote: RemoteRepo
) -> None:
    (workspace.path / "pushed.txt").write_text("edited\n")
    (workspace.path / "new-dir").mkdir()
    (workspace.path / "new-dir" / "draft.py").write_text("draft = 1\n")
    (workspace.path / ".git" / "info").mkdir(exist_ok=True)
    (workspace.path / ".git" / "info" / "exclude").write_text("*.log\n")
    (workspace.path / "build.log").write_text("ignored\n")
    assert workspace.has_uncommitted_changes()
    with pytest.raises(DirtyWorkspace, match="uncommitted changes") as raised:
        workspace.checkout("main")
    assert "pushed.txt" in raised.value.changed
    with pytest.raises(DirtyWorkspace):
        workspace.reset_to("agent001/3-keep", workspace.default_branch_head())
    assert workspace.current_branch() == "agent001/3-keep"

    ref = workspace.stash_uncommitted("switching to main")
    assert ref == "refs/soda/stash/20260101T000000Z/agent001/3-keep"
    assert not workspace.has_uncommitted_changes()
    assert (workspace.path / "pushed.txt").read_text() == "p\n"
    assert not (workspace.path / "new-dir").exists()
    assert (workspace.path / "build.log").exists()  # ignored files are left alone
    saved = run_git(workspace.path, remote.env, "show", f"{ref}:new-dir/draft.py")
    assert saved == "draft = 1"
    assert run_git(workspace.path, remote.env, "show", f"{ref}:pushed.txt") == "edited"
    names = run_git(workspace.path, remote.env, "ls-tree", "-r", "--name-only", ref)
    assert "build.log" not in names.splitlines()
    assert workspace.stash_uncommitted("clean now") is None

    workspace.checkout("main")
    assert workspace.current_branch() == "main"
    assert not (workspace.path / "pushed.txt").exists()
    assert ref in workspace.preserved_refs()


def test_checkout_takes_a_branch_that_only_the_remote_has(
    remote: RemoteRepo, tmp_path: Path
) -> None:
    human = remote.human_clone()
    run_git(human, remote.env, "checkout", "--quiet", "-b", "agent001/9-elsewhere")
    head = commit_file(remote.env, human, "e.txt", "e\n", "Popped on another machine")
    remote.git(human, "push", "--quiet", "origin", "agent001/9-elsewhere")
    workspace = remote.workspace(tmp_path / "ws")
    workspace.ensure_clone()
    workspace.checkout("agent001/9-elsewhere")
    assert workspace.current_branch() == "agent001/9-elsewhere"
    assert workspace.head_oid() == head
    assert (workspace.path / "e.txt").read_text() == "e\n"
