"""`soda-tui localhub` as a real subprocess: prints its URLs, serves, stops cleanly on signals."""

from __future__ import annotations

import functools
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

# Generous timeouts: the machine is shared, and slowness is not what these tests check.
http_post = functools.partial(httpx.post, timeout=30.0)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def start_command(args: list[str], env_extra: dict[str, str]) -> subprocess.Popen[str]:
    """Start `python -m soda_tui.localhub.command` with `args`."""
    env = {key: value for key, value in os.environ.items() if key != "SODA_LOCALHUB_TOKEN"}
    env.update(env_extra)
    return subprocess.Popen(
        [sys.executable, "-m", "soda_tui.localhub.command", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def graphql_url_from(process: subprocess.Popen[str]) -> str:
    """Read stdout until the GraphQL URL line and return the URL."""
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"GraphQL: (http://127\.0\.0\.1:\d+/graphql)", line)
        if found:
            return found.group(1)
    raise AssertionError("localhub exited without printing its GraphQL URL")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_command_serves_then_stops_cleanly_on_signal(tmp_path: Path, signum: int) -> None:
    token = "cmd-token-" + secrets.token_hex(8)
    process = start_command(
        ["--port", "0", "--data-dir", str(tmp_path / "hub"), "--login", "octo"],
        {"SODA_LOCALHUB_TOKEN": token},
    )
    try:
        url = graphql_url_from(process)
        response = http_post(
            url,
            json={"query": "query Viewer { viewer { login } }"},
            headers={"Authorization": f"bearer {token}"},
        )
        assert response.json() == {"data": {"viewer": {"login": "octo"}}}
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "stopping" in stdout
    # Requests leave no noise on stderr, and the token is never printed when it was given.
    assert stderr == ""
    assert token not in stdout
    assert (tmp_path / "hub" / "localhub.sqlite3").exists()


def test_command_generates_and_prints_a_token_once_when_none_is_given(tmp_path: Path) -> None:
    process = start_command(["--port", "0", "--data-dir", str(tmp_path / "hub")], {})
    try:
        url = graphql_url_from(process)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    found = re.search(r"generated token: (\S+)", stderr)
    assert found is not None
    assert stderr.count(found.group(1)) == 1
    assert url.startswith("http://127.0.0.1:")


def test_command_reports_a_taken_port_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "soda_tui.localhub.command",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path / "hub"),
                "--token",
                "taken-port-token",
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "choose another --port" in result.stderr
    assert "Traceback" not in result.stderr
