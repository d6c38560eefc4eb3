"""The per-repository lock (live and dead holders, real processes) and the ignore list."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soda_tui.core.models import RepoName
from soda_tui.recovery.ignore import IgnoreFileError, IgnoreStore
from soda_tui.recovery.locks import (
    RepoLock,
    RepoLockHeld,
    live_lock,
    lock_path,
    remove_stray_locks,
    stray_locks,
)

REPO = RepoName("Acme", "API")
HOLD = """
import sys, time
from pathlib import Path
from soda_tui.core.models import RepoName
from soda_tui.recovery.locks import RepoLock
lock = RepoLock(Path(sys.argv[1]), RepoName("acme", "api"), holder="test-worker")
lock.acquire(issue=int(sys.argv[2]))
print("held", flush=True)
sys.stdin.readline()
"""


def _holder(state_dir: Path, issue: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state_dir), str(issue)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_live_holder_owns_its_issue_and_blocks_others(tmp_path: Path) -> None:
    process = _holder(tmp_path, 7)
    try:
        info = live_lock(tmp_path, REPO)
        assert info is not None and info.pid == process.pid and info.holder == "test-worker"
        assert info.owns_issue(7) and not info.owns_issue(8)
        with pytest.raises(RepoLockHeld, match="one agent per repository"):
            RepoLock(tmp_path, REPO).acquire()
        assert stray_locks(tmp_path) == []
    finally:
        process.kill()
        process.wait()
    # The holder died without releasing: the lock is stray now, and sync/doctor may remove it.
    assert live_lock(tmp_path, REPO) is None
    assert [info.pid for info in stray_locks(tmp_path)] == [process.pid]
    assert [info.pid for info in remove_stray_locks(tmp_path)] == [process.pid]
    assert not lock_path(tmp_path, REPO).exists()


def test_acquire_beat_release(tmp_path: Path) -> None:
    with RepoLock(tmp_path, REPO, holder="dashboard") as lock:
        lock.beat(issue=3)
        record = json.loads(lock.path.read_text())
        assert record["issue"] == 3 and record["holder"] == "dashboard"
        assert live_lock(tmp_path, REPO).owns_issue(3)
        assert lock.path.name == "acme__api.lock"
    assert live_lock(tmp_path, REPO) is None and not lock.path.exists()


def test_a_dead_pid_lock_is_taken_over(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(done.stdout)
    path = lock_path(tmp_path, REPO)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"pid": dead, "host": socket.gethostname()}))
    lock = RepoLock(tmp_path, REPO)
    lock.acquire()
    assert live_lock(tmp_path, REPO).pid != dead
    lock.release()


def test_an_unreadable_lock_counts_as_stray(tmp_path: Path) -> None:
    path = lock_path(tmp_path, REPO)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert live_lock(tmp_path, REPO) is None
    assert [info.path for info in stray_locks(tmp_path)] == [path]


def test_ignore_store_round_trip(tmp_path: Path) -> None:
    store = IgnoreStore(tmp_path / "state" / "ignored.json")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert store.keys() == set()
    assert store.add("acme/api:agent001/1-x", when) is True
    assert store.add("acme/api:agent001/1-x", when) is False
    assert IgnoreStore(store.path).is_ignored("acme/api:agent001/1-x")
    assert store.remove("acme/api:agent001/1-x") is True and store.keys() == set()
    store.path.write_text("[1, 2]")
    with pytest.raises(IgnoreFileError, match=r"ignored\.json is unreadable"):
        store.keys()


def test_holder_start_time_guards_against_pid_reuse(tmp_path: Path) -> None:
    path = lock_path(tmp_path, REPO)
    path.parent.mkdir(parents=True)
    # Our own pid, but a start time that is not ours: a reused pid, not the holder.
    path.write_text(json.dumps({"pid": os.getpid(), "started": "1", "host": socket.gethostname()}))
    assert live_lock(tmp_path, REPO) is None
