"""Helpers for the proof suites: the CLI as a user runs it, localhub read-outs, and the git checks
that prove no agent commit was lost."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soda_tui.agents.demo_agent import AUTHOR_EMAIL
from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.loop.blocking import BLOCKED_MARKER
from soda_tui.settings.paths import Paths
from tests.integration.loop_support import TOKEN_ENV, config_text, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'
# No CI script and allow_no_checks: a green PR lands in the same worker tick that bottled it.
NO_CHECKS = "allow_no_checks = true"
LANDED_MARKER_PREFIX = "<!-- soda-tui:landed"
# Read-outs run as this localhub user, so they never spend the budget of the user under test.
OBSERVER = "proof-observer"


def git(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real git binary, isolated from the user's configuration."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=check, timeout=60
    )


@dataclass
class CliWorld:
    """A localhub, one seeded repository and the environment that points `soda-tui` at them."""

    hub: LocalHub
    repo: RepoName
    token: str
    root: Path
    config: Path
    home: Path
    env: dict[str, str]

    @property
    def paths(self) -> Paths:
        """The directories the soda-tui processes of this world write to."""
        return Paths.under(self.home)

    @property
    def workspace(self) -> Path:
        """The clone soda-tui owns for the repository."""
        return self.paths.workspace(str(self.repo))

    @property
    def journal_file(self) -> Path:
        """The repository's action journal."""
        return self.paths.journal(str(self.repo))

    def soda(
        self, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run `python -m soda_tui ARGS` in a scratch directory and wait for it."""
        return run_soda(list(args), {**self.env, **(extra_env or {})}, self.root, timeout)

    def create_issue(
        self, title: str, body: str = "", labels: tuple[str, ...] = ("route:ready",)
    ) -> int:
        """Queue a new issue on localhub."""
        return self.hub.state.create_issue(self.repo.owner, self.repo.name, title, body, labels)

    def view(self) -> HubView:
        """Read-outs of this world's repository."""
        return HubView(self.hub, self.repo)


def run_soda(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a separate process, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "soda_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def cli_env(root: Path, token: str, config: Path) -> dict[str, str]:
    """An environment with nothing of the user's: own HOME, SODA_HOME, config and token."""
    home = root / "home"
    home.mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GH_TOKEN", "GITHUB_TOKEN", "SODA_CONFIG", "SODA_HOME")
        and not key.startswith("SODA_FAULT")
    }
    env.update(
        {
            "HOME": str(home),
            "SODA_HOME": str(root / "soda"),
            "SODA_CONFIG": str(config),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            TOKEN_ENV: token,
        }
    )
    return env


def make_cli_world(
    hub: LocalHub,
    token: str,
    root: Path,
    repo: str,
    *,
    agent: str = FAST_DEMO,
    ci: str | None = None,
    extra_defaults: str = NO_CHECKS,
    files: dict[str, str] | None = None,
) -> CliWorld:
    """Seed `repo` on the hub and write a config for it under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    name = seed_repo(hub, repo, ci=ci, files=files)
    config = root / "config.toml"
    config.write_text(
        config_text(hub.graphql_url, [repo], agent=agent, extra_defaults=extra_defaults),
        encoding="utf-8",
    )
    return CliWorld(hub, name, token, root, config, root / "soda", cli_env(root, token, config))


class HubView:
    """What localhub holds for one repository, read through its own GraphQL executor."""

    def __init__(self, hub: LocalHub, repo: RepoName) -> None:
        self.hub = hub
        self.repo = repo

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a query as an observer of its own (its own budget, not the client under test's)."""
        outcome = self.hub.state.execute_graphql(
            query, {"o": self.repo.owner, "n": self.repo.name, **(variables or {})}, None, OBSERVER
        )
        assert not outcome.body.get("errors"), outcome.body["errors"]
        return outcome.body["data"]["repository"]

    def issue(self, number: int) -> dict[str, Any]:
        """State, labels and comment bodies of an issue."""
        issue = self.graphql(
            """query($o: String!, $n: String!, $i: Int!) { repository(owner: $o, name: $n) {
                 issue(number: $i) { state labels(first: 30) { nodes { name } }
                   comments(first: 100) { nodes { body } } } } }""",
            {"i": number},
        )["issue"]
        return {
            "state": issue["state"],
            "labels": {node["name"] for node in issue["labels"]["nodes"]},
            "comments": [node["body"] for node in issue["comments"]["nodes"]],
        }

    def issues(self) -> list[dict[str, Any]]:
        """Every issue with its number, state and labels."""
        nodes = self.graphql(
            """query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
                 issues(first: 100) { nodes { number state labels(first: 30) { nodes { name } } } }
               } }"""
        )["issues"]["nodes"]
        return [
            {
                "number": node["number"],
                "state": node["state"],
                "labels": {label["name"] for label in node["labels"]["nodes"]},
            }
            for node in nodes
        ]

    def pulls(self) -> list[dict[str, Any]]:
        """Every pull request with its head, state and merge commit."""
        return self.graphql(
            """query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
                 pullRequests(first: 100) { nodes { number state merged headRefName headRefOid
                   baseRefName body mergeCommit { oid } } } } }"""
        )["pullRequests"]["nodes"]

    def branches(self) -> set[str]:
        """Branch names on the hub."""
        return set(self.refs("refs/heads/"))

    def refs(self, prefix: str) -> dict[str, str]:
        """Ref names under `prefix` (without it) and the commit each points at."""
        bare = self.bare()
        listed = git("for-each-ref", "--format=%(refname) %(objectname)", prefix, cwd=bare).stdout
        return {
            name[len(prefix) :]: oid
            for name, oid in (line.split() for line in listed.splitlines() if line.strip())
        }

    def bare(self) -> Path:
        """The repository's bare git directory on the hub's disk."""
        path = self.hub.state.bare_repo_path(self.repo.owner, self.repo.name)
        assert path is not None
        return path


def agent_commits(workspace: Path, author_email: str = AUTHOR_EMAIL) -> set[str]:
    """Every commit object in the workspace (reachable or not) that the agent authored."""
    if not (workspace / ".git").exists():
        return set()
    listed = git(
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(objectname) %(objecttype)",
        cwd=workspace,
    ).stdout
    commits = [
        oid for oid, kind in (line.split() for line in listed.splitlines()) if kind == "commit"
    ]
    if not commits:
        return set()
    shown = git("show", "-s", "--format=%H %ae", *commits, cwd=workspace).stdout
    return {
        oid
        for oid, email in (line.split(" ", 1) for line in shown.splitlines())
        if email == author_email
    }


def lost_commits(view: HubView, commits: set[str]) -> list[str]:
    """Commits the hub does not keep: on no branch, no archive tag and in no merged pull request.

    A squash merge replaces the agent's commits on the default branch, so a commit also counts
    as kept when it is in the head of a merged pull request whose merge commit is on the
    default branch (GitHub keeps that head, and the change itself is in the merge).
    """
    bare = view.bare()
    merged = [
        (pull["headRefOid"], (pull.get("mergeCommit") or {}).get("oid"), pull["baseRefName"])
        for pull in view.pulls()
        if pull["merged"]
    ]
    lost = []
    for commit in sorted(commits):
        if git("cat-file", "-e", f"{commit}^{{commit}}", cwd=bare, check=False).returncode != 0:
            lost.append(commit)
            continue
        containing = git(
            "for-each-ref",
            "--contains",
            commit,
            "--format=%(refname)",
            "refs/heads/",
            "refs/tags/archive/",
            cwd=bare,
        ).stdout.split()
        if containing:
            continue
        if any(
            merge
            and _is_ancestor(bare, commit, head)
            and _is_ancestor(bare, merge, f"refs/heads/{base}")
            for head, merge, base in merged
        ):
            continue
        lost.append(commit)
    return lost


def _is_ancestor(bare: Path, ancestor: str, descendant: str) -> bool:
    result = git("merge-base", "--is-ancestor", ancestor, descendant, cwd=bare, check=False)
    return result.returncode == 0


def assert_landed_once(view: HubView, number: int) -> None:
    """The issue is closed by its one merged PR, with one landing comment and nothing else."""
    issue = view.issue(number)
    assert issue["state"] == "CLOSED", issue
    assert issue["labels"] == set(), issue
    landed = [body for body in issue["comments"] if body.startswith(LANDED_MARKER_PREFIX)]
    assert len(landed) == 1, issue["comments"]
    assert not [body for body in issue["comments"] if BLOCKED_MARKER in body], issue["comments"]
    assert len(issue["comments"]) == 1, issue["comments"]
    pulls = [pull for pull in view.pulls() if pull["headRefName"].startswith(f"agent001/{number}")]
    assert len(pulls) == 1, pulls
    assert pulls[0]["merged"] is True
    assert pulls[0]["headRefName"] not in view.branches()


def one_line(text: str) -> str:
    """The only non-empty line of `text` (a user-facing error), failing when there are more."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]
