"""The per-repository lock and heartbeat a worker or the dashboard holds while it runs a repository.

`state_dir/locks/<owner>__<repo>.lock` holds the pid (and the process's start time, so a reused
pid is not mistaken for the holder), the issue being worked and a heartbeat. Recovery treats a
claim as owned while a live process holds its repository's lock; a lock whose process is gone is
stray, and `sync` and `doctor` clean it up.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.files import write_atomically
from soda_tui.core.models import RepoName

LOCKS_DIRNAME = "locks"
LOCK_SUFFIX = ".lock"


class RepoLockHeld(Exception):
    """Another live process already holds this repository."""

    def __init__(self, repo: RepoName, holder: LockInfo) -> None:
        self.holder = holder
        super().__init__(
            f"{repo} is held by {holder.holder} (pid {holder.pid}) since {holder.acquired_at}; "
            f"stop that process first: one agent per repository"
        )


def locks_dir(state_dir: Path) -> Path:
    """Where the repository locks live."""
    return Path(state_dir) / LOCKS_DIRNAME


def lock_path(state_dir: Path, repo: RepoName) -> Path:
    """The lock file of `repo` (lower-cased like every per-repository path)."""
    return locks_dir(state_dir) / f"{repo.owner.lower()}__{repo.name.lower()}{LOCK_SUFFIX}"


def process_start(pid: int) -> str | None:
    """The kernel's start time of process `pid` (Linux), so a reused pid can be told apart."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rsplit(")", 1)[-1].split()
    # Field 22 of /proc/<pid>/stat; the split starts at field 3.
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int, started: str | None = None) -> bool:
    """Whether process `pid` runs (and, when known, is the same process that wrote the lock)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists but belongs to someone else
    if started is not None:
        current = process_start(pid)
        if current is not None and current != started:
            return False
    return True


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says about its holder."""

    path: Path
    pid: int
    started: str | None
    host: str
    holder: str
    acquired_at: str
    heartbeat_at: str
    issue: int | None = None

    @property
    def alive(self) -> bool:
        """Whether the holder still runs (a lock from another host counts as alive)."""
        if self.host != socket.gethostname():
            return True
        return pid_alive(self.pid, self.started)

    def owns_issue(self, number: int) -> bool:
        """Whether this live lock covers issue `number` (a lock naming no issue covers all)."""
        return self.alive and (self.issue is None or self.issue == number)

    @classmethod
    def parse(cls, path: Path, data: Any) -> LockInfo:
        """Read the stored form; ValueError when it is not a lock."""
        if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
            raise ValueError("not a lock record")
        issue = data.get("issue")
        return cls(
            path=path,
            pid=int(data["pid"]),
            started=data.get("started") if isinstance(data.get("started"), str) else None,
            host=str(data.get("host", "")),
            holder=str(data.get("holder", "soda-tui")),
            acquired_at=str(data.get("acquired_at", "")),
            heartbeat_at=str(data.get("heartbeat_at", "")),
            issue=issue if isinstance(issue, int) else None,
        )


def read_lock(path: Path) -> LockInfo | None:
    """The lock at `path`, or None when there is none; an unreadable file counts as dead."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return LockInfo(path, 0, None, socket.gethostname(), "unreadable lock", "", "")
    try:
        return LockInfo.parse(path, data)
    except ValueError:
        return LockInfo(path, 0, None, socket.gethostname(), "unreadable lock", "", "")


def live_lock(state_dir: Path, repo: RepoName) -> LockInfo | None:
    """The lock of `repo` when its holder still runs, else None."""
    info = read_lock(lock_path(state_dir, repo))
    return info if info is not None and info.alive else None


def stray_locks(state_dir: Path) -> list[LockInfo]:
    """Lock files whose holder is gone (left by a crash)."""
    folder = locks_dir(state_dir)
    if not folder.is_dir():
        return []
    found = [read_lock(path) for path in sorted(folder.glob(f"*{LOCK_SUFFIX}"))]
    return [info for info in found if info is not None and not info.alive]


def remove_stray_locks(state_dir: Path) -> list[LockInfo]:
    """Delete the lock files whose holder is gone; returns what was removed."""
    removed = []
    for info in stray_locks(state_dir):
        with _guard(info.path):
            again = read_lock(info.path)
            if again is not None and not again.alive:
                info.path.unlink(missing_ok=True)
                removed.append(info)
    return removed


@contextmanager
def _guard(path: Path) -> Iterator[None]:
    # Serialises acquirers and cleaners of one lock; the guard file itself holds nothing.
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path.with_name(path.name + ".guard"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


class RepoLock:
    """This process's hold on one repository while it runs it; use as a context manager."""

    def __init__(
        self, state_dir: Path, repo: RepoName, *, holder: str = "worker", clock: Clock | None = None
    ) -> None:
        self.repo = repo
        self.path = lock_path(state_dir, repo)
        self.holder = holder
        self._clock = clock or SystemClock()
        self._acquired_at: str | None = None
        self._issue: int | None = None

    def acquire(self, issue: int | None = None) -> None:
        """Take the lock; RepoLockHeld when another live process holds it."""
        with _guard(self.path):
            current = read_lock(self.path)
            if current is not None and current.alive and current.pid != os.getpid():
                raise RepoLockHeld(self.repo, current)
            self._acquired_at = self._now()
            self._issue = issue
            self._write()

    def beat(self, issue: int | None = None) -> None:
        """Refresh the heartbeat (and the issue being worked, when given)."""
        if self._acquired_at is None:
            raise RuntimeError(f"the lock of {self.repo} is not held; acquire it first")
        if issue is not None:
            self._issue = issue
        with _guard(self.path):
            self._write()

    def release(self) -> None:
        """Give the lock up (only if this process still holds it)."""
        if self._acquired_at is None:
            return
        with _guard(self.path):
            current = read_lock(self.path)
            if current is not None and current.pid == os.getpid():
                self.path.unlink(missing_ok=True)
        self._acquired_at = None

    def __enter__(self) -> RepoLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _now(self) -> str:
        return _iso(self._clock.now())

    def _write(self) -> None:
        record = {
            "pid": os.getpid(),
            "started": process_start(os.getpid()),
            "host": socket.gethostname(),
            "holder": self.holder,
            "acquired_at": self._acquired_at,
            "heartbeat_at": self._now(),
            "issue": self._issue,
        }
        write_atomically(self.path, json.dumps(record, indent=2) + "\n")


def _iso(when: datetime) -> str:
    return when.isoformat()
