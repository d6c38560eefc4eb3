"""The app's handling of what the core reports: agent output and signals, autopilot updates, progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from soda_tui.agents.events import (
    AgentEvent,
    LogLine,
    RunEnded,
    RunStarted,
    TokenUsage,
    ToolCall,
    UsageLimit,
)
from soda_tui.loop.autopilot import WorkerUpdate
from soda_tui.tui.jobs import Job, RunLogTail, read_last_run
from soda_tui.tui.messages import AgentOutput, AgentSignal, Progressed, WorkerReported
from soda_tui.tui.model import Alert, log_line_text, result_alert
from soda_tui.tui.screens.logs import LogsScreen

if TYPE_CHECKING:
    from soda_tui.tui.app import SodaApp


class CoreReportsMixin:
    """Part of SodaApp: everything between the core's callbacks and what the panes and logs show."""

    def add_output(self: SodaApp, repo: str, stream: str, text: str) -> None:
        """Queue one line of a repository's output; the first waiting line posts one drain message."""
        if self.outputs[repo].add(log_line_text(stream, text)):
            self.post_message(AgentOutput(repo))

    def agent_signal(self: SodaApp, repo: str, event: AgentEvent) -> None:
        """Hand a non-line agent event to the app's handler, in order with the lines."""
        self.post_message(AgentSignal(repo, event))

    def feed_agent_event(self: SodaApp, repo: str, event: AgentEvent) -> None:
        """Show an agent event as a running agent would send it (tests and screenshots use this)."""
        self._report_agent_event(repo, event)

    def on_agent_output(self: SodaApp, message: AgentOutput) -> None:
        lines = self.outputs[message.repo].drain()
        if not lines:
            return
        pane = self._pane(message.repo)
        if pane is not None:
            pane.write_lines(lines)
        screen = self.screen
        if isinstance(screen, LogsScreen) and screen.repo == message.repo:
            screen.append(lines)

    def on_agent_signal(self: SodaApp, message: AgentSignal) -> None:
        repo, event = message.repo, message.event
        state = self.states[repo]
        if isinstance(event, RunStarted):
            # Drawn lines belong to the last run; lines still waiting are this run's first ones.
            self.outputs[repo].start_run()
            self._show_fresh_output(repo, [], "live")
            self._set_state(
                repo,
                agent_running=True,
                tool_calls=0,
                usage=None,
                progress=None,
                activity="run",
                activity_since=state.activity_since or self.clock.now(),
            )
        elif isinstance(event, RunEnded):
            self._set_state(repo, agent_running=False, usage=event.result.usage or state.usage)
        elif isinstance(event, TokenUsage):
            self._set_state(repo, usage=event)
        elif isinstance(event, ToolCall):
            self._set_state(repo, tool_calls=state.tool_calls + 1)
        elif isinstance(event, UsageLimit):
            when = f" until {event.reset_at.astimezone(self.tz):%H:%M}" if event.reset_at else ""
            self.alert(
                Alert(
                    f"usage limit · {repo}",
                    f"the agent hit its usage limit{when}: {event.message}",
                    "warning",
                )
            )

    def _show_fresh_output(self: SodaApp, repo: str, lines: list[str], source: str) -> None:
        pane = self._pane(repo)
        if pane is not None:
            pane.clear_lines()
            pane.write_lines(lines)
        screen = self.screen
        if isinstance(screen, LogsScreen) and screen.repo == repo:
            screen.reset(lines, source)

    def open_logs(self: SodaApp, repo: str) -> None:
        """Open a repository's logs; read the newest run log from disk when nothing is in memory."""
        output = self.outputs[repo]
        self.push_screen(LogsScreen(repo, output.lines, source=output.source))
        if not output.lines and not output.pending and not self.states[repo].agent_running:
            self._start(Job("backfill", repo), read_last_run(self.contexts[repo]))

    def backfill_done(self: SodaApp, tail: RunLogTail) -> None:
        """Show a run log read from disk, unless a live run has started meanwhile."""
        output = self.outputs[tail.repo]
        if output.lines or output.pending or self.states[tail.repo].agent_running:
            return
        if tail.path is None:
            screen = self.screen
            if isinstance(screen, LogsScreen) and screen.repo == tail.repo:
                screen.reset([], "no run yet")
            return
        output.replace(tail.lines, str(tail.path))
        self._show_fresh_output(tail.repo, tail.lines, str(tail.path))

    # -- reports from the core (called on the event loop, or from git threads for progress) --

    def _report_progress(self: SodaApp, repo: str, text: str) -> None:
        # git work runs in threads; post_message is the thread-safe way in.
        self.post_message(Progressed(repo, text))

    def _report_update(self: SodaApp, update: WorkerUpdate) -> None:
        self.post_message(WorkerReported(update))

    def on_progressed(self: SodaApp, message: Progressed) -> None:
        self._set_state(message.repo, progress=message.text)

    def on_worker_reported(self: SodaApp, message: WorkerReported) -> None:
        update = message.update
        if update.repo not in self.states:
            return
        repo, kind = update.repo, update.kind
        state = self.states[repo]
        if kind == "step":
            self.acted.add(repo)
            step = update.message.split(":", 1)[0]
            self._set_state(
                repo,
                activity=step,
                activity_issue=update.issue,
                activity_since=update.at,
                note=update.message,
                progress=None,
                error=None,
            )
        elif kind == "result":
            self._set_state(
                repo, activity=None, activity_since=None, progress=None, note=update.message
            )
            alert = result_alert(
                str(update.data.get("action", "")), update.ok, update.message, update.data
            )
            if alert is not None:
                self.alert(alert)
        elif kind == "error":
            self._set_state(
                repo,
                activity=None,
                activity_since=None,
                progress=None,
                note=update.message,
                error=update.message,
            )
            self.alert(Alert(f"autopilot · {repo}", update.message, "error"))
        elif kind == "parked":
            until = update.data.get("until")
            parked = datetime.fromisoformat(until) if isinstance(until, str) else None
            self._set_state(
                repo,
                note=update.message,
                parked_until=parked or state.parked_until,
                parked_reason=update.message,
            )
            self.alert(Alert(f"parked · {repo}", update.message, "warning"))
        elif kind == "wait" and update.message != self.states[repo].note:
            self._set_state(repo, note=update.message)

    def _report_agent_event(self: SodaApp, repo: str, event: AgentEvent) -> None:
        # Called by the runner on the event loop. The signal goes first so a new run's pane is
        # cleared before its first lines are drawn; the marker lines keep their place in order.
        if isinstance(event, LogLine):
            self.add_output(repo, event.stream, event.text)
            return
        self.agent_signal(repo, event)
        if isinstance(event, RunStarted):
            self.add_output(repo, "soda", f"agent started (pid {event.pid}): {event.argv_display}")
        elif isinstance(event, RunEnded):
            result = event.result
            ended = f"run ended: {result.outcome} (exit code {result.exit_code}): {result.reason}"
            self.add_output(repo, "soda", ended)
