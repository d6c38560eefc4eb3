"""The dashboard's state core: services, per-repository state, drawing, workers, intake from the core."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.worker import Worker

from soda_tui.agents.events import AgentEvent, LogLine, RunEnded, RunStarted
from soda_tui.core.clock import Clock
from soda_tui.core.models import RepoName
from soda_tui.loop.autopilot import RepoWorker, WorkerUpdate
from soda_tui.loop.context import RepoContext
from soda_tui.loop.session import Session
from soda_tui.loop.status import BoardSnapshot
from soda_tui.recovery.locks import RepoLock
from soda_tui.tui.jobs import Job, read_board
from soda_tui.tui.messages import AgentOutput, AgentSignal, Progressed, WorkerReported
from soda_tui.tui.model import Alert, OutputBuffer, PaneState, log_line_text, refusal
from soda_tui.tui.screens.dashboard import DashboardScreen
from soda_tui.tui.widgets.repo_pane import RepoPane
from soda_tui.tui.widgets.status_line import StatusLine

OUTPUT_LINES = 10_000


OUTPUT_BATCH_SECONDS = 0.1  # agent output reaches the screen at most ten times a second


class DashboardHost(App[None]):
    """Owns every piece of dashboard state; the layers above show reports, act, and run the app."""

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
        self.repo_locks: list[RepoLock] = []
        self._bindings_pending = False
        self.last_refresh: datetime | None = None
        self.refresh_problem: str | None = None
        self._board_running = False
        self._tick_after_board = False
        self._unsubscribe_budget: Callable[[], None] | None = None
        self.budget = session.client.budget
        self.dashboard = DashboardScreen(self.repos)
        self._panes_ready = False  # True once the dashboard's panes are mounted

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
        if state == self.states[repo]:
            # Calm when idle: a poll that changes nothing repaints nothing.
            return state
        self.states[repo] = state
        self._draw(repo)
        return state

    def _draw(self, repo: str) -> None:
        pane = self._pane(repo)
        if pane is not None:
            pane.show(self.states[repo], self.clock.now())
            # The footer depends on every pane: rebuild it once after this batch of draws, not
            # once per pane (12 rebuilds per poll cost most of the idle CPU).
            if not self._bindings_pending:
                self._bindings_pending = True
                self.call_later(self._refresh_bindings_once)

    def _refresh_bindings_once(self) -> None:
        self._bindings_pending = False
        self.dashboard.refresh_bindings()

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
        status = self._status_line()
        if status is not None:
            status.show_refresh(self.last_refresh, self.refresh_problem)

    def top_screen(self) -> Screen[Any] | None:
        """The screen on top, or None once the app has closed its screens."""
        stack = self.screen_stack
        return stack[-1] if stack else None

    def _status_line(self) -> StatusLine | None:
        """The status line, or None while the dashboard is being built or torn down."""
        if not self._panes_ready:
            return None
        found = self.dashboard.query(StatusLine)
        return found.first() if found else None

    # -- workers and intake from the core ---------------------------------------------------

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

    def _report_progress(self, repo: str, text: str) -> None:
        # git work runs in threads; post_message is the thread-safe way in.
        self.post_message(Progressed(repo, text))

    def _report_update(self, update: WorkerUpdate) -> None:
        self.post_message(WorkerReported(update))

    def _report_agent_event(self, repo: str, event: AgentEvent) -> None:
        # Called by the runner on the event loop. The signal goes first so a new run's pane is
        # cleared before its first lines are drawn; the marker lines keep their place in order.
        if isinstance(event, LogLine):
            self.add_output(repo, event.stream, event.text)
            return
        self.post_message(AgentSignal(repo, event))
        if isinstance(event, RunStarted):
            self.add_output(repo, "soda", f"agent started (pid {event.pid}): {event.argv_display}")
        elif isinstance(event, RunEnded):
            result = event.result
            ended = f"run ended: {result.outcome} (exit code {result.exit_code}): {result.reason}"
            self.add_output(repo, "soda", ended)

    def add_output(self, repo: str, stream: str, text: str) -> None:
        """Queue one line of a repository's output; the first waiting line schedules one drain.

        Drains come at most every OUTPUT_BATCH_SECONDS: every drawn batch costs a re-layout, so
        drawing each event-loop turn's few lines made a following log screen eat a whole core.
        """
        if self.outputs[repo].add(log_line_text(stream, text)):
            self.set_timer(OUTPUT_BATCH_SECONDS, partial(self.post_message, AgentOutput(repo)))

    def feed_agent_event(self, repo: str, event: AgentEvent) -> None:
        """Show an agent event as a running agent would send it (tests and screenshots use this)."""
        self._report_agent_event(repo, event)
