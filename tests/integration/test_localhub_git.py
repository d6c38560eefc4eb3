"""The real git CLI against localhub's smart HTTP: clone, push, ls-remote, auth, PR heads."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from soda_tui.localhub import LocalHub

# Generous timeouts: the machine is shared, and slowness is not what these tests check.
http_get = functools.partial(httpx.get, timeout=30.0)

REF_OID = """
query RefOid($owner: String!, $name: String!, $ref: String!) {
  repository(owner: $owner, name: $name) { ref(qualifiedName: $ref) { target { oid } } }
}
"""
REPO_ID = "query RepoId($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { id } }"
OPEN_PR = """
mutation OpenPR($repo: ID!, $head: String!) {
  createPullRequest(input: {repositoryId: $repo, baseRefName: "main", headRefName: $head,
                            title: "Add feature"}) {
    pullRequest { number headRefOid }
  }
}
"""
PR_HEAD = """
query PRHead($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) { headRefOid } }
}
"""


def git(
    env: dict[str, str], *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run git with the isolated environment; fail with its stderr when `check` and it fails."""
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def authed_url(hub: LocalHub, token: str, owner: str, name: str, suffix: str = ".git") -> str:
    """A clone URL with `x-access-token:TOKEN` basic credentials in it."""
    plain = hub.git_url(owner, name).removesuffix(".git") + suffix
    return plain.replace("http://", f"http://x-access-token:{token}@")


def commit_file(env: dict[str, str], checkout: Path, name: str, content: str | bytes) -> str:
    """Write a file, commit it and return the new head sha."""
    path = checkout / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    git(env, "add", name, cwd=checkout)
    git(env, "commit", "-q", "-m", f"Change {name}", cwd=checkout)
    return git(env, "rev-parse", "HEAD", cwd=checkout).stdout.strip()


def ref_oid(hub_graphql: Callable[..., Any], owner: str, name: str, ref: str) -> str | None:
    """The sha a branch points at according to GraphQL."""
    data = hub_graphql(REF_OID, {"owner": owner, "name": name, "ref": ref})
    found = data["repository"]["ref"]
    return found["target"]["oid"] if found else None


