"""Shared fixtures: a started localhub on a temp dir, its token, repo seeding, an isolated git."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from soda_tui.localhub import LocalHub

HUB_LOGIN = "soda-dev"


def make_repo(
    hub: LocalHub,
    full_name: str,
    files: dict[str, str] | None = None,
    default_branch: str = "main",
) -> dict[str, Any]:
    """Create `owner/name` on a localhub with `files` committed on its default branch."""
    owner, _, name = full_name.partition("/")
    return hub.state.create_repository(owner, name, default_branch=default_branch, files=files)


@pytest.fixture(name="make_repo")
def make_repo_fixture() -> Callable[..., dict[str, Any]]:
    """The `make_repo(hub, "owner/name", files=...)` helper, for tests that prefer a fixture."""
    return make_repo


@pytest.fixture
def hub_token() -> str:
    """A fresh token for the test's localhub user."""
    return "test-token-" + secrets.token_hex(8)


@pytest.fixture
def localhub_factory(tmp_path: Path, hub_token: str) -> Iterator[Callable[..., LocalHub]]:
    """Start localhubs with custom options (data dir, faults, ci, rate limit); all stop after."""
    # Imported here so test modules that never start a hub do not load localhub at collection.
    from soda_tui.localhub import LocalHub

    started: list[LocalHub] = []

    def start(**options: Any) -> LocalHub:
        options.setdefault("token", hub_token)
        options.setdefault("login", HUB_LOGIN)
        data_dir = options.pop("data_dir", tmp_path / f"localhub-{len(started)}")
        hub = LocalHub(data_dir, **options)
        started.append(hub)
        hub.start()
        return hub

    yield start
    for hub in reversed(started):
        hub.stop()


@pytest.fixture
def localhub(localhub_factory: Callable[..., LocalHub]) -> LocalHub:
    """A started localhub (login `soda-dev`, token `hub_token`), stopped after the test."""
    return localhub_factory()


@pytest.fixture
def git_env(tmp_path: Path) -> dict[str, str]:
    """An environment where git ignores the user's config, never prompts and has an identity."""
    home = tmp_path / "git-home"
    home.mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") and key not in ("SSH_ASKPASS", "HOME")
    }
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Soda Tester",
            "GIT_AUTHOR_EMAIL": "tester@example.com",
            "GIT_COMMITTER_NAME": "Soda Tester",
            "GIT_COMMITTER_EMAIL": "tester@example.com",
        }
    )
    return env


def graphql_call(
    hub: LocalHub, token: str, query: str, variables: dict[str, Any] | None = None
) -> Any:
    """POST a GraphQL query to a localhub and return `data`, failing on any GraphQL error."""
    response = httpx.post(
        hub.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"bearer {token}"},
        timeout=30.0,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


@pytest.fixture
def hub_graphql(request: pytest.FixtureRequest, hub_token: str) -> Callable[..., Any]:
    """`hub_graphql(query, variables=None, hub=None)`: GraphQL on `hub` or the `localhub` fixture."""

    def call(
        query: str, variables: dict[str, Any] | None = None, hub: LocalHub | None = None
    ) -> Any:
        target = hub if hub is not None else request.getfixturevalue("localhub")
        return graphql_call(target, hub_token, query, variables)

    return call
