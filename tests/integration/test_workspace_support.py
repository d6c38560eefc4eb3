"""Shared helpers (no tests) for the workspace tests: remotes on disk or on localhub, git CLI."""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from soda_tui.core.secrets import Secret
from soda_tui.git import Workspace

if TYPE_CHECKING:
    from soda_tui.localhub import LocalHub


def run_git(cwd: Path, env: dict[str, str], *args: str) -> str:
    """Run the git CLI (isolated from the user's config) and return its stdout."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout.strip()


@dataclass
class RemoteRepo:
    """A remote the workspace talks to, plus a git CLI that can see it the way a human would."""

    url: str
    token: Secret | None
    env: dict[str, str]
    scratch: Path
    _clones: int = field(default=0)

    def cli_env(self) -> dict[str, str]:
        """The git environment, with the token as an HTTP header for the CLI (tests only)."""
        if self.token is None:
            return dict(self.env)
        basic = base64.b64encode(f"x-access-token:{self.token.reveal()}".encode()).decode()
        return {
            **self.env,
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }

    def git(self, cwd: Path, *args: str) -> str:
        """Run git with access to the remote."""
        return run_git(cwd, self.cli_env(), *args)

    def ls_remote(self) -> dict[str, str]:
        """What `git ls-remote` shows: ref name to oid."""
        listing = self.git(self.scratch, "ls-remote", self.url)
        refs: dict[str, str] = {}
        for line in listing.splitlines():
            oid, name = line.split("\t")
            refs[name] = oid
        return refs

    def human_clone(self) -> Path:
        """A separate clone made by the git CLI, standing for someone else pushing."""
        self._clones += 1
        target = self.scratch / f"human-{self._clones}"
        self.git(self.scratch, "clone", "--quiet", self.url, str(target))
        return target

    def workspace(self, path: Path, **options: object) -> Workspace:
        """A Workspace on this remote."""
        return Workspace(path, self.url, self.token, **options)  # type: ignore[arg-type]


def commit_file(env: dict[str, str], repo: Path, name: str, content: str, message: str) -> str:
    """Write a file, commit it with the git CLI and return the new HEAD oid."""
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)
    run_git(repo, env, "add", name)
    run_git(repo, env, "commit", "--quiet", "-m", message)
    return run_git(repo, env, "rev-parse", "HEAD")


def bare_remote(tmp_path: Path, env: dict[str, str]) -> RemoteRepo:
    """A bare repository served by path, with one commit on main."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    bare = tmp_path / "remote.git"
    run_git(tmp_path, env, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = scratch / "seed"
    run_git(tmp_path, env, "clone", "--quiet", str(bare), str(seed))
    run_git(seed, env, "checkout", "--quiet", "-b", "main")
    commit_file(env, seed, "README.md", "# api\n", "Initial commit")
    run_git(seed, env, "push", "--quiet", "origin", "main")
    return RemoteRepo(url=str(bare), token=None, env=env, scratch=scratch)


def hub_remote(
    hub: LocalHub, token: str, tmp_path: Path, env: dict[str, str], full_name: str = "acme/api"
) -> RemoteRepo:
    """A repository on a running localhub (git smart HTTP with token auth), one commit on main."""
    owner, _, name = full_name.partition("/")
    hub.state.create_repository(owner, name, default_branch="main", files={"README.md": "# api\n"})
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return RemoteRepo(url=hub.git_url(owner, name), token=Secret(token), env=env, scratch=scratch)
