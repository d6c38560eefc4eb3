"""The token is never written anywhere: after a full run through the CLI and the worker, and after
failing commands, no file, git object, log, journal, trace or output holds it in any form."""

from __future__ import annotations

import base64
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from soda_tui.localhub import LocalHub
from tests.integration.loop_support import TOKEN_ENV
from tests.proof.support import CliWorld, assert_landed_once, git, make_cli_world, one_line

# Shaped like a real personal access token, so anything that pattern-matches tokens sees one.
TOKEN = "ghp_" + secrets.token_hex(18)
BAD_TOKEN = "ghp_" + secrets.token_hex(18)
TELLTALE_AGENT = """#!/usr/bin/env bash
# Print everything an agent could see: its environment and the workspace's git settings.
env | sort
git config --list --show-origin
cat .git/config
echo "notes for $SODA_ISSUE_NUMBER" > "notes-$SODA_ISSUE_NUMBER.txt"
git add . && git -c user.name=a -c user.email=agent@proof.invalid commit -qm "work"
"""


def _forms(token: str) -> list[bytes]:
    """The token as text and as it would appear in an HTTP basic or bearer header."""
    return [
        token.encode(),
        base64.b64encode(f"x-access-token:{token}".encode()),
        base64.b64encode(token.encode()),
        base64.b64encode(f"{token}:".encode()),
        base64.b64encode(f"{token}:x-oauth-basic".encode()),
    ]


def _git_dirs(root: Path) -> list[Path]:
    """Every git directory under `root`: workspaces' .git and localhub's bare repositories."""
    return sorted(
        {path.parent for path in root.rglob("HEAD") if (path.parent / "objects").is_dir()}
    )


def _leaks(root: Path, token: str) -> list[str]:
    """Where under `root` the token appears: file bytes, and every git object uncompressed."""
    forms = _forms(token)
    found = [
        str(path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and any(f in path.read_bytes() for f in forms)
    ]
    for git_dir in _git_dirs(root):
        objects = subprocess.run(
            ["git", "--git-dir", str(git_dir), "cat-file", "--batch-all-objects", "--batch"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        if any(form in objects for form in forms):
            found.append(f"{git_dir} (inside a git object)")
    return found


@pytest.fixture
def world(localhub_factory: Callable[..., LocalHub], tmp_path: Path) -> CliWorld:
    hub = localhub_factory(ci=False, token=TOKEN)
    agent = tmp_path / "telltale-agent.sh"
    agent.write_text(TELLTALE_AGENT, encoding="utf-8")
    agent.chmod(0o755)
    return make_cli_world(hub, TOKEN, tmp_path, "acme/vault", agent=f'{{ command = ["{agent}"] }}')


def test_the_token_appears_nowhere_after_a_full_run_and_failing_commands(world: CliWorld) -> None:
    outputs: list[str] = []

    def soda(*args: str, expect: int = 0, **env: str) -> subprocess.CompletedProcess[str]:
        result = world.soda(*args, extra_env=env or None)
        outputs.extend([result.stdout, result.stderr])
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        return result

    first = world.create_issue("Keep the secret", "Do not print tokens.")
    soda("peek")
    soda("pop", "--json")
    ran = soda("run")  # the agent's whole output is echoed to stderr
    assert "SODA_ISSUE_NUMBER=" in ran.stderr  # the telltale agent really dumped its environment
    soda("bottle", "--json")
    soda("status", "--json")
    soda("land")
    second = world.create_issue("Keep it again")
    soda("worker", "--ticks", "1", "--json")
    for number in (first, second):
        assert_landed_once(world.view(), number)

    # Failing commands: a wrong token, an unknown repository, a repository GitHub lacks.
    refused = soda("peek", expect=2, **{TOKEN_ENV: BAD_TOKEN})
    assert "credentials" in one_line(refused.stderr).lower()
    assert not _leaks_in_text(refused.stdout + refused.stderr, BAD_TOKEN)
    soda("pop", "--repo", "nobody/nothing", expect=2)
    soda("land", "--json", "--repo", "nobody/nothing", expect=2)
    missing = world.root / "missing.toml"
    missing.write_text(
        world.config.read_text(encoding="utf-8").replace("acme/vault", "acme/gone"),
        encoding="utf-8",
    )
    gone = soda("bottle", "--config", str(missing), expect=2)
    assert "acme/gone was not found" in one_line(gone.stderr)
    soda("worker", "--ticks", "1", "--config", str(missing))

    for text in outputs:
        assert not _leaks_in_text(text, TOKEN), text[:500]
    # The soda home (workspace and its .git, journal, run logs, traces), HOME, the config and
    # localhub's data dir all live under the test's root.
    assert (world.workspace / ".git").is_dir() and world.journal_file.exists()
    assert list(world.paths.runs_dir.rglob("agent.log"))
    assert _git_dirs(world.root)
    assert _leaks(world.root, TOKEN) == []
    # The git remote holds no credential either.
    remote = git("remote", "get-url", "origin", cwd=world.workspace).stdout.strip()
    assert "@" not in remote and remote == world.hub.git_url("acme", "vault")


def _leaks_in_text(text: str, token: str) -> bool:
    data = text.encode()
    return any(form in data for form in _forms(token))


def test_the_scanner_finds_a_token_in_a_file_and_inside_a_git_object(tmp_path: Path) -> None:
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "log.txt").write_text(f"Authorization: bearer {TOKEN}\n", encoding="utf-8")
    assert _leaks(planted, TOKEN) == [str(planted / "log.txt")]
    (planted / "log.txt").unlink()
    repo = planted / "repo"
    git("init", "-q", str(repo), cwd=planted)
    (repo / "secret.txt").write_text(TOKEN, encoding="utf-8")
    git("add", "secret.txt", cwd=repo)
    (repo / "secret.txt").unlink()  # only the compressed object keeps it now
    assert _leaks(planted, TOKEN) == [f"{repo / '.git'} (inside a git object)"]
    header = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert _leaks_in_text(header, TOKEN)
