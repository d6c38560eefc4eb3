"""The one factory shared by the CLI, the worker and the dashboard: config, token, client, contexts."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.models import RepoName
from soda_tui.core.secrets import Secret
from soda_tui.github.client import GitHubClient
from soda_tui.github.token import discover_token
from soda_tui.loop.context import Progress, RepoContext
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.settings.loading import config_path, load_config
from soda_tui.settings.models import Config
from soda_tui.settings.paths import Paths
from soda_tui.settings.resolved import RepoConfig, resolve_repos


@dataclass
class Session:
    """A loaded configuration with one shared GitHub client; close it when done."""

    config: Config
    config_file: Path
    paths: Paths
    token: Secret
    client: GitHubClient
    clock: Clock = field(default_factory=SystemClock)
    progress: Progress | None = None

    @classmethod
    def open(
        cls,
        explicit_config: Path | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        paths: Paths | None = None,
        config: Config | None = None,
    ) -> Session:
        """Load the config (or take one), find the token and open the shared client."""
        env = os.environ if environ is None else environ
        file = config_path(explicit_config, env)
        loaded = (
            config
            if config is not None
            else load_config(file, explicit=explicit_config is not None or "SODA_CONFIG" in env)
        )
        resolved_paths = paths or Paths.from_settings(loaded.paths, env)
        token = discover_token(loaded.github.token_env, env)
        clock = clock or SystemClock()
        client = GitHubClient(loaded.github.api_url, token, clock=clock)
        return cls(loaded, file, resolved_paths, token, client, clock)

    @property
    def repo_configs(self) -> list[RepoConfig]:
        """Every configured repository's effective settings, in file order."""
        return resolve_repos(self.config)

    def repo_names(self) -> list[RepoName]:
        """Every configured repository."""
        return [RepoName.parse(repo.name) for repo in self.repo_configs]

    def context(self, repo: RepoName | str) -> RepoContext:
        """The context of one configured repository; UnknownRepo when it is not configured."""
        name = RepoName.parse(str(repo))
        settings = self.config.repo(str(name))
        return RepoContext(
            repo=name,
            config=settings,
            client=self.client,
            paths=self.paths,
            token=self.token,
            api_url=self.config.github.api_url,
            clock=self.clock,
            progress=self.progress,
        )

    def choose(self, requested: str | None, cwd: Path | None = None) -> RepoContext:
        """Pick the repository for a one-repo command: --repo, the only one, or the cwd's remote."""
        names = [str(name) for name in self.repo_names()]
        if requested:
            return self.context(requested)
        if len(names) == 1:
            return self.context(names[0])
        from_cwd = repo_from_git_remote(cwd or Path.cwd())
        if from_cwd and from_cwd in names:
            return self.context(from_cwd)
        if not names:
            raise ActionRefused(
                "no repositories are configured: run `soda-tui init OWNER/REPO`", Exit.USAGE
            )
        raise ActionRefused(
            f"several repositories are configured ({', '.join(names)}): "
            "choose one with --repo OWNER/REPO",
            Exit.USAGE,
        )

    async def aclose(self) -> None:
        """Close the shared client."""
        await self.client.aclose()


def repo_from_git_remote(directory: Path) -> str | None:
    """`owner/name` from the origin remote of the git checkout at `directory`, if it has one."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    url = completed.stdout.strip()
    if completed.returncode != 0 or not url:
        return None
    tail = url.rstrip("/").removesuffix(".git")
    tail = tail.split(":")[-1] if "://" not in tail else tail
    parts = tail.split("/")
    if len(parts) < 2:
        return None
    try:
        return str(RepoName.parse(f"{parts[-2]}/{parts[-1]}"))
    except ValueError:
        return None
