"""Helpers for the dashboard's tests: a condition waiter and a localhub world."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.pilot import Pilot

from soda_tui.core.models import RepoName
from soda_tui.loop.session import Session
from soda_tui.settings.paths import Paths

TOKEN_ENV = "SODA_TUI_TEST_TOKEN"


async def wait_until(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    *,
    timeout: float = 60.0,
    what: str = "the condition",
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds saying what."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f} s waiting for {what}; {describe(pilot.app)}"
            )
        await pilot.pause(0.05)


def describe(app: Any) -> str:
    """What the dashboard shows, for failure messages: each pane's state and the refresh problem."""
    states = "; ".join(f"{repo}: {state}" for repo, state in getattr(app, "states", {}).items())
    return f"refresh problem: {getattr(app, 'refresh_problem', None)}; {states}"


@dataclass
class HubWorld:
    """A localhub with seeded repositories and a session configured for them."""

    hub: Any
    session: Session
    paths: Paths
    repos: list[RepoName]
    environ: dict[str, str]

    def issue(self, repo: RepoName, number: int) -> dict[str, Any]:
        """An issue's state and labels, read through localhub's own executor."""
        outcome = self.hub.state.execute_graphql(
            """query($o: String!, $n: String!, $i: Int!) { repository(owner: $o, name: $n) {
                 issue(number: $i) { state labels(first: 30) { nodes { name } } } } }""",
            {"o": repo.owner, "n": repo.name, "i": number},
            None,
            "soda-dev",
        )
        assert not outcome.body.get("errors"), outcome.body["errors"]
        issue = outcome.body["data"]["repository"]["issue"]
        return {"state": issue["state"], "labels": {n["name"] for n in issue["labels"]["nodes"]}}


def notes(app: Any) -> list[str]:
    """Every notification the app has raised and not yet dismissed, as `title: message`."""
    # Textual keeps them on the app; there is no public accessor, and tests must read them.
    return [f"{item.title}: {item.message}" for item in app._notifications]


async def staged(pilot: Pilot[Any]) -> None:
    """Feed the sample scene and let every message and worker settle; start with no toasts."""
    from soda_tui.tui.scenes import stage

    stage(pilot.app)
    await pilot.pause()
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for every worker to end (failures included) and for the messages they posted."""
    workers = list(pilot.app.workers)
    await asyncio.gather(*(worker.wait() for worker in workers), return_exceptions=True)
    await pilot.pause()
