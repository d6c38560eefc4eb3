"""`soda-tui recover` and `soda-tui sync` as a user runs them: real processes, exit codes, --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from tests.integration.loop_support import TOKEN_ENV, config_text, seed_repo
from tests.integration.test_recovery_support import Crafter


class Cli:
    """The soda-tui command line against one localhub repository."""

    def __init__(self, hub: LocalHub, token: str, tmp_path: Path) -> None:
        seed_repo(hub, "acme/cli", ci=None)
        self.hub = hub
        self.home = tmp_path / "soda"
        config = tmp_path / "config.toml"
        config.write_text(config_text(hub.graphql_url, ["acme/cli"]), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
        env.update(
            {
                "HOME": str(tmp_path),
                "SODA_HOME": str(self.home),
                "SODA_CONFIG": str(config),
                TOKEN_ENV: token,
                "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_CONFIG_NOSYSTEM": "1",
            }
        )
        self.env = env
        self.crafter = Crafter(hub, token, RepoName("acme", "cli"), tmp_path / "craft")

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "soda_tui", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def json(self, *args: str) -> tuple[int, dict]:
        done = self(*args, "--json")
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, json.loads(done.stdout)

    def refs(self) -> dict[str, str]:
        return self.hub.state.refs_snapshot("acme", "cli")


@pytest.fixture
def cli(localhub: LocalHub, hub_token: str, tmp_path: Path) -> Cli:
    return Cli(localhub, hub_token, tmp_path)


def test_scan_lists_items_and_says_when_there_is_nothing(cli: Cli) -> None:
    empty = cli("recover")
    assert empty.returncode == 1 and "0 item(s)" in empty.stdout
    cli.crafter.branch("agent001/5-lost", 2)
    cli.crafter.branch("agent001/6-empty", 0)
    done = cli("recover")
    assert done.returncode == 0, done.stderr
    assert "[recoverable] agent001/5-lost · 2 ahead" in done.stdout
    assert "[empty] agent001/6-empty" in done.stdout and "can: archive/ignore" in done.stdout
    code, payload = cli.json("recover")
    assert code == 0 and payload["counts"] == {"acme/cli": 2}
    assert [i["kind"] for i in payload["repos"][0]["items"]] == ["recoverable", "empty"]
    assert payload["requests"] == 1


def test_show_gives_commits_and_diffstat(cli: Cli) -> None:
    cli.crafter.branch("agent001/5-lost", 2)
    code, payload = cli.json("recover", "show", "agent001/5-lost")
    assert code == 0
    assert [c["subject"] for c in payload["commits"]] == [
        "agent001/5-lost: step 2",
        "agent001/5-lost: step 1",
    ]
    assert payload["diffstat"]["added"] == 4 and len(payload["diffstat"]["files"]) == 2


def test_archive_needs_yes_then_tags_and_deletes(cli: Cli) -> None:
    head = cli.crafter.branch("agent001/6-empty", 0)
    before = cli.refs()
    refused = cli("recover", "archive", "agent001/6-empty")
    assert refused.returncode == 2 and cli.refs() == before
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "needs --yes" in lines[0]
    code, payload = cli.json("recover", "archive", "agent001/6-empty", "--yes")
    assert code == 0 and payload["results"][0]["deleted"] is True
    refs = cli.refs()
    assert refs["refs/tags/archive/agent001/6-empty"] == head
    assert "refs/heads/agent001/6-empty" not in refs


def test_bulk_is_a_dry_run_unless_applied_and_confirmed(cli: Cli) -> None:
    for number in (7, 8, 9):
        cli.crafter.branch(f"agent001/{number}-old", 1)
    cli.crafter.branch("work-3", 1)
    before = cli.refs()
    dry = cli("recover", "archive", "--match", "agent001/*")
    assert dry.returncode == 0 and "dry run: 3 step(s)" in dry.stdout
    assert "push tag archive/agent001/7-old" in dry.stdout and cli.refs() == before
    unconfirmed = cli("recover", "archive", "--match", "agent001/*", "--apply")
    assert unconfirmed.returncode == 2 and cli.refs() == before
    code, payload = cli.json("recover", "archive", "--match", "agent001/*", "--apply", "--yes")
    assert code == 0 and len(payload["results"]) == 3
    refs = cli.refs()
    for number in (7, 8, 9):
        branch = f"agent001/{number}-old"
        assert refs[f"refs/tags/archive/{branch}"] == before[f"refs/heads/{branch}"]
        assert f"refs/heads/{branch}" not in refs
    assert "refs/heads/work-3" in refs


def test_ignore_and_unignore(cli: Cli) -> None:
    cli.crafter.branch("agent001/6-empty", 0)
    assert cli("recover", "ignore", "agent001/6-empty").returncode == 0
    assert cli("recover").returncode == 1
    assert "(ignored)" in cli("recover", "--include-ignored").stdout
    done = cli("recover", "unignore", "agent001/6-empty")
    assert done.returncode == 0 and "acme/cli:agent001/6-empty" in done.stdout
    assert cli("recover").returncode == 0


def test_an_unknown_item_is_a_usage_error(cli: Cli) -> None:
    done = cli("recover", "pr", "agent001/404-nope")
    assert done.returncode == 2 and "no item 'agent001/404-nope'" in done.stderr


def test_sync_reports_a_corrupt_journal(cli: Cli) -> None:
    journal = cli.home / "state" / "journals" / "acme__cli.json"
    journal.parent.mkdir(parents=True)
    journal.write_text("{ broken")
    code, payload = cli.json("sync")
    assert code == 0 and payload["resolve"] == "github-wins"
    [difference] = payload["differences"]
    assert difference["subject"] == "journal" and "moved aside" in difference["done"]
    plain = cli("sync")
    assert plain.returncode == 0 and plain.stdout.startswith("in sync")
    assert cli("sync", "--resolve", "nobody-wins").returncode == 2
