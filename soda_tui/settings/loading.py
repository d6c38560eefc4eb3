"""Find and read the configuration file, turning every problem into a short ConfigError."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from soda_tui.settings.errors import ConfigError
from soda_tui.settings.explain import explain
from soda_tui.settings.models import Config
from soda_tui.settings.paths import Paths, config_path, config_path_is_explicit

__all__ = [
    "LoadedSettings",
    "config_path",
    "load_config",
    "load_settings",
    "parse_config",
    "parse_toml",
    "read_toml",
]

_TOML_POSITION = re.compile(
    r"^(?P<reason>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$"
)


@dataclass(frozen=True)
class LoadedSettings:
    """What a front end needs at start-up: which file was read, its settings, and the paths."""

    config_file: Path
    config: Config
    paths: Paths


def parse_toml(text: str, *, source: str) -> dict[str, Any]:
    """The TOML document in `text`, or a ConfigError naming `source` and the line at fault."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problem = str(error)
    match = _TOML_POSITION.match(problem)
    if match:
        raise ConfigError(
            f"{source}: invalid TOML at line {match['line']}, column {match['column']}: "
            f"{match['reason']}"
        )
    raise ConfigError(f"{source}: invalid TOML: {problem}")


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at `path`; raises ConfigError when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}; create it with `soda-tui add OWNER/REPO "
            f"--config {path}` or check the path"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, not a config file; pass a file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the config file as UTF-8") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"cannot read {path}: {reason}") from None
    return parse_toml(text, source=str(path))


def parse_config(document: Mapping[str, Any], *, source: str) -> Config:
    """Validate a parsed TOML document; errors name `source` and each bad key with its fix."""
    try:
        return Config.model_validate(document)
    except ValidationError as error:
        problem = explain(error, source=source, data=document)
    # Raised outside the except block so the pydantic error is not chained onto ours.
    raise problem


def load_config(path: Path, *, explicit: bool = False) -> Config:
    """The settings in `path`; a missing file gives the defaults unless the user named it."""
    if not explicit and not path.exists():
        return Config()
    return parse_config(read_toml(path), source=str(path))


def load_settings(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> LoadedSettings:
    """Discover the config file (`--config`, SODA_CONFIG, SODA_HOME, platformdirs) and load it."""
    config_file = config_path(explicit, environ)
    config = load_config(config_file, explicit=config_path_is_explicit(explicit, environ))
    paths = Paths.default(config_file=config_file, settings=config.paths, environ=environ)
    return LoadedSettings(config_file=config_file, config=config, paths=paths)
