"""One repository's effective settings: the defaults with that repository's overrides applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from soda_tui.settings.errors import UnknownRepo
from soda_tui.settings.models import AgentSpec, Config, MergeMethod, RepoSettings
from soda_tui.settings.rules import split_repo_name

_T = TypeVar("_T")


@dataclass(frozen=True)
class RepoConfig:
    """Everything a repository's worker needs to know about how to treat it."""

    name: str
    agent: AgentSpec
    merge_method: MergeMethod
    require_review: bool
    allow_no_checks: bool
    autopilot: bool
    poll_seconds: int
    stale_claim_hours: float

    @property
    def owner(self) -> str:
        """The owner part of `owner/repo`."""
        return split_repo_name(self.name)[0]

    @property
    def repo_name(self) -> str:
        """The repository part of `owner/repo`."""
        return split_repo_name(self.name)[1]


def resolve_repo(config: Config, entry: RepoSettings) -> RepoConfig:
    """Merge one `[[repos]]` entry over the defaults."""
    defaults = config.defaults
    agent = entry.agent.applied_to(defaults.agent) if entry.agent is not None else defaults.agent
    return RepoConfig(
        name=entry.name,
        agent=agent,
        merge_method=_pick(entry.merge_method, defaults.merge_method),
        require_review=_pick(entry.require_review, defaults.require_review),
        allow_no_checks=_pick(entry.allow_no_checks, defaults.allow_no_checks),
        autopilot=_pick(entry.autopilot, defaults.autopilot),
        poll_seconds=_pick(entry.poll_seconds, defaults.poll_seconds),
        stale_claim_hours=defaults.stale_claim_hours,
    )


def resolve_repos(config: Config) -> list[RepoConfig]:
    """Every configured repository's effective settings, in file order."""
    return [resolve_repo(config, entry) for entry in config.repos]


def find_repo(config: Config, name: str) -> RepoConfig:
    """The effective settings of `name` (case-insensitive, as GitHub is); raises UnknownRepo."""
    wanted = name.lower()
    for entry in config.repos:
        if entry.name.lower() == wanted:
            return resolve_repo(config, entry)
    raise UnknownRepo(name, config.repo_names)


def _pick(override: _T | None, default: _T) -> _T:
    return default if override is None else override
