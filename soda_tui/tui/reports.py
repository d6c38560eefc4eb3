"""The app's handling of what the core reports: agent output and signals, autopilot updates, progress."""

from __future__ import annotations

from datetime import datetime

from soda_tui.agents.events import (
    RunEnded,
    RunStarted,
    TokenUsage,
    ToolCall,
    UsageLimit,
)
from soda_tui.tui.host import DashboardHost
from soda_tui.tui.jobs import Job, RunLogTail, read_last_run
from soda_tui.tui.messages import AgentOutput, AgentSignal, Progressed, WorkerReported
from soda_tui.tui.model import Alert, result_alert
from soda_tui.tui.screens.logs import LogsScreen


class DashboardReports(DashboardHost):
    """The layer of SodaApp that shows what the core reports on the panes and the logs screen."""

    def on_agent_output(self, message: AgentOutput) -> None:
        lines = self.outputs[message.repo].drain()
        if not lines:
            return
        pane = self._pane(message.repo)
        if pane is not None:
            pane.write_lines(lines)
        screen = self.top_screen()
        if isinstance(screen, LogsScreen) and screen.repo == message.repo:
            screen.append(lines)

    def on_agent_signal(self, message: AgentSignal) -> None:
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

    def _show_fresh_output(self, repo: str, lines: list[str], source: str) -> None:
        pane = self._pane(repo)
        if pane is not None:
            pane.clear_lines()
            pane.write_lines(lines)
        screen = self.top_screen()
        if isinstance(screen, LogsScreen) and screen.repo == repo:
            screen.reset(lines, source)

    def open_logs(self, repo: str) -> None:
        """Open a repository's logs; read the newest run log from disk when nothing is in memory."""
        output = self.outputs[repo]
        self.push_screen(LogsScreen(repo, output.lines, source=output.source))
        if not output.lines and not output.pending and not self.states[repo].agent_running:
            self._start(Job("backfill", repo), read_last_run(self.contexts[repo]))

    def backfill_done(self, tail: RunLogTail) -> None:
        """Show a run log read from disk, unless a live run has started meanwhile."""
        output = self.outputs[tail.repo]
        if output.lines or output.pending or self.states[tail.repo].agent_running:
            return
        if tail.path is None:
            screen = self.top_screen()
            if isinstance(screen, LogsScreen) and screen.repo == tail.repo:
                screen.reset([], "no run yet")
            return
        output.replace(tail.lines, str(tail.path))
        self._show_fresh_output(tail.repo, tail.lines, str(tail.path))

    # -- autopilot updates and git progress -----------------------------------------------

    def on_progressed(self, message: Progressed) -> None:
        self._set_state(message.repo, progress=message.text)

    def on_worker_reported(self, message: WorkerReported) -> None:
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
