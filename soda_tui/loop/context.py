"""Everything an action needs for one repository, injected (STYLE.md habit 6)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from soda_tui.agents.journal import Journal
from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.endpoints import git_remote_url
from soda_tui.core.models import RepoName
from soda_tui.core.secrets import Secret
from soda_tui.git.workspace import Workspace
from soda_tui.telemetry.http_spans import git_step_span

if TYPE_CHECKING:
    from soda_tui.github.client import GitHubClient
    from soda_tui.settings.paths import Paths
    from soda_tui.settings.resolved import RepoConfig

Progress = Callable[[str], None]


@dataclass
class RepoContext:
    """One repository's settings and the shared services (client, paths, clock, token)."""

    repo: RepoName
    config: RepoConfig
    client: GitHubClient
    paths: Paths
    token: Secret
    api_url: str
    clock: Clock = field(default_factory=SystemClock)
    progress: Progress | None = None

    @property
    def remote_url(self) -> str:
        """The git remote (no credentials in it)."""
        return git_remote_url(self.api_url, self.repo)

    def workspace(self) -> Workspace:
        """The clone soda-tui owns for this repository (never the user's checkout)."""
        return Workspace(self.paths.workspace(str(self.repo)), self.remote_url, self.token)

    def journal(self) -> Journal:
        """The journal of this repository's multi-step action in flight."""
        return Journal(self.paths.journal(str(self.repo)))

    async def up_to_date_workspace(self) -> Workspace:
        """The workspace, cloned if missing, else fetched: a fresh clone is already up to date."""
        workspace = self.workspace()
        cloned = await self.in_thread(workspace.ensure_clone, self.progress)
        if not cloned:
            await self.in_thread(workspace.fetch)
        return workspace

    async def in_thread(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run blocking git work off the event loop (traced as a git step)."""
        with git_step_span(function, args):
            return await asyncio.to_thread(function, *args, **kwargs)
