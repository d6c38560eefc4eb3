"""Agents that hang or flood, and the autopilot over several repositories (headless worker)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from soda_tui.core.clock import FakeClock
from soda_tui.localhub import LocalHub
from soda_tui.loop.autopilot import Autopilot, WorkerUpdate
from soda_tui.loop.parking import parked_until
from soda_tui.loop.pop import pop
from soda_tui.loop.results import Exit
from soda_tui.loop.run import run
from soda_tui.loop.status import fetch_board
from tests.integration.loop_support import TOKEN_ENV, config_text, open_world, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


async def test_an_agent_that_hangs_is_stopped_and_the_issue_blocked(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/hang")
    world = open_world(localhub, hub_token, tmp_path, ["acme/hang"], agent=FAST_DEMO)
    number = localhub.state.create_issue(
        "acme", "hang", "Never ends", body="soda-demo: hang", labels=["route:ready"]
    )
    # The fake clock makes the 60-minute timeout pass at once; the process is real.
    ctx = dataclasses.replace(world.ctx(), clock=FakeClock())
    try:
        await pop(ctx)
        result = await run(ctx)
        assert result.exit_code == Exit.NOTHING
        assert result.data["outcome"] in {"timed_out", "stalled"}
        issue = world.issue(number)
        assert issue["labels"] == {"route:blocked"} and len(issue["comments"]) == 1
    finally:
        await world.session.aclose()


async def test_an_agent_that_prints_megabytes_still_lands_its_work(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/loud")
    world = open_world(localhub, hub_token, tmp_path, ["acme/loud"], agent=FAST_DEMO)
    localhub.state.create_issue(
        "acme", "loud", "Chatty", body="soda-demo: flood 200000", labels=["route:ready"]
    )
    ctx = world.ctx()
    seen: list[object] = []
    try:
        await pop(ctx)
        result = await run(ctx, on_event=seen.append)
        assert result.exit_code == Exit.DONE, result.message
        log = Path(result.data["log"])
        with log.open("rb") as handle:
            assert sum(1 for _ in handle) >= 200000
        assert len(seen) >= 200000  # every line reached the subscriber, none kept in memory here
    finally:
        await world.session.aclose()


async def test_autopilot_works_through_two_repositories(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "team/one")
    seed_repo(localhub, "team/two", ci=None)
    world = open_world(
        localhub,
        hub_token,
        tmp_path,
        ["team/one", "team/two"],
        agent=FAST_DEMO,
        repo_extra="allow_no_checks = true",
    )
    issues = {
        "team/one": [
            localhub.state.create_issue("team", "one", f"Task {i}", labels=["route:ready"])
            for i in range(2)
        ],
        "team/two": [
            localhub.state.create_issue("team", "two", "Only task", labels=["route:ready"])
        ],
    }
    updates: list[WorkerUpdate] = []
    autopilot = Autopilot(world.session, world.session.repo_names(), updates.append)
    try:
        for _tick in range(12):
            await autopilot.tick()
            assert localhub.ci.wait_idle(60)
            if all(
                world.issue(n, world.ctx(repo).repo)["state"] == "CLOSED"
                for repo, numbers in issues.items()
                for n in numbers
            ):
                break
        for repo, numbers in issues.items():
            for number in numbers:
                assert world.issue(number, world.ctx(repo).repo)["state"] == "CLOSED", (
                    repo,
                    number,
                )
        assert not [u for u in updates if u.kind == "error"], [
            u.message for u in updates if u.kind == "error"
        ]
        assert any("landed" in u.message for u in updates if u.repo == "team/two")
    finally:
        await world.session.aclose()


def test_worker_stops_on_sigterm_and_carries_on_after_restart(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/server")
    gate = tmp_path / "hold"
    gate.write_text("hold")
    script = tmp_path / "agent.sh"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'while [ -f "{gate}" ]; do sleep 0.05; done\n'
        "echo done > result.txt && git add result.txt && "
        "git -c user.name=a -c user.email=a@b commit -qm 'do the task'\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    config = tmp_path / "worker.toml"
    config.write_text(
        config_text(localhub.graphql_url, ["acme/server"], agent=f'{{ command = ["{script}"] }}'),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        TOKEN_ENV: hub_token,
        "SODA_CONFIG": str(config),
        "SODA_HOME": str(tmp_path / "soda"),
    }
    env.pop("GH_TOKEN", None)
    env.pop("GITHUB_TOKEN", None)
    number = localhub.state.create_issue("acme", "server", "Serve", labels=["route:ready"])
    (tmp_path / "observer").mkdir()
    world = open_world(localhub, hub_token, tmp_path / "observer", ["acme/server"])
    worker = subprocess.Popen(
        [sys.executable, "-m", "soda_tui", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while "agent001" not in world.issue(number)["labels"]:
            assert time.monotonic() < deadline, "the worker never popped the issue"
            assert worker.poll() is None, worker.communicate()
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        _stdout, stderr = worker.communicate(timeout=60)
        assert worker.returncode == 0, stderr
        assert "stopping" in stderr
        assert world.issue(number)["labels"] == {"agent001"}  # still ours, nothing lost

        gate.unlink()  # the agent can finish now
        again = subprocess.run(
            [sys.executable, "-m", "soda_tui", "worker", "--ticks", "3"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        assert localhub.ci.wait_idle(60)
        final = subprocess.run(
            [sys.executable, "-m", "soda_tui", "worker", "--ticks", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert final.returncode == 0, final.stderr
        issue = world.issue(number)
        assert issue["state"] == "CLOSED", (again.stdout, final.stdout)
        assert len(world.pulls()) == 1
    finally:
        if worker.poll() is None:
            worker.kill()


async def test_a_usage_limit_parks_the_repository_and_keeps_the_claim(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/limited")
    world = open_world(localhub, hub_token, tmp_path, ["acme/limited"], agent=FAST_DEMO)
    number = localhub.state.create_issue(
        "acme", "limited", "Spend it all", body="soda-demo: usage-limit", labels=["route:ready"]
    )
    ctx = world.ctx()
    try:
        await pop(ctx)
        result = await run(ctx)
        assert result.exit_code == Exit.NOTHING, result.message
        assert "usage limit" in result.message and "parked_until" in result.data
        parked = parked_until(world.paths.state_dir, world.repo, ctx.clock.now())
        assert parked is not None
        issue = world.issue(number)
        assert issue["labels"] == {"agent001"} and issue["comments"] == []  # not blocked
        board = (await fetch_board(world.session.client, [world.repo])).boards[0]
        worker = Autopilot(world.session, [world.repo], lambda _u: None).workers[str(world.repo)]
        step = worker.decide(board)
        assert step.kind.value == "wait" and "parked until" in step.reason
    finally:
        await world.session.aclose()
