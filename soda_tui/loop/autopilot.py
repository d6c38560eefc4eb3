"""The unattended loop: one worker per repository (sequential inside it, concurrent across them)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from soda_tui.agents.events import AgentEvent
from soda_tui.agents.journal import JournalError
from soda_tui.core.models import RepoName
from soda_tui.github.errors import GitHubError, RateLimited
from soda_tui.loop.board import RepoBoard
from soda_tui.loop.bottle import bottle
from soda_tui.loop.context import RepoContext
from soda_tui.loop.land import land
from soda_tui.loop.parking import park, parked_until
from soda_tui.loop.policy import Step, StepKind, decide
from soda_tui.loop.pop import pop
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.loop.run import run
from soda_tui.loop.session import Session
from soda_tui.loop.status import BoardSnapshot, fetch_board
from soda_tui.telemetry.spans import traced_step

log = logging.getLogger(__name__)
MAX_STEPS_PER_TICK = 6


@dataclass(frozen=True)
class WorkerUpdate:
    """Something a repository's worker did or decided, for the pane, the log and --json."""

    repo: str
    kind: str  # step | result | error | parked | board | agent
    message: str
    at: datetime
    issue: int | None = None
    ok: bool = True
    data: dict = field(default_factory=dict)


UpdateSink = Callable[[WorkerUpdate], None]


