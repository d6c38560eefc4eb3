"""`add`/`remove` edit the user's file in place: comments, order and other keys survive exactly."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from soda_tui.settings import ConfigError, UnknownRepo, add_repo, load_config, remove_repo
from soda_tui.settings.editing import NEW_FILE_HEADER

ORIGINAL = """\
# My soda-tui setup.

[github]
api_url = "https://ghe.example.com/api/graphql"  # work server

[defaults]
merge_method = "rebase"  # we like linear history

# The API: slow tests.
[[repos]]
name = "acme/api"  # first
agent = "aider"

# The web app runs unattended.
[[repos]]
name = "acme/web"
autopilot = true
[repos.agent]
command = ["my-agent", "{prompt_file}"]  # our own wrapper

# Traces go to Phoenix.
[telemetry]
phoenix = true
"""

API_BLOCK = """\
# The API: slow tests.
[[repos]]
name = "acme/api"  # first
agent = "aider"

"""

WEB_BLOCK = """\
# The web app runs unattended.
[[repos]]
name = "acme/web"
autopilot = true
[repos.agent]
command = ["my-agent", "{prompt_file}"]  # our own wrapper

"""


def write(tmp_path: Path, text: str = ORIGINAL) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_add_appends_after_the_last_repo_and_keeps_everything(tmp_path: Path) -> None:
    path = write(tmp_path)

    assert add_repo(path, "acme/docs", merge_method="squash", autopilot=None) is True

    expected = ORIGINAL.replace(
        '["my-agent", "{prompt_file}"]  # our own wrapper\n',
        '["my-agent", "{prompt_file}"]  # our own wrapper\n\n'
        '[[repos]]\nname = "acme/docs"\nmerge_method = "squash"\n',
    )
    assert path.read_text(encoding="utf-8") == expected
    assert load_config(path).repo("acme/docs").merge_method == "squash"


def test_add_with_an_agent_table(tmp_path: Path) -> None:
    path = write(tmp_path)

    add_repo(path, "acme/cli", agent={"command": ["x", "--repo", "{repo}"]}, poll_seconds=60)

    repo = load_config(path).repo("acme/cli")
    assert repo.agent.command == ["x", "--repo", "{repo}"]
    assert repo.poll_seconds == 60
    assert path.read_text(encoding="utf-8").startswith(ORIGINAL.split("# Traces")[0])


def test_add_is_idempotent(tmp_path: Path) -> None:
    path = write(tmp_path)

    assert add_repo(path, "ACME/api") is False
    assert path.read_text(encoding="utf-8") == ORIGINAL


def test_remove_takes_the_entry_with_its_own_comment_only(tmp_path: Path) -> None:
    path = write(tmp_path)

    assert remove_repo(path, "acme/api") == "acme/api"
    assert path.read_text(encoding="utf-8") == ORIGINAL.replace(API_BLOCK, "")


def test_remove_entry_with_a_sub_table(tmp_path: Path) -> None:
    path = write(tmp_path)

    assert remove_repo(path, "Acme/Web") == "acme/web"

    assert path.read_text(encoding="utf-8") == ORIGINAL.replace(WEB_BLOCK, "")


def test_remove_everything_then_add_again(tmp_path: Path) -> None:
    path = write(tmp_path)

    remove_repo(path, "acme/api")
    remove_repo(path, "acme/web")
    assert path.read_text(encoding="utf-8") == ORIGINAL.replace(API_BLOCK, "").replace(
        WEB_BLOCK, ""
    )
    add_repo(path, "acme/api")

    assert load_config(path).repo_names == ("acme/api",)
    assert path.read_text(encoding="utf-8").endswith(
        'phoenix = true\n\n[[repos]]\nname = "acme/api"\n'
    )


def test_remove_last_entry_at_end_of_file(tmp_path: Path) -> None:
    head = '[defaults]\nautopilot = true\n\n[[repos]]\nname = "a/b"\n'
    path = write(tmp_path, head + '\n# second\n[[repos]]\nname = "c/d"\n')

    remove_repo(path, "c/d")

    assert path.read_text(encoding="utf-8") == head


def test_remove_unknown_repo_raises_and_leaves_the_file(tmp_path: Path) -> None:
    path = write(tmp_path)

    with pytest.raises(UnknownRepo) as caught:
        remove_repo(path, "acme/nope")

    assert str(caught.value) == (
        "acme/nope is not configured (configured: acme/api, acme/web); nothing to remove"
    )
    assert path.read_text(encoding="utf-8") == ORIGINAL


def test_remove_from_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnknownRepo, match="does not exist, so there is nothing to remove"):
        remove_repo(tmp_path / "none.toml", "a/b")


def test_add_creates_the_file_and_its_directory_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "config.toml"

    add_repo(path, "acme/api", agent="demo")

    assert path.read_text(encoding="utf-8") == (
        NEW_FILE_HEADER + '\n[[repos]]\nname = "acme/api"\nagent = "demo"\n'
    )
    assert load_config(path, explicit=True).repo("acme/api").agent.preset == "demo"


def test_invalid_override_is_refused_before_touching_anything(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"

    with pytest.raises(ConfigError) as caught:
        add_repo(path, "acme/api", merge_method="fast")

    assert str(caught.value) == (
        "cannot add acme/api: merge_method: expected one of squash, merge, rebase, "
        "got the string 'fast'"
    )
    assert not path.exists()


def test_invalid_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("name: '..' is not a GitHub owner")):
        add_repo(tmp_path / "config.toml", "../evil")


def test_add_refuses_to_build_on_a_broken_file(tmp_path: Path) -> None:
    broken = '[defaults]\npoll_seconds = "x"\n'
    path = write(tmp_path, broken)

    with pytest.raises(ConfigError, match=re.escape("defaults.poll_seconds: expected an integer")):
        add_repo(path, "acme/api")

    assert path.read_text(encoding="utf-8") == broken


def test_inline_array_of_repos_is_edited_in_place(tmp_path: Path) -> None:
    path = write(
        tmp_path, '# inline form\nrepos = [\n  { name = "a/b" },\n  { name = "c/d" },\n]\n'
    )

    add_repo(path, "e/f", autopilot=True)
    remove_repo(path, "a/b")

    config = load_config(path)
    assert path.read_text(encoding="utf-8").startswith("# inline form\nrepos = [")
    assert config.repo_names == ("c/d", "e/f")
    assert config.repo("e/f").autopilot is True


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'# windows\r\n[[repos]]\r\nname = "a/b"\r\n')

    add_repo(path, "c/d")

    assert path.read_bytes() == (
        b'# windows\r\n[[repos]]\r\nname = "a/b"\r\n\r\n[[repos]]\r\nname = "c/d"\r\n'
    )


def test_symlinked_config_stays_a_link(tmp_path: Path) -> None:
    real = write(tmp_path)
    link = tmp_path / "link.toml"
    link.symlink_to(real)

    add_repo(link, "acme/docs")

    assert link.is_symlink()
    assert load_config(real).repo_names == ("acme/api", "acme/web", "acme/docs")


def test_write_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    path = write(tmp_path)
    path.chmod(0o600)

    add_repo(path, "acme/docs")
    remove_repo(path, "acme/docs")

    assert path.read_text(encoding="utf-8") == ORIGINAL
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["config.toml"]


def test_headers_inside_multiline_strings_are_not_tables(tmp_path: Path) -> None:
    text = '[[repos]]\nname = "a/b"\n[repos.agent]\ncommand = [\n  "x",\n  """\n[[repos]]\n"""\n]\n'
    path = write(tmp_path, text)

    add_repo(path, "c/d")

    assert path.read_text(encoding="utf-8") == text + '\n[[repos]]\nname = "c/d"\n'
    assert load_config(path).repo_names == ("a/b", "c/d")
