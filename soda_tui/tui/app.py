"""The dashboard app and `create_app`, the one factory the CLI and the tests share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from functools import partial
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from soda_tui.core.clock import Clock
from soda_tui.github.budget import RateBudget
from soda_tui.loop.results import ActionResult
from soda_tui.loop.session import Session
from soda_tui.tui.commands import DashboardCommands
from soda_tui.tui.jobs import (
    BoardRead,
    Job,
    RunLogTail,
    describe_failure,
    read_last_run,
)
from soda_tui.tui.messages import BudgetChanged
from soda_tui.tui.model import Alert, result_alert
from soda_tui.tui.repo_actions import DashboardActions
from soda_tui.tui.screens.dashboard import DashboardScreen


class SodaApp(DashboardActions):
    """One pane per repository, each owning that repository's worker (state lives in the host)."""

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

    # -- lifecycle -------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return self.dashboard

    def on_mount(self) -> None:
        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
            known = {
                binding.id
                for binding in (*self.BINDINGS, *DashboardScreen.BINDINGS)
                if isinstance(binding, Binding) and binding.id
            }
            unknown = sorted(set(self.keymap_overrides) - known)
            if unknown:
                self.notify(
                    f"[keys] in the config names no such action: {', '.join(unknown)} "
                    f"(known: {', '.join(sorted(known))})",
                    title="Config",
                    severity="warning",
                    markup=False,
                )

        def budget_moved(budget: RateBudget) -> None:
            self.post_message(BudgetChanged(budget))

        self._unsubscribe_budget = self.session.client.on_budget(budget_moved)
        # The only timers: the poll, and a 1 s tick that redraws clock text and nothing else.
        self.set_interval(1.0, self._tick_clocks)
        if self.poll:
            self.hold_repositories()
            self.set_interval(self.poll_seconds, partial(self.refresh_board, tick=True))
            self.refresh_board(tick=True)
            for repo in self.repos:
                self._start(Job("backfill", repo), read_last_run(self.contexts[repo]))
            self.scan_orphans()

    def dashboard_ready(self) -> None:
        """Draw every pane and the status line once the dashboard's widgets exist."""
        self._panes_ready = True
        status = self._status_line()
        if status is not None:
            status.show_budget(self.budget)
        for repo in self.repos:
            self._draw(repo)
            pane = self._pane(repo)
            if pane is not None and self.outputs[repo].lines:
                # Output that arrived before the panes existed is shown now, not lost.
                pane.write_lines(self.outputs[repo].lines)
        self._show_refresh()

    def dashboard_gone(self) -> None:
        """The dashboard's widgets are going away (the app is closing): draw nothing more."""
        self._panes_ready = False

    def on_unmount(self) -> None:
        if self._unsubscribe_budget is not None:
            self._unsubscribe_budget()

    def _tick_clocks(self) -> None:
        now = self.clock.now()
        for repo, state in self.states.items():
            if state.parked_until is not None and state.parked_until <= now:
                self._set_state(repo, parked_until=None, parked_reason="", note="park expired")
            pane = self._pane(repo)
            if pane is not None:
                pane.tick(now)

    # -- the board -------------------------------------------------------------------------

    def action_refresh_board(self) -> None:
        """Refresh now."""
        self.refresh_board(tick=True)

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
        status = self._status_line()
        if status is not None:
            status.show_budget(message.budget)

    # -- workers ---------------------------------------------------------------------------

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
        elif job.kind == "orphans":
            self.show_orphans(result)
        elif job.kind == "metrics":
            self.show_metrics(result)
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
            # The failed step may still have changed GitHub (a claim, a push): look again.
            self.refresh_board()
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
