"""One agent per repository across processes: a second soda-tui refuses a repository already run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.recovery.locks import lock_path, read_lock
from soda_tui.settings.paths import Paths
from tests.integration.loop_support import TOKEN_ENV, config_text, seed_repo

HOLDER = """
import sys, time
from pathlib import Path
from soda_tui.core.models import RepoName
from soda_tui.recovery.locks import RepoLock
lock = RepoLock(Path(sys.argv[1]), RepoName.parse(sys.argv[2]), holder="another soda-tui")
lock.acquire()
print("held", flush=True)
sys.stdin.read()  # hold until the test closes our stdin
lock.release()
"""


def test_a_second_process_is_refused_while_the_repository_is_held(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/solo")
    localhub.state.create_issue("acme", "solo", "Only once", labels=["route:ready"])
    config = tmp_path / "config.toml"
    config.write_text(config_text(localhub.graphql_url, ["acme/solo"]), encoding="utf-8")
    home = tmp_path / "soda"
    env = {**os.environ, TOKEN_ENV: hub_token, "SODA_CONFIG": str(config), "SODA_HOME": str(home)}
    env.pop("GH_TOKEN", None)
    env.pop("GITHUB_TOKEN", None)
    state_dir = Paths.under(home).state_dir
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_dir), "acme/solo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        pop = subprocess.run(
            [sys.executable, "-m", "soda_tui", "pop"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert pop.returncode == 1
        assert "held by another soda-tui" in pop.stdout and "one agent per repository" in pop.stdout
        worker = subprocess.run(
            [sys.executable, "-m", "soda_tui", "worker", "--ticks", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert worker.returncode == 2 and "held by another soda-tui" in worker.stderr
        # Nothing was claimed while the other process held the repository.
        peek = subprocess.run(
            [sys.executable, "-m", "soda_tui", "peek", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert '"working": []' in peek.stdout
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    # The holder let go: the same command now works, and leaves no lock behind.
    pop = subprocess.run(
        [sys.executable, "-m", "soda_tui", "pop"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert pop.returncode == 0, pop.stderr
    assert read_lock(lock_path(state_dir, RepoName.parse("acme/solo"))) is None


def test_a_lock_left_by_a_dead_process_does_not_block(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/after-crash")
    localhub.state.create_issue("acme", "after-crash", "Go", labels=["route:ready"])
    config = tmp_path / "config.toml"
    config.write_text(config_text(localhub.graphql_url, ["acme/after-crash"]), encoding="utf-8")
    home = tmp_path / "soda"
    env = {**os.environ, TOKEN_ENV: hub_token, "SODA_CONFIG": str(config), "SODA_HOME": str(home)}
    env.pop("GH_TOKEN", None)
    env.pop("GITHUB_TOKEN", None)
    state_dir = Paths.under(home).state_dir
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_dir), "acme/after-crash"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.kill()  # a crash: the lock file stays, its process is gone
    holder.wait(timeout=30)
    deadline = time.monotonic() + 10
    while read_lock(lock_path(state_dir, RepoName.parse("acme/after-crash"))) is None:
        assert time.monotonic() < deadline
    pop = subprocess.run(
        [sys.executable, "-m", "soda_tui", "pop"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert pop.returncode == 0, pop.stdout + pop.stderr
