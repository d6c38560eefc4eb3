"""`soda-tui` with a config or token problem: one clear line on stderr, exit 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def launch(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real entry point in a clean environment (no token, no gh, no user config)."""
    environ = {
        "HOME": str(tmp_path),
        "PATH": os.path.dirname(sys.executable),  # python only: no `gh` to ask for a token
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "soda_tui", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def write_config(path: Path, body: str) -> Path:
    path.write_text('[github]\napi_url = "http://127.0.0.1:9/graphql"\n' + body, encoding="utf-8")
    return path


def assert_one_line_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("soda-tui: ")
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0]


def test_a_missing_config_file_is_one_line(tmp_path: Path) -> None:
    result = launch(tmp_path, "--config", str(tmp_path / "nowhere.toml"))
    assert_one_line_exit_2(result, "nowhere.toml")


def test_a_broken_config_names_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", "[defaults]\npoll_seconds = 1\n")
    result = launch(tmp_path, "--config", str(config))
    assert_one_line_exit_2(result, "poll_seconds")


def test_no_token_says_where_it_looked(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", '[[repos]]\nname = "acme/api"\n')
    result = launch(tmp_path, "--config", str(config))
    assert_one_line_exit_2(result, "GH_TOKEN")


@pytest.mark.parametrize("token_var", ["GH_TOKEN"])
def test_no_repositories_points_at_init(tmp_path: Path, token_var: str) -> None:
    config = write_config(tmp_path / "config.toml", "")
    result = launch(tmp_path, "--config", str(config), env={token_var: "secret-value-123"})
    assert_one_line_exit_2(result, "no repositories are configured", "soda-tui init")
    assert "secret-value-123" not in result.stderr
