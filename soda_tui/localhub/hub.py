"""The shared services behind every localhub operation: database, bare repos, clock, caches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dulwich.repo import Repo

from soda_tui.core.clock import Clock
from soda_tui.localhub.gitstore import GitRepos
from soda_tui.localhub.models import HeadChange, Notifications, RepoRecord
from soda_tui.localhub.store import Store


def iso(moment: datetime) -> str:
    """GitHub's DateTime format: UTC, second precision, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Hub:
    """Database, repositories and clock; callers hold `store.lock` while they use it."""

    def __init__(self, store: Store, git: GitRepos, clock: Clock, base_url: str) -> None:
        self.store = store
        self.git = git
        self.clock = clock
        self.base_url = base_url
        self.notifications = Notifications()
        # Mergeability only depends on the two tips, so it is cached by (repo, base, head).
        self.mergeable_cache: dict[tuple[int, str, str], bool] = {}
        self._open_repos: dict[int, Repo] = {}
        self._in_session = False

    def now(self) -> str:
        """The current time as a GitHub DateTime string."""
        return iso(self.clock.now())

    def repo_git(self, repo: RepoRecord) -> Repo:
        """The bare repository of `repo`, opened once per session."""
        handle = self._open_repos.get(repo.id)
        if handle is None:
            handle = Repo(str(self.git.path(repo.owner_login, repo.name)))
            self._open_repos[repo.id] = handle
        return handle

    def git_dir(self, repo: RepoRecord) -> Path:
        """The path of `repo`'s bare repository."""
        return self.git.path(repo.owner_login, repo.name)

    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold the lock for one public operation; repository handles close at the end."""
        with self.store.lock:
            outermost = not self._in_session
            self._in_session = True
            try:
                yield
            finally:
                if outermost:
                    self._in_session = False
                    for handle in self._open_repos.values():
                        handle.close()
                    self._open_repos.clear()

    def head_changed(self, repo: RepoRecord, sha: str, number: int) -> None:
        """Queue an `on_pr_head_changed` call for after the lock is released."""
        self.notifications.pending.append(HeadChange(repo.owner_login, repo.name, sha, number))

    def url(self, *parts: object) -> str:
        """An HTML URL under the server's base URL."""
        return "/".join([self.base_url.rstrip("/"), *(str(part) for part in parts)])
