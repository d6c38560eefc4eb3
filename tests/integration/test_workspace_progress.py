"""Progress lines for the dashboard's bar, and remote URLs that must never carry credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from soda_tui.core.secrets import Secret
from soda_tui.git import GitError, Workspace, parse_progress, strip_credentials
from soda_tui.git.errors import AuthFailed, PushRejected
from soda_tui.git.progress import ProgressRelay


def test_counted_progress_lines_become_fractions() -> None:
    update = parse_progress("Receiving objects:  45% (9/20), 1.20 MiB | 2.00 MiB/s")
    assert update is not None
    assert (update.phase, update.done, update.total) == ("Receiving objects", 9, 20)
    assert update.fraction == pytest.approx(0.45)
    assert parse_progress("Compressing objects: 100% (3/3), done.").fraction == 1.0  # type: ignore[union-attr]
    assert parse_progress("counting objects: 3, done.") is None
    assert parse_progress("Pushing agent001/1-x to https://example.com/a/b.git") is None


def test_the_relay_splits_carriage_returns_and_chunks_into_lines() -> None:
    lines: list[str] = []
    relay = ProgressRelay(lines.append)
    relay(b"Counting objects:  50% (1/2)\rCounting obj")
    relay("ects: 100% (2/2), done.\nremote: Resolving deltas: 100% (0/0)\n")
    relay(b"tail without newline")
    relay.say("Our own line")
    relay.close()
    assert lines == [
        "Counting objects:  50% (1/2)",
        "Counting objects: 100% (2/2), done.",
        "Resolving deltas: 100% (0/0)",
        "Our own line",
        "tail without newline",
    ]
    ProgressRelay(None)(b"nobody listens\n")  # a missing callback is fine


def test_credentials_are_stripped_from_any_message() -> None:
    token = Secret("ghp_strip_me_0123456789")
    text = f"failed for https://x-access-token:{token.reveal()}@github.com/a/b.git and {token.reveal()}"
    cleaned = strip_credentials(text)
    assert token.reveal() not in cleaned
    assert "https://github.com/a/b.git" in cleaned
    failure = AuthFailed(f"https://user:{token.reveal()}@example.com/a/b.git")
    assert token.reveal() not in str(failure) and "https://example.com/a/b.git" in str(failure)
    rejected = PushRejected("main", f"hook said\n{token.reveal()}\nno")
    assert "\n" not in str(rejected) and token.reveal() not in str(rejected)


def test_a_remote_url_with_credentials_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="embeds credentials") as raised:
        Workspace(tmp_path / "ws", "https://x-access-token:ghp_abc1234567@github.com/a/b.git", None)
    assert "ghp_abc1234567" not in str(raised.value)
    with pytest.raises(GitError, match="no remote URL"):
        Workspace(tmp_path / "ws", "  ", None)


def test_the_workspace_repr_shows_no_token(tmp_path: Path) -> None:
    token = Secret("ghp_repr_secret_987654321")
    workspace = Workspace(tmp_path / "ws", "https://github.com/a/b.git/", token)
    assert workspace.remote_url == "https://github.com/a/b.git"
    assert token.reveal() not in repr(workspace)
    assert token.reveal() not in repr(vars(workspace))
