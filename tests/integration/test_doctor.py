"""doctor against localhub and real files: a clean bill of health, then each failure it detects."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from soda_tui.core.clock import FakeClock
from soda_tui.core.models import RepoName
from soda_tui.core.secrets import Secret
from soda_tui.doctor.checks import DoctorReport, check_permission
from soda_tui.doctor.run import run_doctor
from soda_tui.git.workspace import Workspace
from soda_tui.localhub import LocalHub
from soda_tui.loop.results import Exit
from soda_tui.recovery.locks import lock_path
from soda_tui.settings.paths import Paths
from tests.integration.loop_support import TOKEN_ENV, config_text, seed_repo

NO_GH = ("soda-test-no-such-gh",)


class Doctor:
    """Runs doctor on a config file with a controlled environment."""

    def __init__(self, hub: LocalHub, token: str, tmp_path: Path) -> None:
        self.hub = hub
        self.token = token
        self.tmp = tmp_path
        self.config = tmp_path / "config.toml"
        self.paths = Paths.under(tmp_path / "soda", config_file=self.config)
        self.env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), TOKEN_ENV: token}

    def write(self, repos: list[str], *, api_url: str | None = None, agent: str = "demo") -> None:
        self.config.write_text(config_text(api_url or self.hub.graphql_url, repos, agent=agent))

    async def run(self, **env: str) -> DoctorReport:
        environ = {**self.env, **env}
        return await run_doctor(
            self.config, environ=environ, paths=self.paths, clock=FakeClock(), gh_command=NO_GH
        )


def failed(report: DoctorReport) -> dict[str, str]:
    return {f"{c.name} {c.repo or ''}".strip(): f"{c.detail} | {c.fix}" for c in report.failures}


@pytest.fixture
def doctor(localhub: LocalHub, hub_token: str, tmp_path: Path) -> Doctor:
    seed_repo(localhub, "acme/api", ci=None)
    made = Doctor(localhub, hub_token, tmp_path)
    made.write(["acme/api"])
    return made


async def test_all_checks_pass(doctor: Doctor) -> None:
    report = await doctor.run()
    assert failed(report) == {} and report.exit_code == Exit.DONE
    names = [check.name for check in report.checks]
    for expected in (
        "config",
        "git",
        "token",
        "endpoint",
        "token valid",
        "access",
        "labels",
        "workspace",
        "locks",
        "agent",
    ):
        assert expected in names
    token = next(check for check in report.checks if check.name == "token")
    assert token.detail == f"found in ${TOKEN_ENV}"
    assert report.lines()[-1] == "all checks passed"
    assert doctor.token not in json.dumps(report.to_json())


async def test_an_invalid_config_fails_with_the_file_and_line(doctor: Doctor) -> None:
    doctor.config.write_text("[github\napi_url = 1\n")
    report = await doctor.run()
    problems = failed(report)
    assert (
        "invalid TOML at line 1" in problems["config"] and str(doctor.config) in problems["config"]
    )
    assert report.exit_code == Exit.NOTHING


async def test_a_missing_token_says_where_it_looked(doctor: Doctor) -> None:
    report = await doctor.run(**{TOKEN_ENV: ""})
    problem = failed(report)["token"]
    assert "GH_TOKEN" in problem and "export GH_TOKEN" in problem


async def test_a_rejected_token(doctor: Doctor) -> None:
    report = await doctor.run(**{TOKEN_ENV: "not-the-right-token"})
    problems = failed(report)
    assert "token valid" in problems and "create a new token" in problems["token valid"]
    assert "not-the-right-token" not in json.dumps(report.to_json())


async def test_an_unreachable_endpoint(doctor: Doctor) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    doctor.write(["acme/api"], api_url=f"http://127.0.0.1:{port}/graphql")
    problems = failed(await doctor.run())
    assert "check [github] api_url" in problems["endpoint"]


async def test_missing_labels_and_repositories(doctor: Doctor) -> None:
    doctor.hub.state.create_repository("acme", "bare", files={"README.md": "x\n"})
    doctor.write(["acme/api", "acme/bare", "acme/ghost"])
    problems = failed(await doctor.run())
    assert "route:ready" in problems["labels acme/bare"]
    assert "run `soda-tui init acme/bare`" in problems["labels acme/bare"]
    assert "not found" in problems["access acme/ghost"]
    assert "labels acme/api" not in problems


def test_read_only_access_fails_with_the_scope_to_add() -> None:
    check = check_permission("acme/api", "READ")
    assert not check.ok and check.detail == "the token can only read the repository"
    assert "repo scope" in check.fix
    assert check_permission("acme/api", "WRITE").ok and not check_permission("acme/api", None).ok


async def test_a_workspace_of_another_remote(doctor: Doctor) -> None:
    seed_repo(doctor.hub, "acme/other", ci=None)
    wrong = Workspace(
        doctor.paths.workspace("acme/api"),
        doctor.hub.git_url("acme", "other"),
        Secret(doctor.token),
    )
    wrong.ensure_clone()
    problem = failed(await doctor.run())["workspace acme/api"]
    assert "acme/other.git" in problem and "move" in problem


async def test_stray_locks(doctor: Doctor) -> None:
    workspace = Workspace(
        doctor.paths.workspace("acme/api"), doctor.hub.git_url("acme", "api"), Secret(doctor.token)
    )
    workspace.ensure_clone()
    (workspace.path / ".git" / "index.lock").write_text("")
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lock = lock_path(doctor.paths.state_dir, RepoName("acme", "api"))
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps({"pid": int(done.stdout), "host": socket.gethostname()}))
    report = await doctor.run()
    lock_checks = [c for c in report.failures if c.name == "locks"]
    assert len(lock_checks) == 2
    assert any("soda-tui sync" in c.fix for c in lock_checks)
    assert any("index.lock" in c.detail for c in lock_checks)


async def test_git_not_on_path(doctor: Doctor) -> None:
    report = await doctor.run(PATH=str(doctor.tmp / "empty-bin"))
    assert failed(report)["git"].startswith("git is not on PATH")


async def test_an_agent_that_is_not_installed(doctor: Doctor) -> None:
    doctor.write(["acme/api"], agent='{ command = ["soda-test-no-such-agent", "{prompt_file}"] }')
    problem = failed(await doctor.run())["agent acme/api"]
    assert "'soda-test-no-such-agent' was not found on PATH" in problem
    assert "fix the agent command" in problem


def test_the_cli_exits_1_on_a_failure_and_0_when_healthy(doctor: Doctor) -> None:
    env = {
        **os.environ,
        **doctor.env,
        "SODA_HOME": str(doctor.tmp / "soda"),
        "SODA_CONFIG": str(doctor.config),
        "GH_TOKEN": "",
        "GITHUB_TOKEN": "",
    }
    run = [sys.executable, "-m", "soda_tui", "doctor"]
    healthy = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert healthy.stdout.strip().endswith("all checks passed")
    doctor.write(["acme/api"], agent='{ command = ["soda-test-no-such-agent"] }')
    broken = subprocess.run([*run, "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    payload = json.loads(broken.stdout)
    assert payload["ok"] is False
    assert [c["check"] for c in payload["checks"] if not c["ok"]] == ["agent"]
    assert "Traceback" not in broken.stderr
