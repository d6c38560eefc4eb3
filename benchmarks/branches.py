"""Agent branches for benchmarks: many `agent001/<n>-task-<n>` branches pushed in one `git push`."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub

COMMIT_TIME = "1700000000 +0000"
IDENTITY = "Bench Agent <bench-agent@soda.invalid>"


def git_environment(token: str, home: Path) -> dict[str, str]:
    """git that ignores the user's config, never prompts, and sends `token` as basic auth."""
    home.mkdir(parents=True, exist_ok=True)
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    environ.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            # The header lives in the environment, so the token never lands in .git/config.
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }
    )
    return environ


def _git(cwd: Path, environ: dict[str, str], *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=environ, input=stdin, capture_output=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {args[0]} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode().strip()


def _fast_import_stream(base: str, numbers: range) -> bytes:
    """One commit per branch, each adding its own notes file on top of `base`."""
    chunks: list[bytes] = []
    for number in numbers:
        message = f"Work on task {number} (#{number})\n".encode()
        content = f"# Task {number}\n\nNotes the agent left behind.\n".encode()
        chunks += [
            f"commit refs/heads/agent001/{number}-task-{number}\n".encode(),
            f"committer {IDENTITY} {COMMIT_TIME}\n".encode(),
            f"data {len(message)}\n".encode(),
            message,
            f"from {base}\n".encode(),
            f"M 100644 inline notes/issue-{number}.md\n".encode(),
            f"data {len(content)}\n".encode(),
            content,
            b"\n",
        ]
    return b"".join(chunks)


def push_agent_branches(
    hub: LocalHub, repo: RepoName, count: int, scratch: Path, *, first_issue: int = 1
) -> int:
    """Push `count` agent branches (one commit ahead each) in one `git push`; returns the count."""
    if count <= 0:
        return 0
    environ = git_environment(hub.token.reveal(), scratch / "git-home")
    clone = scratch / f"scratch-{repo.owner}-{repo.name}"
    url = hub.git_url(repo.owner, repo.name)
    _git(scratch, environ, "clone", "--quiet", url, str(clone))
    base = _git(clone, environ, "rev-parse", "HEAD")
    numbers = range(first_issue, first_issue + count)
    _git(clone, environ, "fast-import", "--quiet", stdin=_fast_import_stream(base, numbers))
    _git(clone, environ, "push", "--quiet", "origin", "refs/heads/agent001/*:refs/heads/agent001/*")
    return count
