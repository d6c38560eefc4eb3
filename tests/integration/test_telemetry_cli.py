"""The command line: each command leaves its trace on disk, and `status --metrics` reads them back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from soda_tui.localhub import LocalHub
from soda_tui.telemetry.jsonl import read_records
from soda_tui.telemetry.metrics import group_traces
from tests.integration.loop_support import TOKEN_ENV, config_text, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


def soda(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soda_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
        check=False,
    )


@pytest.fixture
def cli_env(localhub: LocalHub, hub_token: str, tmp_path: Path) -> dict[str, str]:
    seed_repo(localhub, "acme/cli")
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(localhub.graphql_url, ["acme/cli"], agent=FAST_DEMO), encoding="utf-8"
    )
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "SODA_HOME": str(tmp_path / "soda"),
        "SODA_CONFIG": str(config),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        TOKEN_ENV: hub_token,
    }


def test_metrics_survive_the_processes_that_made_them(
    localhub: LocalHub, cli_env: dict[str, str], tmp_path: Path
) -> None:
    empty = soda(["status", "--metrics"], cli_env, tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.splitlines()[0] == "issues landed          0"

    number = localhub.state.create_issue("acme", "cli", "Add a flag", labels=["route:ready"])
    for command in ("pop", "run", "bottle"):
        done = soda([command, "--quiet"] if command == "run" else [command], cli_env, tmp_path)
        assert done.returncode == 0, f"{command}: {done.stderr}"
    assert localhub.ci.wait_idle(60)
    landed = soda(["land"], cli_env, tmp_path)
    assert landed.returncode == 0, landed.stderr

    traces = group_traces(read_records(tmp_path / "soda" / "state" / "traces"))
    commands = {view.command for view in traces}
    assert {"pop", "run", "bottle", "land"} <= commands
    run_trace = next(view for view in traces if view.command == "run")
    assert run_trace.root.name == "soda-tui run"
    assert [span.name for span in run_trace.children(run_trace.root.span_id)] == ["run"]
    assert run_trace.named("agent run") and run_trace.issue == number

    report = soda(["status", "--metrics", "--json"], cli_env, tmp_path)
    assert report.returncode == 0, report.stderr
    metrics = json.loads(report.stdout)["metrics"]
    assert metrics["issues_landed"] == 1
    assert metrics["integration_success_rate"] == 1.0
    assert metrics["agent_runs"] == 1 and metrics["blocked_rate"] == 0.0
    assert metrics["time_to_land_median_s"] > 0
    assert metrics["run_duration_median_s"] > 0
    assert metrics["github_requests"] >= 8 and metrics["github_points"] >= 8
    assert metrics["repos"]["acme/cli"]["issues_landed"] == 1

    text = soda(["status", "--metrics", "--repo", "acme/cli"], cli_env, tmp_path)
    assert text.returncode == 0, text.stderr
    assert "issues landed          1" in text.stdout
    assert "blocked rate           0% (0 of 1 agent runs)" in text.stdout
    assert text.stdout.rstrip().splitlines()[-1].startswith("acme/cli: landed 1")


def test_metrics_with_a_broken_config_is_one_line_and_exit_2(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    Path(cli_env["SODA_CONFIG"]).write_text("[defaults\n", encoding="utf-8")
    broken = soda(["status", "--metrics"], cli_env, tmp_path)
    assert broken.returncode == 2
    lines = broken.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("soda-tui status: ")
    assert "Traceback" not in broken.stderr
