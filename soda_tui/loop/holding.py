"""One agent per repository across processes: hold the repository's lock while acting on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from soda_tui.core.models import RepoName
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.recovery.locks import RepoLock, RepoLockHeld
from soda_tui.settings.paths import Paths


@contextmanager
def hold_repo(
    paths: Paths, repo: RepoName, *, holder: str, refusal: Exit = Exit.NOTHING
) -> Iterator[RepoLock]:
    """Hold `repo` for this process; ActionRefused (with `refusal`) when another process runs it."""
    lock = RepoLock(paths.state_dir, repo, holder=holder)
    try:
        lock.acquire()
    except RepoLockHeld as held:
        raise ActionRefused(str(held), refusal) from None
    try:
        yield lock
    finally:
        lock.release()
