"""One agent per repository across processes: a second soda-tui refuses a repository already run."""

from __future__ import annotations

import os
import subprocess
import sys
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


def _configured(
    hub: LocalHub, token: str, tmp_path: Path, repo: str
) -> tuple[dict[str, str], Path]:
    """A repository with one queued issue, a config for it, and the CLI's environment."""
    owner, name = repo.split("/")
    seed_repo(hub, repo)
    hub.state.create_issue(owner, name, "Work", labels=["route:ready"])
    config = tmp_path / "config.toml"
    config.write_text(config_text(hub.graphql_url, [repo]), encoding="utf-8")
    home = tmp_path / "soda"
    env = {**os.environ, TOKEN_ENV: token, "SODA_CONFIG": str(config), "SODA_HOME": str(home)}
    env.pop("GH_TOKEN", None)
    env.pop("GITHUB_TOKEN", None)
    return env, Paths.under(home).state_dir


def _holder(state_dir: Path, repo: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Another process holding `repo`'s lock (it lets go when its stdin closes)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_dir), repo],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def _soda(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soda_tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_second_process_is_refused_while_the_repository_is_held(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    env, state_dir = _configured(localhub, hub_token, tmp_path, "acme/solo")
    holder = _holder(state_dir, "acme/solo", env)
    try:
        pop = _soda(env, "pop")
        assert pop.returncode == 1
        assert "held by another soda-tui" in pop.stdout and "one agent per repository" in pop.stdout
        worker = _soda(env, "worker", "--ticks", "1")
        assert worker.returncode == 2 and "held by another soda-tui" in worker.stderr
        # Nothing was claimed while the other process held the repository.
        assert '"working": []' in _soda(env, "peek", "--json").stdout
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    # The holder let go: the same command now works, and leaves no lock behind.
    pop = _soda(env, "pop")
    assert pop.returncode == 0, pop.stderr
    assert read_lock(lock_path(state_dir, RepoName.parse("acme/solo"))) is None


def test_a_lock_left_by_a_dead_process_does_not_block(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    env, state_dir = _configured(localhub, hub_token, tmp_path, "acme/after-crash")
    holder = _holder(state_dir, "acme/after-crash", env)
    holder.kill()  # a crash: the lock file stays, its process is gone
    holder.wait(timeout=30)
    assert read_lock(lock_path(state_dir, RepoName.parse("acme/after-crash"))) is not None
    pop = _soda(env, "pop")
    assert pop.returncode == 0, pop.stdout + pop.stderr
