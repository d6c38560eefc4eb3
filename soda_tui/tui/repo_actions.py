"""The app's user actions: start, confirm, cancel and toggle per repository; open queue and help."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.binding import Binding

from soda_tui.agents.events import AgentEvent
from soda_tui.core.models import Issue, RepoName
from soda_tui.loop.parking import unpark
from soda_tui.tui.commands import ACTION_TITLES
from soda_tui.tui.jobs import Job, read_metrics, read_queues, run_action, scan_orphans
from soda_tui.tui.reports import DashboardReports
from soda_tui.tui.screens.confirm import ConfirmScreen
from soda_tui.tui.screens.dashboard import DashboardScreen
from soda_tui.tui.screens.help import HelpScreen, KeyRow, key_rows
from soda_tui.tui.screens.logs import LogsScreen
from soda_tui.tui.screens.queue import QueueScreen

if TYPE_CHECKING:
    from soda_tui.tui.screens.recovery import RecoveryScreen


class DashboardActions(DashboardReports):
    """The layer of SodaApp that acts: what a key or palette entry asks for, checked and started."""

    def request(self, action: str, repo: str, issue: int | None = None) -> None:
        """Do `action` in `repo` if it can run now; otherwise say why (keys and palette alike)."""
        reason = self.refusal(action, repo)
        title = ACTION_TITLES.get(action, (action, ""))[0]
        if reason:
            self.notify(reason, title=f"{title}: not now", severity="warning", markup=False)
            return
        if action == "autopilot":
            self.toggle_autopilot(repo)
        elif action == "unpark":
            state_dir = self.session.paths.state_dir
            self._start(
                Job("unpark", repo), asyncio.to_thread(unpark, state_dir, RepoName.parse(repo))
            )
        elif action == "cancel":
            self.push_screen(
                ConfirmScreen(
                    "Cancel the agent?",
                    f"Stop the agent running in {repo}? The issue stays claimed, so you can "
                    "run it again or recover it.",
                    yes="Stop it",
                ),
                lambda yes: self._cancel_agent(repo) if yes else None,
            )
        elif action == "land":
            self.push_screen(
                ConfirmScreen("Land?", self._land_question(repo), yes="Land"),
                lambda yes: self.start_action(repo, "land", issue) if yes else None,
            )
        else:
            self.start_action(repo, action, issue)

    def _land_question(self, repo: str) -> str:
        state = self.states[repo]
        pull = state.open_pull
        board = state.board
        if pull is None or board is None:
            return f"Merge the open agent pull request of {repo}?"
        checks = (pull.checks or "no checks").lower()
        return (
            f"Merge PR #{pull.number} \u201c{pull.title}\u201d into {board.default_branch} of "
            f"{repo} (CI {checks}), close its issue and delete the branch?"
        )

    def start_action(self, repo: str, action: str, issue: int | None = None) -> None:
        """Start one loop action in the repository's worker (the repository is then busy)."""
        # The confirmation took a while: the repository may have become busy meanwhile.
        reason = self.refusal(action, repo)
        if reason:
            self.notify(reason, title=f"{action}: not now", severity="warning", markup=False)
            return
        state = self.states[repo]
        working = state.board.working[0] if state.board and state.board.working else None
        self._set_state(
            repo,
            driver="you",
            activity=action,
            activity_issue=issue or working,
            activity_since=self.clock.now(),
            error=None,
            note=f"{action} started",
        )
        self.runner_boxes[repo].clear()

        def on_event(event: AgentEvent) -> None:
            self._report_agent_event(repo, event)

        work = run_action(self.contexts[repo], action, issue, on_event, self.runner_boxes[repo])
        self._start(Job("action", repo, action), work)

    def start_tick(self, repo: str) -> None:
        """Let the repository's autopilot take its steps on the last board."""
        board = self.states[repo].board
        if board is None:
            return
        stop = asyncio.Event()
        self.stops[repo] = stop
        self._set_state(repo, driver="autopilot", activity=None, activity_since=None)
        self._start(Job("autopilot", repo), self.autopilots[repo].tick(board, stop))

    def toggle_autopilot(self, repo: str) -> None:
        """Turn the unattended loop on (it acts at once when the repository is free) or off."""
        state = self.states[repo]
        enabled = not state.autopilot
        self._set_state(repo, autopilot=enabled)
        if enabled:
            self.notify(f"autopilot on for {repo}", title="Autopilot", markup=False)
            if not state.busy and state.board is not None and state.board.found:
                self.start_tick(repo)
        else:
            stopping = state.driver == "autopilot"
            if stopping:
                self.stops[repo].set()
            after = ": it stops after the current step" if stopping else ""
            self.notify(f"autopilot off for {repo}{after}", title="Autopilot", markup=False)

    def _cancel_agent(self, repo: str) -> None:
        async def cancel() -> None:
            if repo in self.stops:
                self.stops[repo].set()
            await self.autopilots[repo].cancel_agent()
            for runner in list(self.runner_boxes[repo]):
                await runner.cancel()

        self._set_state(repo, note="stopping the agent…")
        self._start(Job("cancel", repo), cancel())

    async def action_quit(self) -> None:
        """Quit; while agents run, ask first (quitting stops them; their work stays on the branch)."""
        busy = [repo for repo, state in self.states.items() if state.busy]
        if not busy:
            self.exit()
            return
        self.push_screen(
            ConfirmScreen(
                "Quit?",
                f"Work is running in {', '.join(busy)}. Quitting stops it; "
                "what is committed stays on its branch and resumes next time.",
                yes="Quit",
            ),
            lambda yes: self.exit() if yes else None,
        )

    # -- queue and help screens --------------------------------------------------------------

    def action_open_queue(self) -> None:
        """Show every repository's queue."""
        self.push_screen(QueueScreen())
        self._load_queues()

    def _load_queues(self) -> None:
        repos = [RepoName.parse(repo) for repo in self.repos]
        self._start(Job("queues"), read_queues(self.session, repos))

    def reload_queues_if_shown(self) -> None:
        """Read the queues again when the queue screen is open (after a pop)."""
        if isinstance(self.top_screen(), QueueScreen):
            self._load_queues()

    def show_queues(self, queues: dict[RepoName, list[Issue]]) -> None:
        """Hand read queues to the queue screen, if it is still open."""
        screen = self.top_screen()
        if isinstance(screen, QueueScreen):
            screen.show_queues(queues, self.clock.now())

    def show_queues_problem(self, reason: str) -> None:
        """Tell the queue screen why the queues could not be read."""
        screen = self.top_screen()
        if isinstance(screen, QueueScreen):
            screen.show_problem(reason)

    def on_queue_screen_pop_issue(self, message: QueueScreen.PopIssue) -> None:
        self.request("pop", message.repo, message.number)

    def on_queue_screen_reload(self, message: QueueScreen.Reload) -> None:
        self._load_queues()

    # -- one agent per repository across processes -------------------------------------------

    def hold_repositories(self) -> None:
        """Take each repository's lock; one run by another process is shown and left alone."""
        from soda_tui.recovery.locks import RepoLock, RepoLockHeld

        for repo in self.repos:
            lock = RepoLock(self.session.paths.state_dir, RepoName.parse(repo), holder="dashboard")
            try:
                lock.acquire()
            except RepoLockHeld as held:
                self._set_state(repo, held_elsewhere=str(held), error=str(held))
                continue
            self.repo_locks.append(lock)

    def release_repositories(self) -> None:
        """Give every lock back (the dashboard is closing)."""
        while self.repo_locks:
            self.repo_locks.pop().release()

    # -- metrics screen --------------------------------------------------------------------------

    def action_open_metrics(self) -> None:
        """Show the loop's figures (read from the trace files and journals in a worker)."""
        from soda_tui.tui.screens.metrics import MetricsScreen

        self.push_screen(MetricsScreen())
        self._start(Job("metrics"), read_metrics(self.session, list(self.repos)))

    def show_metrics(self, lines: list[str]) -> None:
        """Hand computed metrics to the metrics screen, if it is still open."""
        from soda_tui.tui.screens.metrics import MetricsScreen

        screen = self.top_screen()
        if isinstance(screen, MetricsScreen):
            screen.show_lines(lines)

    # -- traces screen ---------------------------------------------------------------------------

    def open_traces(self, repo: str | None = None) -> None:
        """Show recent traces, opened on `repo`'s current or last run when one is given."""
        from soda_tui.telemetry.recorder import TraceRecorder
        from soda_tui.telemetry.setup import current_telemetry
        from soda_tui.tui.screens.traces import TracesScreen

        telemetry = current_telemetry()
        recorder = telemetry.recorder if telemetry is not None else TraceRecorder()
        screen = TracesScreen.for_run(recorder, repo) if repo else TracesScreen(recorder)
        self.push_screen(screen)

    # -- recovery screen -------------------------------------------------------------------------

    def action_open_recovery(self) -> None:
        """Show every repository's left-behind work, with actions that never destroy it."""
        from soda_tui.recovery.ignore import IgnoreStore
        from soda_tui.tui.screens.recovery import RecoveryScreen

        self.push_screen(
            RecoveryScreen(
                dict(self.contexts),
                ignore=IgnoreStore(self.session.paths.ignored_file),
                patterns=self.session.config.defaults.recovery_patterns,
                clock=self.clock,
            )
        )

    def scan_orphans(self) -> None:
        """Count left-behind work per repository in the background (shown on the panes)."""
        self._start(Job("orphans"), scan_orphans(self.session, dict(self.contexts)))

    def show_orphans(self, counts: dict[str, int]) -> None:
        """Put the orphan counts on the panes."""
        for repo in self.repos:
            self._set_state(repo, orphans=counts.get(repo, 0))

    def on_recovery_screen_scanned(self, message: RecoveryScreen.Scanned) -> None:
        self.show_orphans({str(repo): count for repo, count in message.counts.items()})

    def on_recovery_screen_actions_done(self, message: RecoveryScreen.ActionsDone) -> None:
        # A recovery PR or a re-queue changes the board: look again.
        self.refresh_board()

    def action_open_help(self) -> None:
        """Show every key (as remapped) and what the badges mean."""
        overrides = self.keymap_overrides
        display = self.get_key_display
        quit_key = display(Binding(overrides.get("quit", "ctrl+q"), "quit"))
        everywhere: list[KeyRow] = [
            ("^p", "Palette", "every action on every repository, searchable"),
            ("m", "Metrics", "issues landed, time to land, success and blocked rates, API use"),
            (quit_key, "Quit", "asks first while work is running"),
        ]
        self.push_screen(
            HelpScreen(
                [
                    (
                        "Dashboard (acts on the focused pane; arrows move between panes)",
                        key_rows(DashboardScreen.BINDINGS, overrides, display),
                    ),
                    ("Queue screen", key_rows(QueueScreen.BINDINGS, overrides, display)),
                    ("Logs screen", key_rows(LogsScreen.BINDINGS, overrides, display)),
                    ("Everywhere", everywhere),
                ]
            )
        )
