"""Shared helpers (no tests) for localhub GraphQL tests: a state on disk, calls, git by path.

Test modules import the fixtures `clock_fixture` and `state_fixture` (named `clock`, `state`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from soda_tui.core.clock import FakeClock
from soda_tui.localhub.models import IssueSpec, RefChange
from soda_tui.localhub.state import LocalHubState

LOGIN = "soda-dev"
TOKEN = "localhub-test-token-0001"
REVIEWER = "reviewer"


@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    """A clock that only moves when a test says so."""
    return FakeClock()


@pytest.fixture(name="state")
def state_fixture(tmp_path: Path, clock: FakeClock) -> Iterator[LocalHubState]:
    """A LocalHubState on a temp dir with users `soda-dev` and `reviewer`."""
    hub_state = LocalHubState(tmp_path / "hub", clock=clock)
    hub_state.add_user(LOGIN, TOKEN)
    hub_state.add_user(REVIEWER, "localhub-reviewer-token-0002")
    yield hub_state
    hub_state.close()


def seed_issues(hub_state: LocalHubState, count: int = 7) -> None:
    """acme/api with issues 1..count created on Jan 1..count, labelled by number.

    1, 4, 7: `ready`; 2, 5: `blocked`; 3, 6: `ready` and `blocked`.
    """
    hub_state.create_repository("acme", "api")
    labels = {0: ("ready", "blocked"), 1: ("ready",), 2: ("blocked",)}
    hub_state.create_issues_bulk(
        "acme",
        "api",
        [
            IssueSpec(
                title=f"Issue {n}", created_at=f"2026-01-{n:02d}T00:00:00Z", labels=labels[n % 3]
            )
            for n in range(1, count + 1)
        ],
    )


def call(
    hub_state: LocalHubState,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    login: str = LOGIN,
) -> dict[str, Any]:
    """The whole GraphQL response body."""
    return hub_state.execute_graphql(query, variables, None, login).body


def data(
    hub_state: LocalHubState,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    login: str = LOGIN,
) -> Any:
    """`data` of a GraphQL response, failing the test on any error."""
    body = call(hub_state, query, variables, login=login)
    assert "errors" not in body, body["errors"]
    return body["data"]


def errors(
    hub_state: LocalHubState,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    login: str = LOGIN,
) -> list[dict[str, Any]]:
    """The errors of a GraphQL response, failing the test when there are none."""
    body = call(hub_state, query, variables, login=login)
    assert body.get("errors"), body
    return list(body["errors"])


def node_id(hub_state: LocalHubState, owner: str, name: str, kind: str, number: int) -> str:
    """The node id of issue or pull request `number`."""
    query = f"""query($o: String!, $n: String!, $k: Int!) {{
      repository(owner: $o, name: $n) {{ item: {kind}(number: $k) {{ id }} }} }}"""
    return str(
        data(hub_state, query, {"o": owner, "n": name, "k": number})["repository"]["item"]["id"]
    )


def repo_id(hub_state: LocalHubState, owner: str, name: str) -> str:
    """The node id of a repository."""
    query = "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { id } }"
    return str(data(hub_state, query, {"o": owner, "n": name})["repository"]["id"])


class Checkout:
    """A working clone of a localhub bare repository, pushed back by path like a real push."""

    def __init__(
        self, hub_state: LocalHubState, owner: str, name: str, workdir: Path, env: dict[str, str]
    ) -> None:
        self.state = hub_state
        self.owner = owner
        self.name = name
        self.workdir = workdir
        self.env = env
        bare = hub_state.bare_repo_path(owner, name)
        assert bare is not None
        self.bare = bare
        subprocess.run(
            ["git", "clone", "-q", str(bare), str(workdir)],
            env=env,
            check=True,
            capture_output=True,
        )

    def git(self, *args: str) -> str:
        """Run git in the clone and return its stdout."""
        done = subprocess.run(
            ["git", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
        return done.stdout.strip()

    def branch(self, name: str, start: str = "origin/main") -> None:
        """Create and switch to a branch."""
        self.git("fetch", "-q", "origin")
        self.git("switch", "-q", "-C", name, start)

    def commit(self, path: str, content: str, message: str) -> str:
        """Write a file, commit it and return the new commit's oid."""
        target = self.workdir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        self.git("add", path)
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def push(self, *refspecs: str, force: bool = False) -> list[RefChange]:
        """Push by path, with `refs_snapshot`/`after_push` around it as the HTTP layer does."""
        before = self.state.refs_snapshot(self.owner, self.name)
        self.git("push", "-q", *(["--force"] if force else []), "origin", *refspecs)
        return self.state.after_push(self.owner, self.name, before)

    def log(self, ref: str, fmt: str = "%s") -> list[str]:
        """`git log` of a ref in the bare repository, newest first."""
        done = subprocess.run(
            ["git", "--git-dir", str(self.bare), "log", f"--format={fmt}", ref],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.splitlines()

    def parents(self, ref: str) -> list[str]:
        """The parent oids of a commit in the bare repository."""
        done = subprocess.run(
            ["git", "--git-dir", str(self.bare), "rev-list", "--parents", "-n", "1", ref],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()[1:]

    def show(self, ref: str, path: str) -> str:
        """A file's content at a ref in the bare repository."""
        done = subprocess.run(
            ["git", "--git-dir", str(self.bare), "show", f"{ref}:{path}"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout
