"""Workspace against real remotes: clone, branch, commit, push, leases, archive tags, deletion."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_workspace_support import RemoteRepo, bare_remote, commit_file, hub_remote, run_git

from soda_tui.git import (
    CommitInfo,
    GitError,
    PushRejected,
    RemoteNotFound,
    Workspace,
    WorkspaceMismatch,
    parse_progress,
)

if TYPE_CHECKING:
    from soda_tui.localhub import LocalHub

ZEROS = "0" * 40


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
def cloned(remote: RemoteRepo, tmp_path: Path) -> tuple[Workspace, Path]:
    """A workspace cloned from `remote`, and its path."""
    path = tmp_path / "data" / "workspaces" / "acme" / "api"
    workspace = remote.workspace(path)
    workspace.ensure_clone()
    return workspace, path


def test_clone_checks_out_the_default_branch_and_reports_progress(
    remote: RemoteRepo, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "ws"
    workspace = remote.workspace(path)
    lines: list[str] = []
    assert workspace.ensure_clone(lines.append) is True
    assert (path / "README.md").read_text() == "# api\n"
    assert workspace.current_branch() == "main"
    assert workspace.default_branch() == "main"
    main_oid = remote.ls_remote()["refs/heads/main"]
    assert workspace.default_branch_head() == main_oid == workspace.head_oid()
    assert not workspace.has_uncommitted_changes()
    assert lines[0].startswith("Cloning ") and lines[-1] == "Clone complete"
    assert any(parse_progress(line) or "objects" in line.lower() for line in lines)
    # The git CLI agrees that this is an ordinary, clean clone.
    assert run_git(path, remote.env, "status", "--porcelain") == ""
    assert run_git(path, remote.env, "config", "remote.origin.url") == remote.url
    # A second call checks the clone instead of cloning again.
    assert workspace.ensure_clone() is False
    assert not list(path.parent.glob(".ws.cloning-*"))


def test_an_existing_clone_of_another_remote_is_refused(
    remote: RemoteRepo, tmp_path: Path, git_env: dict[str, str]
) -> None:
    (tmp_path / "other").mkdir()
    other = bare_remote(tmp_path / "other", git_env)
    path = tmp_path / "ws"
    other.workspace(path).ensure_clone()
    with pytest.raises(WorkspaceMismatch, match="is a clone of"):
        remote.workspace(path).ensure_clone()
    stranger = tmp_path / "not-a-clone"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceMismatch, match="not a git clone"):
        remote.workspace(stranger).ensure_clone()
    assert (stranger / "notes.txt").read_text() == "mine"


def test_an_interrupted_clone_is_started_over(remote: RemoteRepo, tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = tmp_path / f".ws.cloning-{dead.pid}"
    (leftover / ".git").mkdir(parents=True)
    running_elsewhere = tmp_path / f".ws.cloning-{os.getppid()}"
    running_elsewhere.mkdir()
    workspace = remote.workspace(tmp_path / "ws")
    assert workspace.ensure_clone() is True
    assert not leftover.exists()
    assert running_elsewhere.exists()  # another live process's clone is not ours to remove
    assert workspace.current_branch() == "main"


def test_branch_commit_and_push_shows_up_on_the_remote(
    cloned: tuple[Workspace, Path], remote: RemoteRepo
) -> None:
    workspace, path = cloned
    base = workspace.default_branch_head()
    branch = "agent001/12-fix-the-login"
    workspace.create_branch(branch, base)
    workspace.create_branch(branch, base)  # idempotent, as a resumed pop needs
    workspace.checkout(branch)
    assert workspace.current_branch() == branch
    first = commit_file(remote.env, path, "src/login.py", "fixed = True\n", "Fix the login")
    second = commit_file(remote.env, path, "tests/test_login.py", "ok\n", "Test the login\n\nbody")
    ahead = workspace.commits_ahead(branch, "origin/main")
    assert [(c.oid, c.subject) for c in ahead] == [
        (second, "Test the login"),
        (first, "Fix the login"),
    ]
    assert (
        isinstance(ahead[0], CommitInfo) and ahead[0].author == "Soda Tester <tester@example.com>"
    )
    assert ahead[0].authored_at.tzinfo is not None
    assert [c.oid for c in workspace.unpushed_commits(branch)] == [second, first]
    # The base may be named like the default branch: it means the remote's copy.
    assert workspace.commits_ahead(branch, "main") == ahead
    assert workspace.local_branches() == [branch, "main"]
    assert workspace.remote_branch_oid(branch) is None

    lines: list[str] = []
    assert workspace.push(branch, progress=lines.append) == second
    assert lines[0].startswith(f"Pushing {branch}")
    assert workspace.remote_branch_oid(branch) == second
    assert remote.ls_remote()[f"refs/heads/{branch}"] == second
    assert workspace.unpushed_commits(branch) == []
    # Pushing again with nothing new is a quiet no-op.
    assert workspace.push(branch) == second
    # A branch that builds on the requested commit is kept, not replaced.
    workspace.create_branch(branch, base)
    assert workspace.head_oid() == second


def test_commits_ahead_of_the_default_branch_ignore_what_already_landed(
    cloned: tuple[Workspace, Path], remote: RemoteRepo
) -> None:
    workspace, path = cloned
    human = remote.human_clone()
    commit_file(remote.env, human, "landed.txt", "l\n", "Landed earlier")
    remote.git(human, "push", "--quiet", "origin", "main")
    workspace.fetch()
    branch = "agent001/2-after-landing"
    workspace.create_branch(branch, workspace.default_branch_head())
    workspace.checkout(branch)
    mine = commit_file(remote.env, path, "mine.txt", "m\n", "Mine")
    # The local main is stale; the base is the remote's main, so only our commit counts.
    assert [c.oid for c in workspace.commits_ahead(branch, "main")] == [mine]
    assert [c.oid for c in workspace.commits_ahead(branch, "origin/main")] == [mine]
    assert len(workspace.commits_ahead(branch, "refs/heads/main")) == 2


def test_create_branch_refuses_to_replace_unrelated_work(
    cloned: tuple[Workspace, Path], remote: RemoteRepo
) -> None:
    workspace, path = cloned
    base = workspace.default_branch_head()
    workspace.create_branch("agent001/1-a", base)
    workspace.checkout("agent001/1-a")
    commit_file(remote.env, path, "a.txt", "a\n", "A")
    unrelated = _other_commit(remote, workspace)
    with pytest.raises(GitError, match="already exists"):
        workspace.create_branch("agent001/1-a", unrelated)
    with pytest.raises(GitError, match="not a valid branch name"):
        workspace.create_branch("bad..name", base)
    with pytest.raises(GitError, match="fetch first"):
        workspace.create_branch("agent001/2-b", "f" * 40)


def _other_commit(remote: RemoteRepo, workspace: Workspace) -> str:
    human = remote.human_clone()
    oid = commit_file(remote.env, human, "other.txt", "o\n", "Other work")
    remote.git(human, "push", "--quiet", "origin", "main")
    workspace.fetch()
    return oid


def test_a_non_fast_forward_push_is_rejected(
    cloned: tuple[Workspace, Path], remote: RemoteRepo
) -> None:
    workspace, path = cloned
    branch = "agent001/5-race"
    workspace.create_branch(branch, workspace.default_branch_head())
    workspace.checkout(branch)
    commit_file(remote.env, path, "mine.txt", "1\n", "Mine")
    workspace.push(branch)
    # Someone else pushes to the same branch; we commit on our old tip.
    human = remote.human_clone()
    remote.git(human, "checkout", "--quiet", branch)
    theirs = commit_file(remote.env, human, "theirs.txt", "2\n", "Theirs")
    remote.git(human, "push", "--quiet", "origin", branch)
    commit_file(remote.env, path, "mine2.txt", "3\n", "Mine again")
    with pytest.raises(PushRejected, match="non-fast-forward") as raised:
        workspace.push(branch)
    assert raised.value.ref == branch
    assert remote.ls_remote()[f"refs/heads/{branch}"] == theirs
    # Even after a fetch (their commit known locally) it is still not a fast-forward.
    workspace.fetch()
    with pytest.raises(PushRejected, match="non-fast-forward"):
        workspace.push(branch)
    assert remote.ls_remote()[f"refs/heads/{branch}"] == theirs


def test_a_forced_push_needs_a_current_lease(
    cloned: tuple[Workspace, Path], remote: RemoteRepo
) -> None:
    workspace, path = cloned
    branch = "agent001/6-lease"
    workspace.create_branch(branch, workspace.default_branch_head())
    workspace.checkout(branch)
    pushed = commit_file(remote.env, path, "one.txt", "1\n", "One")
    workspace.push(branch)
    run_git(path, remote.env, "commit", "--quiet", "--amend", "-m", "One, amended")
    amended = workspace.head_oid()
    with pytest.raises(PushRejected, match="stale lease"):
        workspace.push(branch, force=True, expected_remote_oid="a" * 40)
    with pytest.raises(PushRejected, match="stale lease"):
        workspace.push(branch, force=True, expected_remote_oid=ZEROS)
    assert remote.ls_remote()[f"refs/heads/{branch}"] == pushed
    assert workspace.push(branch, force=True, expected_remote_oid=pushed) == amended
    assert remote.ls_remote()[f"refs/heads/{branch}"] == amended
    # Without an explicit oid the lease is where this workspace last saw the branch.
    human = remote.human_clone()
    remote.git(human, "checkout", "--quiet", branch)
    commit_file(remote.env, human, "two.txt", "2\n", "Two")
    remote.git(human, "push", "--quiet", "origin", branch)
    run_git(path, remote.env, "commit", "--quiet", "--amend", "-m", "One, again")
    with pytest.raises(PushRejected, match="stale lease"):
        workspace.push(branch, force=True)
    assert remote.ls_remote()[f"refs/heads/{branch}"] != workspace.head_oid()


def test_an_archive_tag_is_pushed_and_never_moved(
    cloned: tuple[Workspace, Path], remote: RemoteRepo
) -> None:
    workspace, path = cloned
    branch = "agent001/7-archive"
    workspace.create_branch(branch, workspace.default_branch_head())
    workspace.checkout(branch)
    head = commit_file(remote.env, path, "x.txt", "x\n", "X")
    workspace.push(branch)
    tag = f"archive/{branch}"
    workspace.push_tag(tag, head)
    assert remote.ls_remote()[f"refs/tags/{tag}"] == head
    workspace.push_tag(tag, head)  # idempotent
    with pytest.raises(GitError, match="never moved"):
        workspace.push_tag(tag, workspace.default_branch_head())
    assert remote.ls_remote()[f"refs/tags/{tag}"] == head


def test_deleting_a_remote_branch_and_pruning_it_locally(
    cloned: tuple[Workspace, Path], remote: RemoteRepo
) -> None:
    workspace, path = cloned
    branch = "agent001/8-gone"
    workspace.create_branch(branch, workspace.default_branch_head())
    workspace.checkout(branch)
    head = commit_file(remote.env, path, "g.txt", "g\n", "G")
    workspace.push(branch)
    with pytest.raises(PushRejected, match="stale lease"):
        workspace.delete_remote_branch(branch, expected_remote_oid="b" * 40)
    assert workspace.delete_remote_branch(branch, expected_remote_oid=head) is True
    assert f"refs/heads/{branch}" not in remote.ls_remote()
    assert workspace.delete_remote_branch(branch) is False
    with pytest.raises(GitError, match="default branch"):
        workspace.delete_remote_branch("main")
    # A branch someone else deletes disappears from the tracking refs on fetch.
    human = remote.human_clone()
    remote.git(human, "push", "--quiet", "origin", "main:refs/heads/scratch")
    workspace.fetch()
    assert "origin/scratch" in run_git(path, remote.env, "branch", "-r")
    remote.git(human, "push", "--quiet", "origin", ":refs/heads/scratch")
    workspace.fetch()
    assert "origin/scratch" not in run_git(path, remote.env, "branch", "-r")
    assert workspace.remote_refs()["refs/heads/main"] == workspace.default_branch_head()


def test_a_missing_repository_is_remote_not_found(remote: RemoteRepo, tmp_path: Path) -> None:
    missing = remote.url.rsplit("/", 1)[0] + "/nothing-here.git"
    workspace = Workspace(tmp_path / "ws", missing, remote.token)
    with pytest.raises(RemoteNotFound, match="no git repository at") as raised:
        workspace.ensure_clone()
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "ws").exists()
    assert not list(tmp_path.glob(".ws.cloning-*"))
