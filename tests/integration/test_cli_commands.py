"""The subcommands as a user runs them: real processes, exit codes, --json, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from soda_tui.localhub import LocalHub
from tests.integration.loop_support import TOKEN_ENV, config_text, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


def soda(args: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soda_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GH_TOKEN", "GITHUB_TOKEN", "SODA_CONFIG", "SODA_HOME")
    }
    env.update(
        {
            "HOME": str(home),
            "SODA_HOME": str(tmp_path / "soda"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": os.environ["PATH"],
        }
    )
    return env


@pytest.fixture
def configured(localhub: LocalHub, hub_token: str, tmp_path: Path, cli_env: dict[str, str]):
    seed_repo(localhub, "acme/cli")
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(localhub.graphql_url, ["acme/cli"], agent=FAST_DEMO), encoding="utf-8"
    )
    env = {**cli_env, TOKEN_ENV: hub_token, "SODA_CONFIG": str(config)}
    return env, config


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_the_loop_through_the_command_line(localhub: LocalHub, configured, tmp_path: Path) -> None:
    env, _config = configured
    empty = soda(["peek", "--json"], env=env, cwd=tmp_path)
    assert empty.returncode == 1, empty.stderr
    assert json.loads(empty.stdout)["issue"] is None

    number = localhub.state.create_issue("acme", "cli", "Add a flag", labels=["route:ready"])
    popped = soda(["pop", "--json"], env=env, cwd=tmp_path)
    assert popped.returncode == 0, popped.stderr
    assert json.loads(popped.stdout)["issue"]["number"] == number
    again = soda(["pop"], env=env, cwd=tmp_path)
    assert again.returncode == 1 and "already being worked" in again.stdout

    ran = soda(["run", "--quiet"], env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    bottled = soda(["bottle", "--json"], env=env, cwd=tmp_path)
    assert bottled.returncode == 0 and json.loads(bottled.stdout)["pull_request"]["number"] > number
    assert localhub.ci.wait_idle(60)
    status = soda(["status", "--json"], env=env, cwd=tmp_path)
    assert status.returncode == 0
    board = json.loads(status.stdout)["repos"][0]
    assert board["review"] == 1 and board["pull_requests"][0]["checks"] == "SUCCESS"
    landed = soda(["land"], env=env, cwd=tmp_path)
    assert landed.returncode == 0 and "landed" in landed.stdout
    nothing = soda(["land"], env=env, cwd=tmp_path)
    assert nothing.returncode == 1


def test_missing_token_is_a_config_error(configured, tmp_path: Path) -> None:
    env, _ = configured
    env = {k: v for k, v in env.items() if k != TOKEN_ENV}
    env["PATH"] = str(tmp_path / "empty-bin")  # no `gh` either
    result = soda(["status"], env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert "GH_TOKEN" in line


def test_bad_token_says_bad_credentials(configured, tmp_path: Path) -> None:
    env, _ = configured
    env[TOKEN_ENV] = "not-the-token"
    result = soda(["peek"], env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "credentials" in _one_line(result.stderr).lower()
    assert "not-the-token" not in result.stderr + result.stdout


def test_malformed_and_mistyped_config(cli_env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[defaults\nagent = 'demo'\n", encoding="utf-8")
    result = soda(["status", "--config", str(broken)], env=cli_env, cwd=tmp_path)
    assert result.returncode == 2 and str(broken) in _one_line(result.stderr)

    mistyped = tmp_path / "mistyped.toml"
    mistyped.write_text('[defaults]\nmerge_method = "fast-forward"\n', encoding="utf-8")
    result = soda(
        ["status", "--config", str(mistyped)], env={**cli_env, TOKEN_ENV: "x"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "merge_method" in result.stderr and "Traceback" not in result.stderr


def test_unknown_repository(configured, tmp_path: Path) -> None:
    env, _ = configured
    result = soda(["peek", "--repo", "nobody/nothing"], env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "nobody/nothing" in _one_line(result.stderr)


def test_repository_missing_on_github(
    localhub: LocalHub, hub_token: str, cli_env, tmp_path: Path
) -> None:
    config = tmp_path / "gone.toml"
    config.write_text(config_text(localhub.graphql_url, ["acme/gone"]), encoding="utf-8")
    env = {**cli_env, TOKEN_ENV: hub_token}
    result = soda(["peek", "--config", str(config)], env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "acme/gone" in _one_line(result.stderr)


def test_agent_command_not_found_keeps_the_claim(
    localhub: LocalHub, hub_token: str, cli_env, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/noagent")
    config = tmp_path / "noagent.toml"
    config.write_text(
        config_text(
            localhub.graphql_url,
            ["acme/noagent"],
            agent='{ command = ["no-such-agent-xyz", "{prompt_file}"] }',
        ),
        encoding="utf-8",
    )
    env = {**cli_env, TOKEN_ENV: hub_token, "SODA_CONFIG": str(config)}
    number = localhub.state.create_issue("acme", "noagent", "Do it", labels=["route:ready"])
    assert soda(["pop"], env=env, cwd=tmp_path).returncode == 0
    result = soda(["run", "--quiet"], env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "no-such-agent-xyz" in _one_line(result.stderr)
    issue = localhub.state.execute_graphql(
        'query($n: Int!) { repository(owner: "acme", name: "noagent") { issue(number: $n) {'
        " labels(first: 10) { nodes { name } } comments(first: 5) { totalCount } } } }",
        {"n": number},
        None,
        "soda-dev",
    ).body["data"]["repository"]["issue"]
    assert [n["name"] for n in issue["labels"]["nodes"]] == ["agent001"]
    assert issue["comments"]["totalCount"] == 0


def test_init_creates_labels_and_adds_the_repo(
    localhub: LocalHub, hub_token: str, cli_env, tmp_path: Path
) -> None:
    localhub.state.create_repository("acme", "fresh")
    config = tmp_path / "init.toml"
    config.write_text(
        f'# my settings\n[github]\napi_url = "{localhub.graphql_url}"\ntoken_env = "{TOKEN_ENV}"\n',
        encoding="utf-8",
    )
    env = {**cli_env, TOKEN_ENV: hub_token}
    first = soda(["init", "acme/fresh", "--config", str(config), "--json"], env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert "agent001" in report["labels_created"] and report["default_branch"] == "main"
    assert 'name = "acme/fresh"' in config.read_text() and "# my settings" in config.read_text()
    second = soda(["init", "acme/fresh", "--config", str(config), "--json"], env=env, cwd=tmp_path)
    assert json.loads(second.stdout)["labels_created"] == []
    assert config.read_text().count('name = "acme/fresh"') == 1
