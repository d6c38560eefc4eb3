"""Helpers (no tests) for the recovery, sync and doctor tests: a localhub world and branch crafting."""

from __future__ import annotations

import base64
import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from soda_tui.core.clock import FakeClock
from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.loop.context import RepoContext
from soda_tui.loop.session import Session
from soda_tui.settings.loading import parse_config
from soda_tui.settings.paths import Paths
from tests.integration.loop_support import TOKEN_ENV, config_text, seed_repo

# Far enough ahead that every claim localhub stamps "now" is older than the stale window.
LATER = timedelta(hours=48)


def git_env(home: Path) -> dict[str, str]:
    """An environment where git ignores the user's config, never prompts and has an identity."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "HOME"}
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Ada Agent",
            "GIT_AUTHOR_EMAIL": "ada@example.com",
            "GIT_COMMITTER_NAME": "Ada Agent",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
        }
    )
    return env


@dataclass
class Crafter:
    """A git CLI clone of a localhub repository, for making branches the way an agent would."""

    hub: LocalHub
    token: str
    repo: RepoName
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    made: int = 0

    def __post_init__(self) -> None:
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        self.env = {
            **git_env(self.root.parent / "git-home"),
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }
        url = self.hub.git_url(self.repo.owner, self.repo.name)
        self.git(self.root.parent, "clone", "--quiet", url, str(self.root))

    def git(self, cwd: Path, *args: str) -> str:
        """Run git and return its output; fail the test on error."""
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
        return done.stdout.strip()

    def branch(
        self, name: str, commits: int = 1, *, push: bool = True, start: str = "origin/main"
    ) -> str:
        """A branch from `start` with `commits` new commits; returns its head."""
        self.git(self.root, "fetch", "--quiet", "origin")
        self.git(self.root, "checkout", "--quiet", "-B", name, start)
        for index in range(commits):
            self.made += 1  # unique files, so a branch can grow again later
            path = self.root / f"{name.replace('/', '_')}_{self.made}.txt"
            path.write_text(f"work {index} on {name}\nline two\n")
            self.git(self.root, "add", path.name)
            self.git(self.root, "commit", "--quiet", "-m", f"{name}: step {index + 1}")
        if push:
            self.git(self.root, "push", "--quiet", "origin", f"{name}:refs/heads/{name}")
        return self.git(self.root, "rev-parse", "HEAD")

    def many_branches(self, names: list[str]) -> str:
        """Push many branches in one `git push`, all at one new commit; returns that commit."""
        head = self.branch("scratch-base", 1, push=False)
        lines = "".join(f"create refs/heads/{name} {head}\n" for name in names)
        done = subprocess.run(
            ["git", "update-ref", "--stdin"],
            cwd=self.root,
            env=self.env,
            input=lines,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        self.git(self.root, "push", "--quiet", "origin", *[f"refs/heads/{n}" for n in names])
        return head


@dataclass
class RecoveryWorld:
    """A localhub, a session on it whose clock runs LATER ahead, and GitHub helpers."""

    hub: LocalHub
    session: Session
    paths: Paths
    token: str
    repo: RepoName
    clock: FakeClock
    tmp: Path

    def ctx(self, repo: RepoName | str | None = None) -> RepoContext:
        """The context of a configured repository (the first by default)."""
        return self.session.context(repo or self.repo)

    def crafter(self, repo: RepoName | None = None) -> Crafter:
        """A git CLI clone to craft branches in."""
        target = repo or self.repo
        root = self.tmp / f"craft-{target.owner}-{target.name}"
        return Crafter(self.hub, self.token, target, root)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a query or mutation as the test user through localhub's own executor."""
        outcome = self.hub.state.execute_graphql(query, variables or {}, None, "soda-dev")
        assert not outcome.body.get("errors"), outcome.body["errors"]
        return outcome.body["data"]

    def repository_id(self, repo: RepoName | None = None) -> str:
        """The repository's node id."""
        target = repo or self.repo
        data = self.graphql(
            "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { id } }",
            {"o": target.owner, "n": target.name},
        )
        return data["repository"]["id"]

    def open_pull(
        self, branch: str, title: str, body: str = "", repo: RepoName | None = None
    ) -> dict:
        """Open a pull request from `branch` into main; returns {id, number}."""
        data = self.graphql(
            """mutation($r: ID!, $h: String!, $t: String!, $b: String!) {
                 createPullRequest(input: {repositoryId: $r, baseRefName: "main", headRefName: $h,
                   title: $t, body: $b}) { pullRequest { id number } } }""",
            {"r": self.repository_id(repo), "h": branch, "t": title, "b": body},
        )
        return data["createPullRequest"]["pullRequest"]

    def merge_pull(self, pull_id: str, method: str = "SQUASH") -> None:
        """Merge a pull request (squash by default) without deleting its branch."""
        self.graphql(
            """mutation($p: ID!, $m: PullRequestMergeMethod!) {
                 mergePullRequest(input: {pullRequestId: $p, mergeMethod: $m}) {
                   pullRequest { merged } } }""",
            {"p": pull_id, "m": method},
        )

    def issue_id(self, number: int, repo: RepoName | None = None) -> str:
        """An issue's node id."""
        target = repo or self.repo
        data = self.graphql(
            """query($o: String!, $n: String!, $i: Int!) { repository(owner: $o, name: $n) {
                 issue(number: $i) { id } } }""",
            {"o": target.owner, "n": target.name, "i": number},
        )
        return data["repository"]["issue"]["id"]

    def close_issue(self, number: int) -> None:
        """Close an issue as someone else would."""
        self.graphql(
            "mutation($i: ID!) { closeIssue(input: {issueId: $i}) { issue { state } } }",
            {"i": self.issue_id(number)},
        )

    def issue(self, number: int, repo: RepoName | None = None) -> dict[str, Any]:
        """An issue's state, labels and comment bodies."""
        target = repo or self.repo
        data = self.graphql(
            """query($o: String!, $n: String!, $i: Int!) { repository(owner: $o, name: $n) {
                 issue(number: $i) { state labels(first: 30) { nodes { name } }
                   comments(first: 50) { nodes { body } } } } }""",
            {"o": target.owner, "n": target.name, "i": number},
        )
        issue = data["repository"]["issue"]
        return {
            "state": issue["state"],
            "labels": {node["name"] for node in issue["labels"]["nodes"]},
            "comments": [node["body"] for node in issue["comments"]["nodes"]],
        }

    def refs(self, prefix: str = "refs/heads/", repo: RepoName | None = None) -> dict[str, str]:
        """Every ref under `prefix` on localhub (name relative to prefix) with its oid."""
        target = repo or self.repo
        return {
            name[len(prefix) :]: oid
            for name, oid in self.hub.state.refs_snapshot(target.owner, target.name).items()
            if name.startswith(prefix)
        }

    def pulls(self, repo: RepoName | None = None) -> list[dict[str, Any]]:
        """Every pull request with state, head and body."""
        target = repo or self.repo
        data = self.graphql(
            """query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
                 pullRequests(first: 100) { nodes { number state merged title headRefName body } } } }""",
            {"o": target.owner, "n": target.name},
        )
        return data["repository"]["pullRequests"]["nodes"]


def open_recovery_world(
    hub: LocalHub,
    token: str,
    tmp_path: Path,
    repos: list[str],
    *,
    extra_defaults: str = "",
    missing: tuple[str, ...] = (),
) -> RecoveryWorld:
    """Seed `repos` (except `missing`) on the hub, write a config for all of them and open a
    session whose clock runs LATER ahead."""
    for repo in repos:
        if repo not in missing and not hub.state.repository_exists(*repo.split("/")):
            seed_repo(hub, repo, ci=None)
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        config_text(hub.graphql_url, repos, extra_defaults=extra_defaults), encoding="utf-8"
    )
    paths = Paths.under(tmp_path / "soda")
    environ = {"PATH": os.environ.get("PATH", ""), TOKEN_ENV: token, "HOME": str(tmp_path)}
    import tomllib

    loaded = parse_config(tomllib.loads(config_file.read_text()), source=str(config_file))
    clock = FakeClock(datetime.now(UTC) + LATER)
    session = Session.open(config_file, environ=environ, paths=paths, config=loaded, clock=clock)
    return RecoveryWorld(hub, session, paths, token, RepoName.parse(repos[0]), clock, tmp_path)
