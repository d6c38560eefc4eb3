"""Settings: the config models, loading with clear errors, editing, and every path on disk."""

from __future__ import annotations

from soda_tui.settings.editing import add_repo, remove_repo
from soda_tui.settings.errors import ConfigError, UnknownRepo
from soda_tui.settings.loading import (
    LoadedSettings,
    config_path,
    load_config,
    load_settings,
    parse_config,
)
from soda_tui.settings.models import (
    AGENT_PRESETS,
    AgentSpec,
    Config,
    Defaults,
    GitHubSettings,
    PathSettings,
    RepoSettings,
    TelemetrySettings,
)
from soda_tui.settings.paths import Paths
from soda_tui.settings.resolved import RepoConfig, resolve_repo, resolve_repos
from soda_tui.settings.rules import PLACEHOLDERS

__all__ = [
    "AGENT_PRESETS",
    "PLACEHOLDERS",
    "AgentSpec",
    "Config",
    "ConfigError",
    "Defaults",
    "GitHubSettings",
    "LoadedSettings",
    "PathSettings",
    "Paths",
    "RepoConfig",
    "RepoSettings",
    "TelemetrySettings",
    "UnknownRepo",
    "add_repo",
    "config_path",
    "load_config",
    "load_settings",
    "parse_config",
    "remove_repo",
    "resolve_repo",
    "resolve_repos",
]
