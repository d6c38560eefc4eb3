"""Runs one agent process: streams its output, enforces timeout and stall, and judges the end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from soda_tui.agents.claude_stream import ClaudeStreamParser
from soda_tui.agents.events import (
    AgentEvent,
    LogLine,
    LogStream,
    Outcome,
    RunEnded,
    RunResult,
    RunStarted,
    TokenUsage,
    ToolCall,
    UsageLimit,
)
from soda_tui.agents.logbuffer import DEFAULT_READ_LINE_LIMIT, LineSplitter, LogBuffer
from soda_tui.agents.parsers import AiderParser, CodexParser, PlainParser, StreamParser, Verdict
from soda_tui.agents.presets import Launch, ParserKind, missing_executable_message
from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.secrets import redact

TAIL_LINES = 40
KILL_GRACE_S = 5.0
# How long to keep reading after the agent's process group is gone: only a process that left
# the group (setsid) can still hold the pipe open, and we do not wait on it forever.
DRAIN_S = 5.0
WATCH_TICK_S = 0.25
EXIT_POLL_S = 0.02
READ_CHUNK = 64 * 1024
LOG_PREFIX: dict[LogStream, str] = {"stdout": "", "stderr": "[stderr] ", "soda": "[soda] "}


def make_parser(kind: ParserKind) -> StreamParser:
    """A fresh parser for a Launch's output format."""
    if kind == "claude-stream":
        return ClaudeStreamParser()
    if kind == "aider":
        return AiderParser()
    if kind == "codex":
        return CodexParser()
    return PlainParser()


