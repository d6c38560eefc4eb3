"""Token handling against localhub over HTTP: refused tokens fail cleanly, and no file keeps one."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_workspace_support import RemoteRepo, commit_file, hub_remote

from soda_tui.core.secrets import Secret
from soda_tui.git import AuthFailed, Workspace

if TYPE_CHECKING:
    from soda_tui.localhub import LocalHub


@pytest.fixture
def remote(
    localhub: LocalHub, hub_token: str, tmp_path: Path, git_env: dict[str, str]
) -> RemoteRepo:
    return hub_remote(localhub, hub_token, tmp_path, git_env)


def _files_containing(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(str(path.relative_to(root)))
    return found


def test_a_refused_token_is_auth_failed_with_a_clean_message(
    remote: RemoteRepo, tmp_path: Path
) -> None:
    wrong = Secret("ghp_wrong_token_0000000000")
    workspace = Workspace(tmp_path / "ws", remote.url, wrong)
    with pytest.raises(AuthFailed) as raised:
        workspace.ensure_clone()
    message = str(raised.value)
    assert message.startswith(f"the git server at {remote.url} refused the token")
    assert "\n" not in message
    assert wrong.reveal() not in message and "Traceback" not in message
    assert not (tmp_path / "ws").exists()
    assert not list(tmp_path.glob(".ws.cloning-*"))

    # A good clone, then every remote operation with a bad token fails the same way.
    good = remote.workspace(tmp_path / "ws")
    good.ensure_clone()
    bad = Workspace(tmp_path / "ws", remote.url, wrong)
    for operation in (
        bad.fetch,
        lambda: bad.push("main"),
        lambda: bad.remote_branch_oid("main"),
        lambda: bad.push_tag("archive/x", good.head_oid()),
        lambda: bad.unpushed_commits("main"),
    ):
        with pytest.raises(AuthFailed) as failed:
            operation()
        assert wrong.reveal() not in str(failed.value)
    # Preserving never needs the remote: it keeps everything when it cannot look.
    assert bad.preserve_local_work("remote refused us") is not None


def test_the_token_is_never_written_into_the_workspace(remote: RemoteRepo, tmp_path: Path) -> None:
    assert remote.token is not None
    token = remote.token.reveal()
    basic = base64.b64encode(f"x-access-token:{token}".encode())
    workspace = remote.workspace(tmp_path / "ws")
    workspace.ensure_clone()
    workspace.fetch()
    branch = "agent001/4-secret-free"
    workspace.create_branch(branch, workspace.default_branch_head())
    workspace.checkout(branch)
    head = commit_file(remote.env, workspace.path, "work.txt", "w\n", "Work")
    workspace.push(branch)
    workspace.push_tag(f"archive/{branch}", head)
    assert workspace.remote_branch_oid(branch) == head
    workspace.delete_remote_branch(branch, expected_remote_oid=head)
    commit_file(remote.env, workspace.path, "more.txt", "m\n", "More")
    assert workspace.preserve_local_work("before reset") is not None
    (workspace.path / "scratch.txt").write_text("uncommitted\n")
    assert workspace.stash_uncommitted("before switching") is not None

    leaks = _files_containing(workspace.path, [token.encode(), basic])
    assert leaks == []
    config = (workspace.path / ".git" / "config").read_text()
    assert f"url = {remote.url}" in config and "@" not in config
