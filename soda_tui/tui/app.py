"""The dashboard app and `create_app`, the one factory the CLI and the tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, tzinfo
from functools import partial
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from soda_tui.core.clock import Clock
from soda_tui.core.models import RepoName
from soda_tui.loop.autopilot import RepoWorker
from soda_tui.loop.context import RepoContext
from soda_tui.loop.results import ActionResult
from soda_tui.loop.session import Session
from soda_tui.loop.status import BoardSnapshot
from soda_tui.tui.commands import DashboardCommands
from soda_tui.tui.jobs import (
    BoardRead,
    Job,
    RunLogTail,
    describe_failure,
    read_board,
    read_last_run,
)
from soda_tui.tui.messages import BudgetChanged
from soda_tui.tui.model import Alert, OutputBuffer, PaneState, refusal, result_alert
from soda_tui.tui.repo_actions import RepoActionsMixin
from soda_tui.tui.reports import CoreReportsMixin
from soda_tui.tui.screens.dashboard import DashboardScreen
from soda_tui.tui.widgets.repo_pane import RepoPane
from soda_tui.tui.widgets.status_line import StatusLine

OUTPUT_LINES = 10_000


class SodaApp(CoreReportsMixin, RepoActionsMixin, App[None]):
    """One pane per repository, each owning that repository's worker; state lives here only."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {DashboardCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="quit",
            show=False,
            priority=True,
            tooltip="Quit (asks first while agents run)",
        ),
    ]

    def __init__(
        self,
        session: Session,
        *,
        clock: Clock | None = None,
        poll: bool = True,
        title: str = "soda-tui",
        tz: tzinfo | None = None,
        keymap: Mapping[str, str] | None = None,
        bell: bool | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.clock = clock or session.clock
        self.poll = poll
        self.tz = tz
        self.title = title
        self.keymap_overrides = dict(keymap or {})
        self.ring_bell = session.config.defaults.bell if bell is None else bell
        self.repos = [str(name) for name in session.repo_names()]
        self.contexts: dict[str, RepoContext] = {}
        for repo in self.repos:
            ctx = session.context(repo)
            ctx.progress = partial(self._report_progress, repo)
            self.contexts[repo] = ctx
        self.states = {
            repo: PaneState(repo, autopilot=self.contexts[repo].config.autopilot)
            for repo in self.repos
        }
        self.outputs = {repo: OutputBuffer(OUTPUT_LINES) for repo in self.repos}
        self.autopilots = {
            repo: RepoWorker(self.contexts[repo], self._report_update, self._report_agent_event)
            for repo in self.repos
        }
        self.runner_boxes: dict[str, list[Any]] = {repo: [] for repo in self.repos}
        self.stops: dict[str, asyncio.Event] = {}
        self.acted: set[str] = set()  # repositories whose running autopilot tick took a step
        self.jobs: dict[Worker[Any], Job] = {}
        self.last_refresh: datetime | None = None
        self.refresh_problem: str | None = None
        self._board_running = False
        self._tick_after_board = False
        self._unsubscribe_budget: Callable[[], None] | None = None
        self.budget = session.client.budget
        self.dashboard = DashboardScreen(self.repos)
        self._panes_ready = False  # True once the dashboard's panes are mounted

    # -- lifecycle -------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return self.dashboard

    def on_mount(self) -> None:
        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
        client = self.session.client
        self._unsubscribe_budget = client.on_budget(lambda b: self.post_message(BudgetChanged(b)))
        # The only timers: the poll, and a 1 s tick that redraws clock text and nothing else.
        self.set_interval(1.0, self._tick_clocks)
        if self.poll:
            self.set_interval(self.poll_seconds, partial(self.refresh_board, tick=True))
            self.refresh_board(tick=True)
            for repo in self.repos:
                self._start(Job("backfill", repo), read_last_run(self.contexts[repo]))

    def dashboard_ready(self) -> None:
        """Draw every pane and the status line once the dashboard's widgets exist."""
        self._panes_ready = True
        self.dashboard.query_one(StatusLine).show_budget(self.budget)
        for repo in self.repos:
            self._draw(repo)
            pane = self._pane(repo)
            if pane is not None and self.outputs[repo].lines:
                # Output that arrived before the panes existed is shown now, not lost.
                pane.write_lines(self.outputs[repo].lines)
        self._show_refresh()

    def on_unmount(self) -> None:
        if self._unsubscribe_budget is not None:
            self._unsubscribe_budget()

    @property
    def poll_seconds(self) -> float:
        """The shortest poll interval any repository asks for."""
        return float(min((ctx.config.poll_seconds for ctx in self.contexts.values()), default=30))

    # -- state -----------------------------------------------------------------------------

    def refusal(self, action: str, repo: str) -> str | None:
        """Why `action` cannot run in `repo` now, or None."""
        return refusal(action, self.states[repo])

    def focused_repo(self) -> str | None:
        """The repository whose pane has focus on the dashboard."""
        return self.dashboard.focused_repo

    def _pane(self, repo: str) -> RepoPane | None:
        if not self._panes_ready:
            return None
        return self.dashboard.pane(repo)

    def _set_state(self, repo: str, **changes: Any) -> PaneState:
        state = self.states[repo].with_changes(**changes)
        self.states[repo] = state
        self._draw(repo)
        return state

    def _draw(self, repo: str) -> None:
        pane = self._pane(repo)
        if pane is not None:
            pane.show(self.states[repo], self.clock.now())
            self.dashboard.refresh_bindings()

    def _tick_clocks(self) -> None:
        now = self.clock.now()
        for repo, state in self.states.items():
            if state.parked_until is not None and state.parked_until <= now:
                self._set_state(repo, parked_until=None, parked_reason="", note="park expired")
            pane = self._pane(repo)
            if pane is not None:
                pane.tick(now)

    def alert(self, alert: Alert) -> None:
        """Tell the human: a notification, and the bell when the config asks for it."""
        self.notify(
            alert.message,
            title=alert.title,
            severity=alert.severity,
            markup=False,
            timeout=10 if alert.severity == "information" else 20,
        )
        if self.ring_bell:
            self.bell()

    # -- the board -------------------------------------------------------------------------

    def refresh_board(self, *, tick: bool = False) -> None:
        """Read every repository in one request; with `tick`, idle autopilots act on the result."""
        self._tick_after_board = self._tick_after_board or tick
        if self._board_running:
            return
        self._board_running = True
        repos = [RepoName.parse(repo) for repo in self.repos]
        self._start(Job("board"), read_board(self.session, repos))

    def action_refresh_board(self) -> None:
        """Refresh now."""
        self.refresh_board(tick=True)

    def feed_board(
        self, snapshot: BoardSnapshot, parks: Mapping[str, tuple[Any, str] | None] | None = None
    ) -> None:
        """Show a board (what a refresh does; tests and screenshots feed their own)."""
        self.last_refresh = self.clock.now()
        self.refresh_problem = None
        for board in snapshot.boards:
            repo = str(board.repo)
            if repo not in self.states:
                continue
            changes: dict[str, Any] = {"board": board}
            if parks is not None and repo in parks:
                park = parks[repo]
                changes.update(
                    parked_until=park[0] if park else None, parked_reason=park[1] if park else ""
                )
            self._set_state(repo, **changes)
        self._show_refresh()

    def _show_refresh(self) -> None:
        if self._panes_ready:
            self.dashboard.query_one(StatusLine).show_refresh(
                self.last_refresh, self.refresh_problem
            )

    def _board_done(self, read: BoardRead) -> None:
        self.feed_board(read.snapshot, read.parks)
        tick, self._tick_after_board = self._tick_after_board, False
        if tick:
            for repo in self.repos:
                state = self.states[repo]
                if (
                    state.autopilot
                    and not state.busy
                    and state.board is not None
                    and state.board.found
                ):
                    self.start_tick(repo)

    def _board_failed(self, message: str) -> None:
        if message != self.refresh_problem:
            # Once per distinct problem: a network outage must not notify on every poll.
            self.alert(Alert("GitHub", message, "error"))
        self.refresh_problem = message
        self._show_refresh()

    def on_budget_changed(self, message: BudgetChanged) -> None:
        self.budget = message.budget
        if self._panes_ready:
            self.dashboard.query_one(StatusLine).show_budget(message.budget)

    # -- workers ---------------------------------------------------------------------------

    def _start(self, job: Job, work: Coroutine[Any, Any, Any]) -> Worker[Any]:
        """Run `work` in a named worker; a repository's group holds at most one at a time."""
        group = (
            f"repo:{job.repo}" if job.kind in ("action", "autopilot") else f"{job.kind}:{job.repo}"
        )
        name = " ".join(part for part in (job.action or job.kind, job.repo) if part)
        worker = self.run_worker(
            work,
            name=name,
            group=group,
            exit_on_error=False,
            exclusive=job.kind in ("action", "autopilot", "queues"),
        )
        self.jobs[worker] = job
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where every worker's end is handled: results shown, failures made visible."""
        job = self.jobs.get(event.worker)
        if job is None or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        del self.jobs[event.worker]
        if job.kind == "autopilot" and event.state != WorkerState.SUCCESS and job.repo is not None:
            self.acted.discard(job.repo)
        if job.kind == "board":
            self._board_running = False
        if event.state == WorkerState.SUCCESS:
            self._job_succeeded(job, event.worker.result)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            self._job_failed(job, error if error is not None else RuntimeError("unknown failure"))
        else:
            self._job_cancelled(job)

    def _job_succeeded(self, job: Job, result: Any) -> None:
        if job.kind == "board":
            self._board_done(result)
        elif job.kind == "action" and job.repo is not None:
            self._action_done(job.repo, result)
        elif job.kind == "autopilot" and job.repo is not None:
            self._set_state(
                job.repo, driver=None, activity=None, activity_since=None, progress=None
            )
            if job.repo in self.acted:
                # Only a tick that changed something needs a fresh look; idle ticks cost nothing.
                self.acted.discard(job.repo)
                self.refresh_board()
        elif job.kind == "queues":
            self.show_queues(result)
        elif job.kind == "backfill" and isinstance(result, RunLogTail):
            self.backfill_done(result)
        elif job.kind == "unpark" and job.repo is not None:
            self._set_state(job.repo, parked_until=None, parked_reason="", note="unparked")

    def _action_done(self, repo: str, result: ActionResult) -> None:
        self._set_state(
            repo,
            driver=None,
            activity=None,
            activity_issue=None,
            activity_since=None,
            progress=None,
            agent_running=False,
            note=result.message,
            error=None,
        )
        alert = result_alert(result.action, result.ok, result.message, result.data)
        if alert is not None:
            self.alert(alert)
        elif result.ok:
            self.notify(result.message, title=f"{result.action} · {repo}", markup=False)
        else:
            self.notify(
                result.message, title=f"{result.action} · {repo}", severity="warning", markup=False
            )
        self.refresh_board()
        if result.action == "pop":
            self.reload_queues_if_shown()

    def _job_failed(self, job: Job, error: BaseException) -> None:
        message, severity = describe_failure(error)
        if job.kind == "board":
            self._board_failed(message)
            return
        if job.repo is not None and job.kind in ("action", "autopilot"):
            self._set_state(
                job.repo,
                driver=None,
                activity=None,
                activity_since=None,
                progress=None,
                agent_running=False,
                note=message,
                error=message if severity == "error" else None,
            )
        if job.kind == "queues":
            self.show_queues_problem(message)
        title = " · ".join(part for part in (job.action or job.kind, job.repo) if part)
        self.alert(Alert(title, message, severity))

    def _job_cancelled(self, job: Job) -> None:
        if job.kind == "board":
            return
        if job.repo is not None and job.kind in ("action", "autopilot"):
            self._set_state(
                job.repo,
                driver=None,
                activity=None,
                activity_since=None,
                progress=None,
                agent_running=False,
                note=f"{job.action or job.kind} stopped",
            )


def create_app(
    session: Session,
    *,
    clock: Clock | None = None,
    poll: bool = True,
    title: str = "soda-tui",
    tz: tzinfo | None = None,
    keymap: Mapping[str, str] | None = None,
    bell: bool | None = None,
) -> SodaApp:
    """The dashboard for an open session (the caller closes the session after the app exits).

    `poll=False` starts no GitHub polling (tests and screenshots feed boards with `feed_board`);
    `tz` is the zone times are shown in (local by default); `keymap` remaps keys by binding id.
    """
    return SodaApp(session, clock=clock, poll=poll, title=title, tz=tz, keymap=keymap, bell=bell)