def shell_exit_code(returncode: int) -> int:
    """A Python returncode in shell numbering: killed by signal N becomes 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _has_live_member(pgid)


def _has_live_member(pgid: int) -> bool:
    # killpg also succeeds on zombies, which a container's init may take seconds to reap (or
    # never reap): on Linux, look for a member of the group that is not a zombie.
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return True
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8") as stat_file:
                fields = stat_file.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    # The group may have died between the check and the signal: that is the goal, not an error.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


class AgentRunner:
    """Runs one agent launch in its workspace and returns a RunResult; use each runner once."""

    def __init__(
        self,
        launch: Launch,
        *,
        workspace: Path,
        log_path: Path,
        clock: Clock | None = None,
        timeout_s: float | None,
        stall_s: float | None,
        on_event: Callable[[AgentEvent], None] | None = None,
        max_line_bytes: int = 64 * 1024,
        buffer_lines: int = 2000,
        read_line_limit: int = DEFAULT_READ_LINE_LIMIT,
        kill_grace_s: float = KILL_GRACE_S,
    ) -> None:
        self.launch = launch
        self.workspace = workspace
        self.log_path = log_path
        self.clock: Clock = clock or SystemClock()
        self.timeout_s = timeout_s if timeout_s and timeout_s > 0 else None
        self.stall_s = stall_s if stall_s and stall_s > 0 else None
        self.buffer = LogBuffer(buffer_lines, max_line_bytes)
        self.pid: int | None = None
        self._on_event = on_event
        self._read_line_limit = read_line_limit
        self._kill_grace_s = kill_grace_s
        self._parser = make_parser(launch.parser)
        self._cancel_requested = asyncio.Event()
        self._finished = asyncio.Event()
        self._started = False
        self._log: TextIO | None = None
        self._start = 0.0
        self._last_output = 0.0
        self._tool_calls = 0
        self._usage: TokenUsage | None = None
        self._limit: UsageLimit | None = None
        self._emit_failed = False

    async def run(self) -> RunResult:
        """Start the agent, stream its output until it ends or is stopped, and judge the run."""
        if self._started:
            raise RuntimeError("an AgentRunner runs once: make a new one for the next run")
        self._started = True
        self._start = self.clock.monotonic()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.log_path.open("a", encoding="utf-8", errors="replace", buffering=1) as log:
                self._log = log
                started = self.clock.now().isoformat()
                self._write("soda", f"run started at {started}: {self.launch.argv_display}")
                result = await self._run()
                self._write(
                    "soda",
                    f"run ended: {result.outcome} (exit code {result.exit_code}): {result.reason}",
                )
        finally:
            self._log = None
            self._finished.set()
        self._emit(RunEnded(result))
        return result

    async def cancel(self) -> None:
        """Stop the run (TERM the process group, KILL after the grace period) and wait for it."""
        self._cancel_requested.set()
        if self._started:
            await self._finished.wait()

    async def _run(self) -> RunResult:
        if self._cancel_requested.is_set():
            return self._result(None, "cancelled", "the run was cancelled before it started")
        if not self.workspace.is_dir():
            reason = f"the workspace {self.workspace} does not exist: prepare it again (pop)"
            return self._result(None, "failed", reason)
        missing = missing_executable_message(self.launch, self.workspace)
        if missing is not None:
            return self._result(None, "not_found", missing)
        try:
            process = await asyncio.create_subprocess_exec(
                *self.launch.argv,
                cwd=self.workspace,
                env=self.launch.env,
                stdin=asyncio.subprocess.PIPE
                if self.launch.stdin_text is not None
                else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except (FileNotFoundError, PermissionError) as error:
            reason = (
                f"agent command {self.launch.argv[0]!r} could not be started ({error.strerror})"
            )
            return self._result(None, "not_found", f"{reason}: {self.launch.install_hint}")
        except OSError as error:
            reason = f"agent command {self.launch.argv[0]!r} could not be started: {error.strerror}"
            return self._result(None, "failed", reason)
        self.pid = process.pid
        self._emit(RunStarted(process.pid, self.launch.argv_display))
        try:
            return await self._supervise(process)
        except asyncio.CancelledError:
            # Whoever awaited us is going away: leave nothing of the agent running.
            _signal_group(process.pid, signal.SIGKILL)
            raise

    async def _supervise(self, process: asyncio.subprocess.Process) -> RunResult:
        pgid = process.pid  # start_new_session makes the agent the leader of its own group
        self._last_output = self.clock.monotonic()
        assert process.stdout is not None and process.stderr is not None
        helpers = [
            asyncio.create_task(self._read(process.stdout, "stdout")),
            asyncio.create_task(self._read(process.stderr, "stderr")),
        ]
        readers = list(helpers)
        if process.stdin is not None and self.launch.stdin_text is not None:
            helpers.append(asyncio.create_task(self._feed_stdin(process, self.launch.stdin_text)))
        exited = asyncio.create_task(self._exit_code(process))
        watchdog = asyncio.create_task(self._watch())
        cancelled = asyncio.create_task(self._cancel_requested.wait())
        stop: Outcome | None = None
        try:
            await asyncio.wait({exited, watchdog, cancelled}, return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():
                stop = "cancelled" if cancelled.done() else watchdog.result()
                self._note(f"stopping the agent ({stop}): SIGTERM to process group {pgid}")
            elif _group_alive(pgid):
                self._note("the agent exited; stopping the processes it left running")
            if stop is not None or _group_alive(pgid):
                await self._terminate(process, pgid)
            returncode = await exited
            await self._drain(readers)
        finally:
            for task in (watchdog, cancelled, exited, *helpers):
                task.cancel()
            await asyncio.gather(watchdog, cancelled, exited, *helpers, return_exceptions=True)
        exit_code = shell_exit_code(returncode)
        if stop is not None:
            return self._stopped_result(exit_code, stop)
        verdict = self._parser.finish(exit_code, self.clock.now())
        return self._verdict_result(exit_code, verdict)

    @staticmethod
    async def _exit_code(process: asyncio.subprocess.Process) -> int:
        # Not `process.wait()`: on Python 3.11 it also waits for the pipes to close, which a
        # leftover child holding stdout would delay forever. The returncode is set at exit.
        while process.returncode is None:
            await asyncio.sleep(EXIT_POLL_S)
        return process.returncode

    async def _watch(self) -> Outcome:
        while True:
            now = self.clock.monotonic()
            waits = [WATCH_TICK_S]
            if self.timeout_s is not None:
                remaining = self._start + self.timeout_s - now
                if remaining <= 0:
                    return "timed_out"
                waits.append(remaining)
            if self.stall_s is not None:
                quiet_left = self._last_output + self.stall_s - now
                if quiet_left <= 0:
                    return "stalled"
                waits.append(quiet_left)
            await self.clock.sleep(min(waits))

    async def _terminate(self, process: asyncio.subprocess.Process, pgid: int) -> None:
        _signal_group(pgid, signal.SIGTERM)
        deadline = self.clock.monotonic() + self._kill_grace_s
        while self.clock.monotonic() < deadline:
            if process.returncode is not None and not _group_alive(pgid):
                return
            await self.clock.sleep(0.05)
        if _group_alive(pgid):
            self._note(f"still running after {self._kill_grace_s:g}s: SIGKILL to process group")
            _signal_group(pgid, signal.SIGKILL)

    async def _drain(self, readers: list[asyncio.Task[None]]) -> None:
        _, pending = await asyncio.wait(readers, timeout=DRAIN_S)
        if pending:
            self._note(
                "a process outside the agent's group still holds its output; stopped reading"
            )

    async def _feed_stdin(self, process: asyncio.subprocess.Process, text: str) -> None:
        assert process.stdin is not None
        try:
            process.stdin.write(text.encode("utf-8"))
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self._note("the agent closed its input before reading the whole prompt")
        finally:
            process.stdin.close()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await process.stdin.wait_closed()

    async def _read(self, reader: asyncio.StreamReader, stream: LogStream) -> None:
        splitter = LineSplitter(self._read_line_limit)
        while chunk := await reader.read(READ_CHUNK):
            self._last_output = self.clock.monotonic()
            for line in splitter.feed(chunk):
                self._handle_line(stream, line)
        for line in splitter.flush():
            self._handle_line(stream, line)

    def _handle_line(self, stream: LogStream, line: str) -> None:
        text = redact(line)
        self._write(stream, text)
        parsed = self._parser.feed(stream, text, self.clock.now())
        for display_stream, display in parsed.display:
            if display_stream == "soda":
                self._write("soda", display)
            self._show(display_stream, display)
        for event in parsed.events:
            if isinstance(event, ToolCall):
                self._tool_calls += 1
            elif isinstance(event, TokenUsage):
                self._usage = event
            elif isinstance(event, UsageLimit):
                self._limit = event
            self._emit(event)

    def _show(self, stream: LogStream, text: str) -> None:
        kept = self.buffer.append(text)
        self._emit(LogLine(stream, kept, self.clock.now()))

    def _write(self, stream: LogStream, text: str) -> None:
        if self._log is not None:
            self._log.write(f"{LOG_PREFIX[stream]}{text}\n")

    def _note(self, text: str) -> None:
        """A line from soda-tui itself: into the log file, the ring and the event stream."""
        text = redact(text)
        self._write("soda", text)
        self._show("soda", text)

    def _emit(self, event: AgentEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception as error:
            # A broken viewer must not stop the run; say so once in the log and carry on.
            if not self._emit_failed:
                self._emit_failed = True
                self._write("soda", redact(f"event handler failed: {error!r}"))

    def _stopped_result(self, exit_code: int, stop: Outcome) -> RunResult:
        if stop == "timed_out":
            reason = f"the agent ran longer than its {self.timeout_s:g}s timeout and was stopped"
        elif stop == "stalled":
            reason = f"the agent printed nothing for {self.stall_s:g}s and was stopped"
        else:
            reason = "the run was cancelled"
        if stop != "cancelled" and self._limit is not None:
            # It hit its usage limit and then hung: parking until the reset is what helps.
            return self._result(exit_code, "usage_limited", self._limit.message)
        return self._result(exit_code, stop, reason)

    def _verdict_result(self, exit_code: int, verdict: Verdict) -> RunResult:
        if verdict.usage_limit is not None:
            self._limit = verdict.usage_limit
        return self._result(exit_code, verdict.outcome, verdict.reason)

    def _result(self, exit_code: int | None, outcome: Outcome, reason: str) -> RunResult:
        if outcome in ("not_found", "failed") and exit_code is None:
            self._note(reason)
        return RunResult(
            exit_code=exit_code,
            outcome=outcome,
            reason=redact(reason),
            duration_s=max(0.0, self.clock.monotonic() - self._start),
            log_path=self.log_path,
            tail=self.buffer.tail(TAIL_LINES),
            usage=self._usage,
            tool_calls=self._tool_calls,
            usage_limit_reset=self._limit.reset_at if self._limit else None,
        )
