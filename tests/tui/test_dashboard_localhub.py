"""The dashboard driving the real loop: localhub over loopback, real git, the demo agent."""

from __future__ import annotations

from collections.abc import Callable

from tui_support import HubWorld, notes, wait_until

from soda_tui.tui.app import SodaApp, create_app
from soda_tui.tui.screens.confirm import ConfirmScreen
from soda_tui.tui.screens.logs import LogsScreen
from soda_tui.tui.screens.queue import QueueScreen

READY = ("route:ready",)
SIZE = (120, 36)


def idle_after(app: SodaApp, repo: str, word: str) -> Callable[[], bool]:
    """True once the repository is free again and its last note mentions `word`."""
    return lambda: not app.states[repo].busy and word in app.states[repo].note


async def test_pop_then_land_after_green_ci_closes_the_issue(
    hub_world: Callable[..., HubWorld],
) -> None:
    world = hub_world(
        {"acme/api": [("Mark the docs as reviewed", "soda-demo: edit README.md reviewed", READY)]}
    )
    repo = world.repos[0]
    name = str(repo)
    app = create_app(world.session)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_until(
                pilot, lambda: app.states[name].board is not None, what="the first refresh"
            )
            await pilot.press("p")
            await wait_until(pilot, idle_after(app, name, "popped"), what="the pop")
            assert "agent001" in world.issue(repo, 1)["labels"]
            await pilot.press("p")  # one agent per repository: the key now says why not
            assert "Pop: not now: #1 is already claimed in acme/api" in notes(app)[-1]

            await pilot.press("r")
            await wait_until(
                pilot, idle_after(app, name, "done"), timeout=120, what="the agent run"
            )
            await pilot.press("b")
            await wait_until(pilot, idle_after(app, name, "bottled"), what="the bottle")
            assert "route:review" in world.issue(repo, 1)["labels"]

            def green() -> bool:
                pull = app.states[name].open_pull
                if pull is None or pull.checks != "SUCCESS":
                    app.refresh_board()  # CI finishes on its own; look again (one request)
                    return False
                return True

            await wait_until(pilot, green, timeout=120, what="CI to pass on the pull request")
            await pilot.press("l")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question"
            )
            await pilot.press("y")
            await wait_until(pilot, idle_after(app, name, "landed"), timeout=120, what="the land")
            issue = world.issue(repo, 1)
            assert issue["state"] == "CLOSED"
            assert "route:review" not in issue["labels"]
            assert any(note.startswith("Landed: #1 landed") for note in notes(app))
    finally:
        await world.session.aclose()


async def test_the_queue_screen_pops_the_chosen_issue(hub_world: Callable[..., HubWorld]) -> None:
    world = hub_world(
        {
            "acme/api": [
                ("Return 404 for unknown routes", "", READY),
                ("Log slow queries", "", READY),
            ],
            "acme/web": [("Add a dark mode toggle", "", (*READY, "route:priority-high"))],
        }
    )
    api, web = world.repos
    app = create_app(world.session)
    try:
        async with app.run_test(size=(110, 30), notifications=True) as pilot:
            await wait_until(
                pilot, lambda: all(s.board for s in app.states.values()), what="the first refresh"
            )
            await pilot.press("q")
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            await wait_until(pilot, lambda: len(screen.rows) == 3, what="the queues")
            await pilot.press(*"slow")
            assert [(row.repo, row.number) for row in screen.visible_rows] == [("acme/api", 2)]
            await pilot.press("enter")
            await wait_until(pilot, idle_after(app, str(api), "popped"), what="the pop")
            # The chosen issue, not the one at the head of the queue.
            assert "agent001" in world.issue(api, 2)["labels"]
            assert "agent001" not in world.issue(api, 1)["labels"]
            await wait_until(pilot, lambda: len(screen.rows) == 2, what="the queue to reload")
            assert "agent001" not in world.issue(web, 1)["labels"]
    finally:
        await world.session.aclose()


