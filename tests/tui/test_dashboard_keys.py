"""The dashboard's keys, palette, screens and error handling, on sample boards (no GitHub needed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Input, Label
from tui_support import notes, settle, staged, wait_until

from soda_tui.agents.events import LogLine
from soda_tui.core.models import RepoName
from soda_tui.loop.autopilot import WorkerUpdate
from soda_tui.loop.parking import park, parked_until
from soda_tui.loop.session import Session
from soda_tui.tui.app import SodaApp, create_app
from soda_tui.tui.messages import WorkerReported
from soda_tui.tui.scenes import SCENE_NOW, scene_app, show_queue_scene
from soda_tui.tui.screens.confirm import ConfirmScreen
from soda_tui.tui.screens.help import HelpScreen
from soda_tui.tui.screens.logs import LOG_MAX_LINES, LogsScreen
from soda_tui.tui.screens.queue import QueueScreen
from soda_tui.tui.widgets.repo_pane import RepoPane

SIZE = (120, 36)


def pane(app: SodaApp, repo: str) -> RepoPane:
    found = app.dashboard.pane(repo)
    assert found is not None, f"no pane for {repo}"
    return found


async def focus_repo(app: SodaApp, pilot: Pilot[None], repo: str) -> None:
    pane(app, repo).focus()
    await pilot.pause()


async def test_a_disabled_key_is_dimmed_and_says_why_when_pressed(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(12))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await staged(pilot)
        await focus_repo(app, pilot, "acme/docs")  # idle, nothing queued
        assert app.dashboard.active_bindings["p"].enabled is False
        assert app.dashboard.active_bindings["a"].enabled is True
        await pilot.press("p")
        await pilot.pause()
        assert notes(app) == [
            "Pop: not now: the queue of acme/docs is empty: label an issue route:ready"
        ]
        assert not app.states["acme/docs"].busy
        await focus_repo(app, pilot, "acme/design")  # six queued: the same key is live there
        assert app.dashboard.active_bindings["p"].enabled is True


async def test_a_refused_palette_entry_says_why(scene_session: Callable[[int], Session]) -> None:
    app = scene_app(scene_session(4))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await staged(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"land acme/analytics")

        def best_match() -> str:
            options = app.screen.query(CommandList)
            if not options or not options.first().option_count:
                return ""
            return str(options.first().get_option_at_index(0).prompt)

        await wait_until(
            pilot,
            lambda: "Land · acme/analytics" in best_match(),
            what="the palette to find the entry",
        )
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: bool(notes(app)), what="the refusal notification")
        assert notes(app) == [
            "Land: not now: acme/analytics has no open agent pull request: bottle an issue first"
        ]


async def test_arrow_keys_move_between_panes_in_grid_order(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(4))
    async with app.run_test(size=SIZE) as pilot:
        await staged(pilot)

        def focused() -> str:
            assert isinstance(app.focused, RepoPane)
            return app.focused.repo

        assert focused() == "acme/api"
        await pilot.press("right")
        assert focused() == "acme/web"
        await pilot.press("down")
        assert focused() == "acme/mobile"
        await pilot.press("left")
        assert focused() == "acme/analytics"
        await pilot.press("left")  # nothing further left in the first column but the last pane
        await pilot.press("up", "up")
        assert focused() in {"acme/api", "acme/web"}


async def test_land_asks_first_and_no_leaves_everything_alone(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(4))
    async with app.run_test(size=SIZE) as pilot:
        await staged(pilot)
        await focus_repo(app, pilot, "acme/web")
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert (
            "Merge PR #18" in app.screen.question and "into main of acme/web" in app.screen.question
        )
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is app.dashboard
        assert not app.states["acme/web"].busy and app.states["acme/web"].activity is None


async def test_autopilot_toggles_and_an_idle_tick_stays_calm(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(12))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await staged(pilot)
        await focus_repo(app, pilot, "acme/docs")
        assert pane(app, "acme/docs").border_subtitle == "autopilot off"
        requests_before = app.session.client.request_count
        await pilot.press("a")
        await wait_until(pilot, lambda: not app.states["acme/docs"].busy, what="the tick to end")
        await settle(pilot)
        assert app.states["acme/docs"].autopilot is True
        assert pane(app, "acme/docs").border_subtitle == "autopilot on"
        # Nothing to do: the worker decided to wait, said why, and sent no request.
        assert app.states["acme/docs"].note == "idle: the queue is empty"
        assert app.session.client.request_count == requests_before
        await pilot.press("a")
        assert app.states["acme/docs"].autopilot is False
        assert "Autopilot: autopilot off for acme/docs" in notes(app)


async def test_a_failing_action_shows_on_the_pane_and_the_dashboard_lives_on(
    scene_session: Callable[[int], Session],
) -> None:
    # The scene's API address has nothing listening: pop meets a real connection failure.
    app = scene_app(scene_session(12))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await staged(pilot)
        await focus_repo(app, pilot, "acme/design")
        await pilot.press("p")
        await wait_until(
            pilot, lambda: app.states["acme/design"].error is not None, what="the pop to fail"
        )
        state = app.states["acme/design"]
        assert not state.busy
        assert "127.0.0.1:9" in (state.error or "")
        assert any(note.startswith("pop · acme/design: ") for note in notes(app))
        assert pane(app, "acme/design").has_class("-error")
        assert app.is_running
        await pilot.press("right")  # and the keys still work
        assert isinstance(app.focused, RepoPane) and app.focused.repo == "acme/email"


async def test_a_refresh_failure_is_shown_once_per_problem(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(4))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await staged(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.refresh_problem is not None, what="the refresh to fail")
        await settle(pilot)
        app.refresh_board()
        await settle(pilot)
        assert len([note for note in notes(app) if note.startswith("GitHub: ")]) == 1
        status = app.dashboard.query_one("#problem").render()
        assert "127.0.0.1:9" in str(status)
        assert app.states["acme/api"].board is not None  # the last good board stays on show


async def test_the_logs_screen_follows_pauses_and_searches(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(4))
    async with app.run_test(size=(100, 30)) as pilot:
        await staged(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, LogsScreen) and app.screen.repo == "acme/api"
        screen = app.screen
        assert screen.view.line_count == 11  # the run so far, from memory

        def say(text: str) -> None:
            app.feed_agent_event("acme/api", LogLine("stdout", text, SCENE_NOW))

        say("step 12")
        await wait_until(pilot, lambda: screen.view.line_count == 12, what="the live line")
        await pilot.press("space")
        say("held back")
        await wait_until(pilot, lambda: list(screen.held) == ["held back"], what="the held line")
        assert screen.view.line_count == 12
        assert "paused, 1 new lines held" in str(screen.query_one("#logs-status").render())
        await pilot.press("space")
        assert screen.view.lines[-1] == "held back" and not screen.held
        await pilot.press("slash", *"login")
        assert screen.view.search_term == "login"
        assert "5 lines match 'login'" in str(screen.query_one("#logs-status").render())
        await pilot.press("enter")
        assert "login" in screen.view.lines[screen._match_line or 0].lower()
        assert screen.view.auto_scroll is False  # reading a match stops the follow
        await pilot.press("escape")  # closes the search box, keeps the screen
        assert isinstance(app.screen, LogsScreen) and not screen.query_one(Input).display
        await pilot.press("f")
        assert screen.view.auto_scroll is True
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_the_logs_screen_keeps_memory_bounded(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(1))
    async with app.run_test(size=(100, 30)) as pilot:
        await staged(pilot)
        app.open_logs("acme/api")
        await pilot.pause()
        for number in range(LOG_MAX_LINES + 2000):
            app.feed_agent_event("acme/api", LogLine("stdout", f"line {number}", SCENE_NOW))
        last = f"line {LOG_MAX_LINES + 1999}"
        await wait_until(pilot, lambda: app.screen.view.lines[-1:] == [last], what="the flood")
        assert app.screen.view.line_count == LOG_MAX_LINES
        assert len(app.outputs["acme/api"].lines) <= 10_000


async def test_the_queue_filters_as_you_type_and_pop_says_why_when_it_cannot(
    scene_session: Callable[[int], Session],
) -> None:
    app = scene_app(scene_session(4))
    async with app.run_test(size=(110, 24), notifications=True) as pilot:
        await staged(pilot)
        show_queue_scene(app)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen) and len(screen.visible_rows) == 8
        await pilot.press(*"web high")
        assert [(row.repo, row.number) for row in screen.visible_rows] == [("acme/web", 19)]
        await pilot.press(*["backspace"] * 8, *"api")
        assert [row.number for row in screen.visible_rows] == [40, 43, 44]
        await pilot.press("down", "enter")
        await pilot.pause()
        # acme/api already holds #42: the pop is refused with the reason, nothing starts.
        assert notes(app) == [
            "Pop: not now: #42 is already claimed in acme/api: run or bottle it "
            "first (one agent per repository)"
        ]
        assert not app.states["acme/api"].busy
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_help_lists_every_key_as_remapped(scene_session: Callable[[int], Session]) -> None:
    app = create_app(scene_session(4), poll=False, keymap={"pop": "o"})
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await staged(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        dashboard_rows = dict(app.screen.sections)[next(iter(dict(app.screen.sections)))]
        assert ("o", "Pop", "Claim the next queued issue") in dashboard_rows
        await pilot.press("escape")
        await focus_repo(app, pilot, "acme/mobile")  # parked, with a claimed issue
        await pilot.press("o")  # the remapped pop key
        await pilot.pause()
        assert notes(app) == [
            "Pop: not now: #9 is already claimed in acme/mobile: run or bottle "
            "it first (one agent per repository)"
        ]


async def test_events_that_need_a_human_ring_the_bell_only_when_asked(
    scene_session: Callable[[int], Session],
) -> None:
    async def rings_after_a_landing(bell: bool) -> int:
        app = create_app(scene_session(2), poll=False, bell=bell)
        rings: list[None] = []
        app.bell = lambda: rings.append(None)  # type: ignore[method-assign]
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await staged(pilot)
            landed = WorkerUpdate(
                "acme/web",
                "result",
                "#17 landed: pull request #18 merged",
                SCENE_NOW,
                issue=17,
                ok=True,
                data={"action": "land"},
            )
            app.post_message(WorkerReported(landed))
            await wait_until(
                pilot,
                lambda: any(n.startswith("Landed: ") for n in notes(app)),
                what="the landed notification",
            )
        return len(rings)

    assert await rings_after_a_landing(True) == 1
    assert await rings_after_a_landing(False) == 0


async def test_one_key_cancels_a_park(scene_session: Callable[[int], Session]) -> None:
    session = scene_session(4)
    mobile = RepoName.parse("acme/mobile")
    park(session.paths.state_dir, mobile, SCENE_NOW + timedelta(hours=1), "agent usage limit")
    app = scene_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await staged(pilot)
        await focus_repo(app, pilot, "acme/api")
        assert app.dashboard.active_bindings["u"].enabled is False  # api is not parked
        await focus_repo(app, pilot, "acme/mobile")
        assert "parked, 1h 23m left" in str(
            pane(app, "acme/mobile").query_one(".clock", Label).render()
        )
        await pilot.press("u")
        await wait_until(
            pilot, lambda: app.states["acme/mobile"].parked_until is None, what="the park to lift"
        )
        assert parked_until(session.paths.state_dir, mobile, SCENE_NOW) is None
        assert app.states["acme/mobile"].note == "unparked"
        assert app.refusal("run", "acme/mobile") is None  # its claimed issue can run again
