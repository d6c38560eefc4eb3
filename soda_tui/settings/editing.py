"""Add and remove `[[repos]]` entries in the user's config file, keeping the rest as written."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError
from tomlkit.items import Array

from soda_tui.core.files import write_atomically
from soda_tui.settings.errors import ConfigError, UnknownRepo
from soda_tui.settings.explain import explain
from soda_tui.settings.loading import parse_config, parse_toml
from soda_tui.settings.models import RepoSettings
from soda_tui.settings.toml_text import entries, split_lines

NEW_FILE_HEADER = """\
# soda-tui configuration (TOML).
# The GitHub token never goes in this file: soda-tui reads GH_TOKEN, then GITHUB_TOKEN, then
# `gh auth token`, then the variable named by token_env under [github].
#
# [defaults]
# agent = "claude-code"      # claude-code | aider | codex | demo, or a table with command = [...]
# merge_method = "squash"    # squash | merge | rebase
# require_review = false     # land only when reviewDecision is APPROVED
# allow_no_checks = false    # land a PR whose head has no status checks at all
# autopilot = false
# poll_seconds = 30
"""


def add_repo(path: Path, name: str, **overrides: Any) -> bool:
    """Append a `[[repos]]` entry for `name`; False (file untouched) when it is already there.

    Overrides are TOML values for the entry's keys (`agent="aider"`, `autopilot=True`, an agent
    table as a dict); those left as None are not written.
    """
    entry = _checked_entry(name, overrides)
    target = _real_file(path)
    text = _read(target) if target.exists() else ""
    document = parse_toml(text, source=str(path))
    config = parse_config(document, source=str(path))
    if any(existing.lower() == name.lower() for existing in config.repo_names):
        return False
    if isinstance(tomlkit.parse(text).get("repos"), Array):
        new_text = _append_inline(text, entry)
    else:
        new_text = _append_table(text or NEW_FILE_HEADER, entry)
    expected = {**document, "repos": [*document.get("repos", []), entry]}
    _commit(path, target, new_text, expected)
    return True


def remove_repo(path: Path, name: str) -> str:
    """Delete `name`'s `[[repos]]` entry with its own comments, returning the name as configured.

    Raises UnknownRepo when the file does not list it. Workspaces and journals are not touched.
    """
    target = _real_file(path)
    if not target.exists():
        raise UnknownRepo(name, (), hint=f"{path} does not exist, so there is nothing to remove")
    text = _read(target)
    document = parse_toml(text, source=str(path))
    config = parse_config(document, source=str(path))
    wanted = name.lower()
    index = next(
        (position for position, repo in enumerate(config.repos) if repo.name.lower() == wanted),
        None,
    )
    if index is None:
        raise UnknownRepo(name, config.repo_names, hint="nothing to remove")
    removed = config.repos[index].name
    if isinstance(tomlkit.parse(text).get("repos"), Array):
        new_text = _remove_inline(text, index)
    else:
        new_text = _remove_table(text, index)
    remaining = [entry for position, entry in enumerate(document["repos"]) if position != index]
    _commit(path, target, new_text, {**document, "repos": remaining})
    return removed


def _checked_entry(name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The TOML table to write, validated as a `[[repos]]` entry before anything is touched."""
    set_values = {key: value for key, value in overrides.items() if value is not None}
    entry = {"name": name, **set_values}
    try:
        RepoSettings.model_validate(entry)
    except ValidationError as error:
        problem = explain(error, source=f"cannot add {name}", data=entry, root=RepoSettings)
    else:
        # Plain values first: TOML puts a sub-table such as [repos.agent] after the keys.
        return dict(sorted(entry.items(), key=lambda item: isinstance(item[1], dict)))
    raise problem


def _append_table(text: str, entry: dict[str, Any]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    rendered = _render_entry(entry).replace("\n", newline)
    lines = split_lines(text)
    spans = entries(lines, "repos")
    if spans:
        # Right after the last entry's own lines, before the blank lines and comments that
        # introduce whatever table follows it.
        insert_at = spans[-1][1]
        before = lines[:insert_at]
        if before and not before[-1].endswith(("\n", "\r")):
            before[-1] += newline
        return "".join([*before, newline, rendered, *lines[insert_at:]])
    if text and not text.endswith(("\n", "\r")):
        text += newline
    separator = newline if text and text.strip() and not text.endswith(newline * 2) else ""
    return text + separator + rendered


def _remove_table(text: str, index: int) -> str:
    lines = split_lines(text)
    spans = entries(lines, "repos")
    if index >= len(spans):
        raise _unsafe(f"found {len(spans)} [[repos]] headers for {index + 1} entries")
    start, _content_end, end = spans[index]
    if end == len(lines):
        # The last block in the file: drop the blank lines that separated it from the rest.
        head = lines[:start]
        while head and not head[-1].strip():
            head.pop()
        return "".join(head)
    return "".join([*lines[:start], *lines[end:]])


def _render_entry(entry: dict[str, Any]) -> str:
    table = tomlkit.table()
    for key, value in entry.items():
        table.add(key, value)
    tables = tomlkit.aot()
    tables.append(table)
    document = tomlkit.document()
    document.append("repos", tables)
    return tomlkit.dumps(document)


def _append_inline(text: str, entry: dict[str, Any]) -> str:
    document = tomlkit.parse(text)
    inline = tomlkit.inline_table()
    inline.update(entry)
    document["repos"].append(inline)
    return tomlkit.dumps(document)


def _remove_inline(text: str, index: int) -> str:
    document = tomlkit.parse(text)
    del document["repos"][index]
    return tomlkit.dumps(document)


def _commit(path: Path, target: Path, new_text: str, expected: dict[str, Any]) -> None:
    """Write `new_text` only if it reads back as exactly the intended document and settings."""
    try:
        written = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as error:
        raise _unsafe(str(error)) from None
    if _normalised(written) != _normalised(expected):
        raise _unsafe("the edited text did not read back as intended")
    parse_config(written, source=str(path))
    _write_atomically(target, new_text)


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    # An empty `repos` and no `repos` at all mean the same configuration.
    repos = document.get("repos") or []
    return {**{key: value for key, value in document.items() if key != "repos"}, "repos": repos}


def _unsafe(detail: str) -> ConfigError:
    return ConfigError(
        f"could not edit the config file safely ({detail}); it is unchanged, edit it by hand"
    )


def _real_file(path: Path) -> Path:
    """The file a (possibly symlinked, e.g. dotfiles) config path stands for."""
    return path.expanduser().resolve()


def _read(path: Path) -> str:
    try:
        # newline="" keeps CRLF files CRLF when they are written back.
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the config file as UTF-8") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"cannot read {path}: {reason}") from None


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step: temp file in the same directory, fsync, rename, fsync dir."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
        write_atomically(path, text, mode=mode)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"cannot write {path}: {reason}") from None