async def test_the_logs_screen_follows_a_run_and_backfills_when_opened_late(
    hub_world: Callable[..., HubWorld],
) -> None:
    body = "soda-demo: lines-per-second 40 seconds 2"
    world = hub_world({"acme/api": [("Write a getting-started guide", body, READY)]})
    name = str(world.repos[0])
    app = create_app(world.session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(
                pilot, lambda: app.states[name].board is not None, what="the first refresh"
            )
            await pilot.press("p")
            await wait_until(pilot, idle_after(app, name, "popped"), what="the pop")
            await pilot.press("r")
            await wait_until(
                pilot,
                lambda: app.states[name].agent_running,
                timeout=120,
                what="the agent to start",
            )
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            await wait_until(pilot, lambda: screen.view.line_count >= 5, what="live lines")
            seen_early = screen.view.line_count
            await wait_until(
                pilot,
                lambda: any("run ended" in line for line in screen.view.lines),
                timeout=120,
                what="the run to end on screen",
            )
            assert screen.view.line_count > seen_early  # lines kept arriving while it was open
            live_lines = list(screen.view.lines)
            await wait_until(pilot, lambda: not app.states[name].busy, timeout=120, what="the run")
    finally:
        await world.session.aclose()

    # A fresh dashboard (a restart) has nothing in memory: it reads the newest run log from disk.
    world.session = world.session.open(
        world.session.config_file,
        environ=world.environ,
        paths=world.paths,
        config=world.session.config,
    )
    again = create_app(world.session, poll=False)
    try:
        async with again.run_test(size=SIZE) as pilot:
            await pilot.pause()
            again.open_logs(name)
            await pilot.pause()
            screen = again.screen
            assert isinstance(screen, LogsScreen)
            await wait_until(pilot, lambda: screen.view.line_count > 0, what="the backfill")
            assert "agent.log" in screen.source
            file_text = "\n".join(screen.view.lines)
            for line in live_lines[1:6]:
                assert line.removeprefix("[soda] ") in file_text
    finally:
        await world.session.aclose()


async def test_autopilot_takes_an_issue_from_queue_to_landed(
    hub_world: Callable[..., HubWorld],
) -> None:
    world = hub_world(
        {"acme/docs": [("Mark the docs as reviewed", "soda-demo: edit README.md reviewed", READY)]},
        autopilot=True,
    )
    repo = world.repos[0]
    app = create_app(world.session)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_until(
                pilot,
                lambda: world.issue(repo, 1)["state"] == "CLOSED",
                timeout=150,
                what="the autopilot to land the issue",
            )
            await wait_until(
                pilot,
                lambda: any(n.startswith("Landed: ") for n in notes(app)),
                what="the landed notification",
            )
            assert app.states[str(repo)].error is None
    finally:
        await world.session.aclose()


async def test_cancel_stops_a_hanging_agent_after_asking(
    hub_world: Callable[..., HubWorld],
) -> None:
    world = hub_world({"acme/api": [("Think forever", "soda-demo: hang", READY)]})
    repo = world.repos[0]
    name = str(repo)
    app = create_app(world.session)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_until(
                pilot, lambda: app.states[name].board is not None, what="the first refresh"
            )
            await pilot.press("c")  # nothing runs yet: the key says so
            assert notes(app)[-1] == "Cancel: not now: no agent is running in acme/api"
            await pilot.press("p")
            await wait_until(pilot, idle_after(app, name, "popped"), what="the pop")
            await pilot.press("r")
            await wait_until(
                pilot,
                lambda: app.states[name].agent_running,
                timeout=120,
                what="the agent to start",
            )
            await pilot.press("c")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question"
            )
            await pilot.press("y")
            await wait_until(
                pilot, lambda: not app.states[name].busy, timeout=120, what="the run to stop"
            )
            assert not app.states[name].agent_running
            assert "the agent was cancelled" in app.states[name].note
            assert "agent001" in world.issue(repo, 1)["labels"]  # still claimed: run it again
            assert app.refusal("run", name) is None
            assert any(
                line.startswith("[soda] run ended: cancelled") for line in app.outputs[name].lines
            )
    finally:
        await world.session.aclose()


async def test_a_rate_limit_shows_in_the_status_line_and_on_the_pane(
    hub_world: Callable[..., HubWorld],
) -> None:
    world = hub_world({"acme/api": [("Return 404 for unknown routes", "", READY)]})
    app = create_app(world.session)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_until(
                pilot, lambda: app.states["acme/api"].board is not None, what="the first refresh"
            )
            budget = str(app.dashboard.query_one("#budget").render())
            assert budget.startswith("GitHub ") and " left · resets " in budget

            world.hub.faults.update(rate_limited=True)
            await pilot.press("ctrl+r")
            await wait_until(
                pilot,
                lambda: "rate limit" in (app.refresh_problem or ""),
                what="the rate limit to show",
            )
            assert any(note.startswith("GitHub: ") and "rate limit" in note for note in notes(app))
            assert "rate limit" in str(app.dashboard.query_one("#problem").render())

            # The last good board stays on show, and an action meets the limit on its pane.
            assert app.states["acme/api"].board is not None
            await pilot.press("p")
            await wait_until(
                pilot,
                lambda: app.states["acme/api"].error is not None,
                what="the pop to meet the limit",
            )
            assert "rate limit" in (app.states["acme/api"].error or "")
            assert any(note.startswith("pop · acme/api: ") for note in notes(app))
            assert app.is_running and not app.states["acme/api"].busy
    finally:
        await world.session.aclose()


async def test_a_bad_token_is_shown_and_keys_say_why_they_wait(
    hub_world: Callable[..., HubWorld],
) -> None:
    world = hub_world(
        {"acme/api": [("Return 404 for unknown routes", "", READY)]}, token="not-the-hub-token"
    )
    app = create_app(world.session)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_until(pilot, lambda: app.refresh_problem is not None, what="the refusal")
            assert "rejected the token" in (app.refresh_problem or "")
            assert "not-the-hub-token" not in (app.refresh_problem or "")
            assert any("rejected the token" in note for note in notes(app))
            await pilot.press("p")
            assert notes(app)[-1] == (
                "Pop: not now: acme/api has not been read from GitHub yet: "
                "wait for the first refresh"
            )
            assert app.is_running
    finally:
        await world.session.aclose()