def test_clone_commit_push_and_ls_remote(
    localhub: LocalHub,
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    make_repo(localhub, "acme/api", files={"README.md": "hello\n"})
    url = authed_url(localhub, hub_token, "acme", "api")
    checkout = tmp_path / "api"
    git(git_env, "clone", "-q", url, str(checkout))
    assert (checkout / "README.md").read_text() == "hello\n"
    git(git_env, "checkout", "-q", "-b", "feature", cwd=checkout)
    sha = commit_file(git_env, checkout, "feature.txt", "new\n")
    git(git_env, "push", "-q", "origin", "feature", cwd=checkout)
    # Visible through GraphQL as soon as the push returns.
    assert ref_oid(hub_graphql, "acme", "api", "refs/heads/feature") == sha
    listing = git(git_env, "ls-remote", url).stdout
    assert f"{sha}\trefs/heads/feature" in listing
    assert "refs/heads/main" in listing
    # The URL without `.git` serves the same repository.
    assert (
        f"{sha}\trefs/heads/feature"
        in git(
            git_env, "ls-remote", authed_url(localhub, hub_token, "acme", "api", suffix="")
        ).stdout
    )
    # A second clone fetches the pushed branch.
    second = tmp_path / "second"
    git(git_env, "clone", "-q", "--branch", "feature", url, str(second))
    assert (second / "feature.txt").read_text() == "new\n"


def test_big_push_uses_chunked_encoding(
    localhub: LocalHub,
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    make_repo(localhub, "acme/big")
    checkout = tmp_path / "big"
    git(git_env, "clone", "-q", authed_url(localhub, hub_token, "acme", "big"), str(checkout))
    # Random bytes do not compress, so the pack stays over git's 1 MiB post buffer.
    sha = commit_file(git_env, checkout, "blob.bin", os.urandom(3 * 1024 * 1024))
    git(git_env, "push", "-q", "origin", "main", cwd=checkout)
    assert localhub.body_encoding_counts.get("chunked", 0) >= 1
    assert ref_oid(hub_graphql, "acme", "big", "main") == sha
    fresh = tmp_path / "fresh"
    git(git_env, "clone", "-q", authed_url(localhub, hub_token, "acme", "big"), str(fresh))
    assert (fresh / "blob.bin").stat().st_size == 3 * 1024 * 1024


def test_missing_or_wrong_token_fails_without_prompting(
    localhub: LocalHub, hub_token: str, git_env: dict[str, str], tmp_path: Path, make_repo: Callable
) -> None:
    make_repo(localhub, "acme/api")
    anonymous = git(git_env, "ls-remote", localhub.git_url("acme", "api"), check=False)
    assert anonymous.returncode != 0
    assert "terminal prompts disabled" in anonymous.stderr
    wrong = git(
        git_env,
        "clone",
        authed_url(localhub, "wrong-token-123", "acme", "api"),
        str(tmp_path / "wrong"),
        check=False,
    )
    assert wrong.returncode != 0
    assert "Authentication failed" in wrong.stderr
    assert not (tmp_path / "wrong" / ".git").exists()
    challenge = http_get(f"{localhub.git_url('acme', 'api')}/info/refs?service=git-upload-pack")
    assert challenge.status_code == 401
    assert challenge.headers["www-authenticate"] == 'Basic realm="GitHub"'


def test_bearer_header_authenticates_git(
    localhub: LocalHub, hub_token: str, git_env: dict[str, str], make_repo: Callable
) -> None:
    make_repo(localhub, "acme/api")
    listing = git(
        git_env,
        "-c",
        f"http.extraHeader=Authorization: bearer {hub_token}",
        "ls-remote",
        localhub.git_url("acme", "api"),
    )
    assert "refs/heads/main" in listing.stdout


def test_unknown_repository_is_not_found(
    localhub: LocalHub, hub_token: str, git_env: dict[str, str]
) -> None:
    response = http_get(
        f"{localhub.git_url('acme', 'ghost')}/info/refs?service=git-upload-pack",
        headers={"Authorization": f"bearer {hub_token}"},
    )
    assert response.status_code == 404
    assert response.text.strip() == "Repository not found."
    listing = git(
        git_env, "ls-remote", authed_url(localhub, hub_token, "acme", "ghost"), check=False
    )
    assert listing.returncode != 0
    assert "not found" in listing.stderr


def test_push_moves_an_open_pull_requests_head(
    localhub: LocalHub,
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    make_repo(localhub, "acme/api")
    checkout = tmp_path / "api"
    git(git_env, "clone", "-q", authed_url(localhub, hub_token, "acme", "api"), str(checkout))
    git(git_env, "checkout", "-q", "-b", "agent001/1-add-feature", cwd=checkout)
    first = commit_file(git_env, checkout, "a.txt", "a\n")
    git(git_env, "push", "-q", "origin", "agent001/1-add-feature", cwd=checkout)
    repo_id = hub_graphql(REPO_ID, {"owner": "acme", "name": "api"})["repository"]["id"]
    created = hub_graphql(OPEN_PR, {"repo": repo_id, "head": "agent001/1-add-feature"})
    pull = created["createPullRequest"]["pullRequest"]
    assert pull["headRefOid"] == first
    second = commit_file(git_env, checkout, "b.txt", "b\n")
    git(git_env, "push", "-q", "origin", "agent001/1-add-feature", cwd=checkout)
    head = hub_graphql(PR_HEAD, {"owner": "acme", "name": "api", "number": pull["number"]})
    assert head["repository"]["pullRequest"]["headRefOid"] == second


def test_issue_and_pushed_branch_survive_a_restart(
    localhub_factory: Callable[..., LocalHub],
    hub_token: str,
    git_env: dict[str, str],
    tmp_path: Path,
    make_repo: Callable,
    hub_graphql: Callable[..., Any],
) -> None:
    data_dir = tmp_path / "persistent"
    hub = localhub_factory(data_dir=data_dir)
    make_repo(hub, "acme/api")
    number = hub.state.create_issue("acme", "api", "Survive a restart", body="still here")
    checkout = tmp_path / "api"
    git(git_env, "clone", "-q", authed_url(hub, hub_token, "acme", "api"), str(checkout))
    git(git_env, "checkout", "-q", "-b", "keep-me", cwd=checkout)
    sha = commit_file(git_env, checkout, "kept.txt", "kept\n")
    git(git_env, "push", "-q", "origin", "keep-me", cwd=checkout)
    hub.stop()

    # The same object restarts, and so does a new one on the same data dir.
    hub.start()
    assert _issue_title(hub_graphql, hub, number) == "Survive a restart"
    hub.stop()
    again = localhub_factory(data_dir=data_dir)
    assert _issue_title(hub_graphql, again, number) == "Survive a restart"
    data = hub_graphql(REF_OID, {"owner": "acme", "name": "api", "ref": "keep-me"}, hub=again)
    assert data["repository"]["ref"]["target"]["oid"] == sha
    listing = git(git_env, "ls-remote", authed_url(again, hub_token, "acme", "api")).stdout
    assert f"{sha}\trefs/heads/keep-me" in listing


def _issue_title(hub_graphql: Callable[..., Any], hub: LocalHub, number: int) -> str:
    query = """
    query IssueTitle($owner: String!, $name: String!, $number: Int!) {
      repository(owner: $owner, name: $name) { issue(number: $number) { title body } }
    }
    """
    data = hub_graphql(query, {"owner": "acme", "name": "api", "number": number}, hub=hub)
    return data["repository"]["issue"]["title"]


def test_fetch_with_many_wants_sends_gzip_and_is_understood(
    localhub: LocalHub, hub_token: str, git_env: dict[str, str], tmp_path: Path, make_repo: Callable
) -> None:
    make_repo(localhub, "acme/many")
    url = authed_url(localhub, hub_token, "acme", "many")
    checkout = tmp_path / "many"
    git(git_env, "clone", "-q", url, str(checkout))
    tips = {}
    for index in range(40):
        tips[f"branch-{index:02d}"] = commit_file(git_env, checkout, f"f{index}.txt", f"{index}\n")
        git(git_env, "branch", f"branch-{index:02d}", cwd=checkout)
    git(git_env, "push", "-q", "origin", "--all", cwd=checkout)
    # Forty distinct wants make git's upload-pack request larger than 1 KiB, so git gzips it.
    mirror = tmp_path / "mirror.git"
    git(git_env, "clone", "-q", "--mirror", url, str(mirror))
    assert localhub.body_encoding_counts.get("gzip", 0) >= 1
    for branch, sha in tips.items():
        assert git(git_env, "rev-parse", branch, cwd=mirror).stdout.strip() == sha


def test_the_token_is_never_written_under_the_data_dir(
    localhub: LocalHub, hub_token: str, git_env: dict[str, str], tmp_path: Path, make_repo: Callable
) -> None:
    make_repo(localhub, "acme/api", files={".localhub/ci": "echo $LOCALHUB_REPOSITORY; env\n"})
    checkout = tmp_path / "api"
    git(git_env, "clone", "-q", authed_url(localhub, hub_token, "acme", "api"), str(checkout))
    git(git_env, "checkout", "-q", "-b", "feature", cwd=checkout)
    commit_file(git_env, checkout, "x.txt", "x\n")
    git(git_env, "push", "-q", "origin", "feature", cwd=checkout)
    assert localhub.ci is not None
    localhub.ci.enqueue(
        "acme", "api", git(git_env, "rev-parse", "HEAD", cwd=checkout).stdout.strip(), 1
    )
    assert localhub.ci.wait_idle(60)
    assert localhub.ci.results[-1].state == "success"
    token = hub_token.encode()
    written = [path for path in localhub.data_dir.rglob("*") if path.is_file()]
    assert any(path.suffix == ".log" for path in written)
    assert [path for path in written if token in path.read_bytes()] == []