class RepoWorker:
    """Drives one repository through pop, run, bottle and land, one step at a time."""

    def __init__(
        self,
        ctx: RepoContext,
        sink: UpdateSink,
        agent_sink: Callable[[str, AgentEvent], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.sink = sink
        self.agent_sink = agent_sink
        self.current_runners: list = []

    def _say(
        self, kind: str, message: str, *, issue: int | None = None, ok: bool = True, **data: object
    ) -> None:
        self.sink(
            WorkerUpdate(
                str(self.ctx.repo), kind, message, self.ctx.clock.now(), issue, ok, dict(data)
            )
        )

    def decide(self, board: RepoBoard) -> Step:
        """The next step for this repository given the board."""
        journal = self.ctx.journal()
        entry = journal.load()
        unfinished = (entry.action, entry.issue_number) if entry is not None else None
        parked = parked_until(self.ctx.paths.state_dir, self.ctx.repo, self.ctx.clock.now())
        return decide(
            board,
            unfinished=unfinished,
            parked_reason=f"parked until {parked[0]:%H:%M %Z}: {parked[1]}" if parked else None,
            # The journal, not memory: a restarted worker still knows which runs are done.
            run_succeeded_for=journal.succeeded_runs(),
            allow_no_checks=self.ctx.config.allow_no_checks,
        )

    @traced_step
    async def execute(self, step: Step, stop: asyncio.Event | None = None) -> ActionResult | None:
        """Carry out one step; None for a wait. A stop cancels a running agent, whenever it starts."""
        kind = step.kind if step.kind != StepKind.RESUME else StepKind(step.action or "wait")
        if kind == StepKind.POP:
            return await pop(self.ctx)
        if kind == StepKind.RUN:

            def forward(event: AgentEvent) -> None:
                if self.agent_sink is not None:
                    self.agent_sink(str(self.ctx.repo), event)

            running = asyncio.ensure_future(
                run(self.ctx, step.issue, on_event=forward, runner_box=self.current_runners)
            )
            try:
                await self._until_done_or_stopped(running, stop)
                return running.result()
            finally:
                self.current_runners.clear()
        if kind == StepKind.BOTTLE:
            return await bottle(self.ctx, step.issue)
        if kind == StepKind.LAND:
            return await land(self.ctx, step.issue)
        return None

    async def _until_done_or_stopped(self, running: asyncio.Future, stop: asyncio.Event | None) -> None:
        """Wait for the run; once a stop is asked, cancel its agent until the run gives up.

        The stop may come before the agent process exists (during the clone, say), so the
        cancel is repeated until the run returns rather than sent once.
        """
        stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
        try:
            waiters = {running} if stopping is None else {running, stopping}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            while not running.done():
                await self.cancel_agent()
                await asyncio.wait({running}, timeout=0.1)
        finally:
            if stopping is not None:
                stopping.cancel()

    async def tick(self, board: RepoBoard, stop: asyncio.Event) -> None:
        """Take steps until the repository has to wait (or a stop is asked); errors stay in this repo."""
        seen_board = board
        for _ in range(MAX_STEPS_PER_TICK):
            if stop.is_set():
                return
            try:
                step = self.decide(seen_board)
            except JournalError as error:
                # A damaged journal stops this repository only; the others go on.
                self._say("error", str(error), ok=False)
                return
            if step.kind == StepKind.WAIT:
                self._say("wait", step.reason)
                return
            self._say("step", f"{step.kind.value}: {step.reason}", issue=step.issue)
            try:
                result = await self.execute(step, stop)
            except ActionRefused as refusal:
                self._say(
                    "result",
                    refusal.message,
                    issue=step.issue,
                    ok=refusal.exit_code == Exit.NOTHING,
                )
                return
            except RateLimited as limited:
                until = limited.reset_at
                park(self.ctx.paths.state_dir, self.ctx.repo, until, "GitHub rate limit")
                self._say(
                    "parked", limited.summary, issue=step.issue, ok=False, until=until.isoformat()
                )
                return
            except GitHubError as error:
                self._say("error", str(error), issue=step.issue, ok=False)
                return
            except Exception as error:
                log.exception("worker step failed in %s", self.ctx.repo)
                self._say("error", f"{type(error).__name__}: {error}", issue=step.issue, ok=False)
                return
            if result is None:
                return
            self._say(
                "result",
                result.message,
                issue=step.issue,
                ok=result.ok,
                action=result.action,
                **{k: v for k, v in result.data.items() if k in ("waiting", "reason", "branch")},
            )
            if result.exit_code != Exit.DONE:
                return
            # The board we hold is now stale for this repository: look again before the next step.
            seen_board = await self._refresh(seen_board)

    async def _refresh(self, board: RepoBoard) -> RepoBoard:
        snapshot = await fetch_board(self.ctx.client, [self.ctx.repo])
        return snapshot.boards[0] if snapshot.boards else board

    async def cancel_agent(self) -> None:
        """Stop a running agent (TERM to its process group, then KILL)."""
        for runner in list(self.current_runners):
            await runner.cancel()


class Autopilot:
    """Polls all its repositories with one request per tick and lets each worker act."""

    def __init__(
        self,
        session: Session,
        repos: list[RepoName],
        sink: UpdateSink,
        agent_sink: Callable[[str, AgentEvent], None] | None = None,
    ) -> None:
        self.session = session
        self.repos = repos
        self.sink = sink
        self.workers = {
            str(repo): RepoWorker(session.context(repo), sink, agent_sink) for repo in repos
        }
        self.stop = asyncio.Event()
        self.last_snapshot: BoardSnapshot | None = None

    @property
    def poll_seconds(self) -> float:
        """The shortest poll interval any of its repositories asks for."""
        return float(min((w.ctx.config.poll_seconds for w in self.workers.values()), default=30))

    async def tick(self) -> BoardSnapshot | None:
        """Read the board once, then let every repository take its steps concurrently."""
        try:
            snapshot = await fetch_board(self.session.client, self.repos)
        except RateLimited as limited:
            self.sink(
                WorkerUpdate("*", "parked", limited.summary, self.session.clock.now(), ok=False)
            )
            await self._sleep_until(limited.reset_at)
            return None
        except GitHubError as error:
            self.sink(WorkerUpdate("*", "error", str(error), self.session.clock.now(), ok=False))
            return None
        self.last_snapshot = snapshot
        self.sink(
            WorkerUpdate(
                "*",
                "board",
                f"{len(snapshot.boards)} repositories read",
                self.session.clock.now(),
                data={"remaining": snapshot.remaining},
            )
        )
        await asyncio.gather(
            *(self.workers[str(board.repo)].tick(board, self.stop) for board in snapshot.boards)
        )
        return snapshot

    async def _sleep_until(self, when: datetime) -> None:
        seconds = max(1.0, (when - self.session.clock.now()).total_seconds())
        await self._sleep(seconds)

    async def _sleep(self, seconds: float) -> None:
        sleeper = asyncio.ensure_future(self.session.clock.sleep(seconds))
        stopper = asyncio.ensure_future(self.stop.wait())
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeper, stopper):
            task.cancel()

    async def run_forever(self, ticks: int = 0) -> None:
        """Tick and sleep until stopped (or `ticks` polls, when positive)."""
        done = 0
        while not self.stop.is_set():
            await self.tick()
            done += 1
            if ticks and done >= ticks:
                return
            await self._sleep(self.poll_seconds)

    async def shutdown(self) -> None:
        """Ask every worker to stop after its current write; running agents are cancelled."""
        self.stop.set()
        await asyncio.gather(*(worker.cancel_agent() for worker in self.workers.values()))
