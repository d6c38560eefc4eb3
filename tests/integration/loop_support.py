"""Helpers for loop tests: a real Session over a real localhub, with a repository ready to work."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.loop.context import RepoContext
from soda_tui.loop.session import Session
from soda_tui.loop.setup import LABELS
from soda_tui.settings.loading import parse_config
from soda_tui.settings.paths import Paths

TOKEN_ENV = "SODA_TEST_TOKEN"
PASSING_CI = "#!/usr/bin/env bash\necho ok\n"
FAILING_CI = "#!/usr/bin/env bash\necho 'tests failed'\nexit 1\n"


@dataclass
class LoopWorld:
    """A localhub, a configured Session on it and the paths soda-tui writes to."""

    hub: LocalHub
    session: Session
    paths: Paths
    token: str
    repo: RepoName

    def ctx(self, repo: RepoName | str | None = None) -> RepoContext:
        """The context of a configured repository (the first one by default)."""
        return self.session.context(repo or self.repo)

    def issue(self, number: int, repo: RepoName | None = None) -> dict[str, Any]:
        """An issue's state, labels and comments straight from localhub."""
        target = repo or self.repo
        data = self.graphql(
            """query($o: String!, $n: String!, $i: Int!) { repository(owner: $o, name: $n) {
                 issue(number: $i) { state stateReason labels(first: 30) { nodes { name } }
                   comments(first: 50) { nodes { body } } } } }""",
            {"o": target.owner, "n": target.name, "i": number},
        )
        issue = data["repository"]["issue"]
        return {
            "state": issue["state"],
            "reason": issue["stateReason"],
            "labels": {node["name"] for node in issue["labels"]["nodes"]},
            "comments": [node["body"] for node in issue["comments"]["nodes"]],
        }

    def branches(self, repo: RepoName | None = None) -> set[str]:
        """Branch names on localhub."""
        target = repo or self.repo
        data = self.graphql(
            """query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
                 refs(refPrefix: "refs/heads/", first: 100) { nodes { name } } } }""",
            {"o": target.owner, "n": target.name},
        )
        return {node["name"] for node in data["repository"]["refs"]["nodes"]}

    def pulls(self, repo: RepoName | None = None) -> list[dict[str, Any]]:
        """Every pull request on localhub with its state."""
        target = repo or self.repo
        data = self.graphql(
            """query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
                 pullRequests(first: 50) { nodes { number state merged headRefName body } } } }""",
            {"o": target.owner, "n": target.name},
        )
        return data["repository"]["pullRequests"]["nodes"]

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run a query as the test user, through the hub's own executor (no client counted)."""
        outcome = self.hub.state.execute_graphql(query, variables, None, "soda-dev")
        assert not outcome.body.get("errors"), outcome.body["errors"]
        return outcome.body["data"]


def seed_repo(
    hub: LocalHub, repo: str, *, ci: str | None = PASSING_CI, files: dict[str, str] | None = None
) -> RepoName:
    """Create a repository with the protocol labels and (optionally) a `.localhub/ci` script."""
    name = RepoName.parse(repo)
    content = {"README.md": f"# {name.name}\n", **(files or {})}
    if ci is not None:
        content[".localhub/ci"] = ci
    hub.state.create_repository(name.owner, name.name, files=content)
    for label, (color, _description) in LABELS.items():
        hub.state.ensure_label(name.owner, name.name, label, color)
    return name


def config_text(
    api_url: str,
    repos: list[str],
    *,
    agent: str = "demo",
    extra_defaults: str = "",
    repo_extra: str = "",
) -> str:
    """A config file's text for tests."""
    lines = [
        "[github]",
        f'api_url = "{api_url}"',
        f'token_env = "{TOKEN_ENV}"',
        "",
        "[defaults]",
        f"agent = {agent}" if agent.startswith("{") else f'agent = "{agent}"',
        "poll_seconds = 5",
        extra_defaults,
        "",
    ]
    for repo in repos:
        lines += ["[[repos]]", f'name = "{repo}"', repo_extra, ""]
    return "\n".join(lines)


def open_world(
    hub: LocalHub, token: str, tmp_path: Path, repos: list[str], **config: Any
) -> LoopWorld:
    """Write a config for `repos` and open a Session on it with the token in TOKEN_ENV."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(config_text(hub.graphql_url, repos, **config), encoding="utf-8")
    paths = Paths.under(tmp_path / "soda")
    environ = {"PATH": os.environ.get("PATH", ""), TOKEN_ENV: token, "HOME": str(tmp_path)}
    loaded = parse_config(
        __import__("tomllib").loads(config_file.read_text()), source=str(config_file)
    )
    session = Session.open(config_file, environ=environ, paths=paths, config=loaded)
    return LoopWorld(hub, session, paths, token, RepoName.parse(repos[0]))
