"""Turn pydantic's validation errors into a ConfigError a person can act on in one glance.

Each problem becomes `key.path: what is wrong, and the fix`; pydantic's own layout (type codes,
documentation links, echoed inputs) never reaches the user.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from soda_tui.settings.errors import ConfigError
from soda_tui.settings.models import AGENT_PRESETS, Config, Defaults, RepoSettings
from soda_tui.settings.rules import TOKEN_KEYS, shown

MAX_SHOWN = 5
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Where values may be secrets (agent env, exporter headers): never quote them back.
_PRIVATE_KEYS = frozenset({"env", "headers"})

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string in quotes",
    "list_type": 'an array, e.g. ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "path_type": "a path string",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "greater than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def explain(
    error: ValidationError,
    *,
    source: str,
    data: Any = None,
    root: type[BaseModel] = Config,
) -> ConfigError:
    """A ConfigError naming `source`, each bad key's path, what was wrong and how to fix it."""
    lines = [_describe(item, data, root) for item in error.errors(include_url=False)]
    if len(lines) == 1:
        return ConfigError(f"{source}: {lines[0]}")
    shown_lines = lines[:MAX_SHOWN]
    if len(lines) > MAX_SHOWN:
        shown_lines.append(f"… and {len(lines) - MAX_SHOWN} more")
    body = "\n".join(f"  {line}" for line in shown_lines)
    return ConfigError(f"{source}: {len(lines)} problems:\n{body}")


def key_path(loc: Sequence[str | int]) -> str:
    """`("repos", 1, "merge_method")` as `repos[1].merge_method`, quoting keys TOML would quote."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _BARE_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            quoted = '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'
            text += f".{quoted}" if text else quoted
    return text or "(top level)"


def _describe(item: Mapping[str, Any], data: Any, root: type[BaseModel]) -> str:
    loc: tuple[str | int, ...] = tuple(item["loc"])
    kind: str = item["type"]
    ctx: Mapping[str, Any] = item.get("ctx") or {}
    if kind == "token_in_file" and "key" in ctx:
        loc = (*loc, ctx["key"])
    where = key_path(loc) + _repo_hint(loc, data)
    return f"{where}: {_what(kind, loc, item, ctx, root)}"


def _what(
    kind: str,
    loc: tuple[str | int, ...],
    item: Mapping[str, Any],
    ctx: Mapping[str, Any],
    root: type[BaseModel],
) -> str:
    value = item.get("input")
    private = any(part in _PRIVATE_KEYS for part in loc if isinstance(part, str))
    if kind == "extra_forbidden":
        return _unknown_key(loc, root)
    if kind == "missing":
        if loc and loc[-1] == "name":
            return 'missing: every [[repos]] entry needs name = "OWNER/REPO"'
        return "missing: this key is required"
    if kind == "literal_error":
        choices = re.sub(r"'([^']*)'", r"\1", str(ctx.get("expected", ""))).replace(" or ", ", ")
        return f"expected one of {choices}, got {_value(value, private)}"
    if kind == "model_type" and loc and loc[-1] == "agent":
        presets = ", ".join(name for name in AGENT_PRESETS if name != "custom")
        return (
            f"expected a preset name ({presets}) or a table with command = [...], "
            f"got {_value(value, private)}"
        )
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_value(value, private)}"
    if kind in _BOUNDS:
        bound_key, words = _BOUNDS[kind]
        return f"must be {words} {ctx.get(bound_key)}, got {_value(value, private)}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    # Our own validators already phrase the whole sentence, fix included.
    return str(item.get("msg", "is not valid"))


def _value(value: Any, private: bool) -> str:
    """How to name the wrong value in a message, in TOML's words and without secrets."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string" if private else f"the string {shown(value)}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date or time"
    return "nothing" if value is None else f"a {type(value).__name__}"


def _unknown_key(loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    key = str(loc[-1]) if loc else ""
    if key.lower() in TOKEN_KEYS:
        return "tokens never go in the config file: delete it and export GH_TOKEN"
    model = _model_at(root, loc[:-1])
    if model is None:
        return f"unknown key {key!r}"
    valid = list(model.model_fields)
    if model in (Config, RepoSettings) and key in Defaults.model_fields and key not in valid:
        return f"{key} can only be set under [defaults]"
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}: did you mean {close[0]}?"
    return f"unknown key {key!r}: valid keys here are {', '.join(valid)}"


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that validates the table at `loc`, or None if it is not a model."""
    current: Any = root
    for part in loc:
        if isinstance(part, int):
            if get_origin(current) is not list:
                return None
            current = _unwrap(get_args(current)[0])
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = _unwrap(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip `Annotated[...]` and `X | None` down to X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _repo_hint(loc: tuple[str | int, ...], data: Any) -> str:
    """` (acme/web)` after `repos[1]...`, so the user finds the entry without counting."""
    if len(loc) < 3 or loc[0] != "repos" or not isinstance(loc[1], int):
        return ""
    if not isinstance(data, Mapping):
        return ""
    entries = data.get("repos")
    if not isinstance(entries, list) or not 0 <= loc[1] < len(entries):
        return ""
    entry = entries[loc[1]]
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f" (repo {name})" if isinstance(name, str) and loc[2] != "name" else ""
