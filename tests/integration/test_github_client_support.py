"""Shared helpers (no tests) for the GitHub client tests: clients bound to a localhub, probes."""

from __future__ import annotations

import random
import socket
import traceback
from pathlib import Path
from typing import Any

from soda_tui.core.clock import FakeClock
from soda_tui.core.secrets import Secret
from soda_tui.github import GitHubClient, RequestInfo

HUB_LOGIN = "soda-dev"
VIEWER_DATA = {"viewer": {"login": HUB_LOGIN}}

# Documents the shipped set does not hold; each is valid against GitHub's schema as well.
EXTRA_OPERATIONS = {
    "RepoId": (
        "query RepoId($owner: String!, $name: String!) {\n"
        "  repository(owner: $owner, name: $name) { id }\n"
        "}\n"
    ),
    "RepoLabels": (
        "query RepoLabels($owner: String!, $name: String!) {\n"
        "  repository(owner: $owner, name: $name) { labels(first: 100) { nodes { name } } }\n"
        "}\n"
    ),
    "AddLabel": (
        "mutation AddLabel($repo: ID!, $name: String!) {\n"
        '  createLabel(input: {repositoryId: $repo, name: $name, color: "ededed"}) {\n'
        "    label { id name }\n"
        "  }\n"
        "}\n"
    ),
}


class Recorder:
    """Collects what `on_request` reports, in order."""

    def __init__(self) -> None:
        self.attempts: list[RequestInfo] = []

    def __call__(self, info: RequestInfo) -> None:
        self.attempts.append(info)

    @property
    def statuses(self) -> list[int | None]:
        """The HTTP status of each attempt (None when no reply came back)."""
        return [info.status for info in self.attempts]


class ClientMaker:
    """Builds clients sharing one fake clock, one recorder and the extra operations."""

    def __init__(self, folder: Path, token: str) -> None:
        self.token = token
        self.clock = FakeClock()
        self.recorder = Recorder()
        self.operations = folder / "operations"
        self.operations.mkdir(parents=True, exist_ok=True)
        for name, text in EXTRA_OPERATIONS.items():
            (self.operations / f"{name}.graphql").write_text(text, encoding="utf-8")
        self._made: list[GitHubClient] = []

    def __call__(self, endpoint: str, token: str | None = None, **options: Any) -> GitHubClient:
        client = GitHubClient(
            endpoint,
            Secret(token or self.token),
            clock=self.clock,
            rng=random.Random(1234),
            on_request=self.recorder,
            extra_operations=self.operations,
            **options,
        )
        self._made.append(client)
        return client

    async def aclose_all(self) -> None:
        """Close every client this maker built."""
        for client in self._made:
            await client.aclose()


async def repo_labels(client: GitHubClient) -> list[str]:
    """The label names of acme/api, read through the client."""
    data = await client.execute("RepoLabels", {"owner": "acme", "name": "api"})
    return [node["name"] for node in data["repository"]["labels"]["nodes"]]


async def repo_id(client: GitHubClient) -> str:
    """The node id of acme/api."""
    data = await client.execute("RepoId", {"owner": "acme", "name": "api"})
    return str(data["repository"]["id"])


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def full_text(error: BaseException) -> str:
    """Everything a user or a log could see of an error: str, repr and the whole chain."""
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])
