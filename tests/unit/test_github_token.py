"""Token discovery: the documented order, a real `gh` subprocess, and messages that never leak."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from soda_tui.github.errors import MissingToken
from soda_tui.github.token import discover_token, find_token

GH_TOKEN_VALUE = "ghp_fromGhCli0123456789"


def _fake_gh(directory: Path, *, exit_code: int = 0, output: str = GH_TOKEN_VALUE) -> Path:
    """Write an executable `gh` that prints `output` for `gh auth token` and exits `exit_code`."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "gh"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "if sys.argv[1:] != ['auth', 'token']:\n"
        "    sys.exit(2)\n"
        f"print({output!r})\n"
        f"sys.exit({exit_code})\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _env(path_dirs: list[Path], **variables: str) -> dict[str, str]:
    """An environment whose PATH holds only `path_dirs` (so the real gh is never found)."""
    return {"PATH": os.pathsep.join(str(d) for d in path_dirs), **variables}


def test_gh_token_wins_over_everything(tmp_path: Path) -> None:
    _fake_gh(tmp_path / "bin")
    env = _env([tmp_path / "bin"], GH_TOKEN="ghp_first", GITHUB_TOKEN="ghp_second", MINE="x1234")
    found = find_token("MINE", environ=env)
    assert found.token.reveal() == "ghp_first"
    assert found.source.describe() == "$GH_TOKEN"


def test_github_token_comes_second(tmp_path: Path) -> None:
    _fake_gh(tmp_path / "bin")
    env = _env([tmp_path / "bin"], GITHUB_TOKEN="ghp_second")
    found = find_token(environ=env)
    assert found.token.reveal() == "ghp_second"
    assert found.source.name == "GITHUB_TOKEN"


def test_blank_variables_are_skipped(tmp_path: Path) -> None:
    env = _env([tmp_path / "empty"], GH_TOKEN="  ", GITHUB_TOKEN="", MINE="ghp_mine")
    assert discover_token("MINE", environ=env).reveal() == "ghp_mine"


def test_gh_auth_token_runs_the_real_gh_on_path(tmp_path: Path) -> None:
    _fake_gh(tmp_path / "bin")
    env = _env([tmp_path / "bin"], MINE="ghp_mine")
    found = find_token("MINE", environ=env)
    assert found.token.reveal() == GH_TOKEN_VALUE
    assert found.source.kind == "gh"
    assert found.source.describe() == "`gh auth token`"


def test_gh_failing_falls_through_to_token_env(tmp_path: Path) -> None:
    _fake_gh(tmp_path / "bin", exit_code=4, output="")
    env = _env([tmp_path / "bin"], MINE="ghp_mine")
    found = find_token("MINE", environ=env)
    assert found.token.reveal() == "ghp_mine"
    assert found.source.describe() == "$MINE"


def test_gh_printing_nothing_falls_through(tmp_path: Path) -> None:
    _fake_gh(tmp_path / "bin", output="")
    env = _env([tmp_path / "bin"], MINE="ghp_mine")
    assert discover_token("MINE", environ=env).reveal() == "ghp_mine"


def test_missing_gh_is_skipped_quietly(tmp_path: Path) -> None:
    env = _env([tmp_path / "nothing-here"], MINE="ghp_mine")
    assert discover_token("MINE", environ=env).reveal() == "ghp_mine"


def test_explicit_gh_command_is_used(tmp_path: Path) -> None:
    script = _fake_gh(tmp_path / "elsewhere")
    env = _env([tmp_path / "nothing-here"])
    found = find_token(environ=env, gh_command=(str(script), "auth", "token"))
    assert found.token.reveal() == GH_TOKEN_VALUE


def test_missing_token_lists_every_place_and_the_fix(tmp_path: Path) -> None:
    env = _env([tmp_path / "nothing-here"])
    with pytest.raises(MissingToken) as caught:
        discover_token("MY_TOKEN_VAR", environ=env)
    message = str(caught.value)
    assert "\n" not in message
    for place in ("GH_TOKEN", "GITHUB_TOKEN", "gh auth token", "gh not installed", "MY_TOKEN_VAR"):
        assert place in message
    assert "export GH_TOKEN=" in message
    assert "gh auth login" in message
    assert caught.value.tried[-1].startswith("MY_TOKEN_VAR")


def test_missing_token_says_why_gh_gave_nothing(tmp_path: Path) -> None:
    _fake_gh(tmp_path / "bin", exit_code=4, output="")
    with pytest.raises(MissingToken, match=r"gh auth token` \(exit 4\)"):
        discover_token(environ=_env([tmp_path / "bin"]))


def test_token_never_shows_in_repr_or_str(tmp_path: Path) -> None:
    _fake_gh(tmp_path / "bin")
    found = find_token(environ=_env([tmp_path / "bin"]))
    for text in (repr(found), str(found), repr(found.token), f"{found.token}", repr(found.source)):
        assert GH_TOKEN_VALUE not in text
