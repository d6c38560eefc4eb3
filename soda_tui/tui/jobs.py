"""The I/O the dashboard's workers run: reading GitHub, running actions, reading run logs (no Textual)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from soda_tui.agents.events import AgentEvent
from soda_tui.core.models import Issue, RepoName
from soda_tui.core.secrets import redact
from soda_tui.git.errors import GitError
from soda_tui.github.errors import GitHubError
from soda_tui.loop.bottle import bottle
from soda_tui.loop.context import RepoContext
from soda_tui.loop.land import land
from soda_tui.loop.parking import parked_until
from soda_tui.loop.pop import pop
from soda_tui.loop.queue_list import list_queues
from soda_tui.loop.results import ActionRefused, ActionResult
from soda_tui.loop.run import run
from soda_tui.loop.session import Session
from soda_tui.loop.status import BoardSnapshot, fetch_board
from soda_tui.settings.errors import ConfigError
from soda_tui.tui.model import Severity

BACKFILL_LINES = 2000
_TAIL_BLOCK = 64 * 1024


@dataclass(frozen=True)
class Job:
    """What a running worker is doing, so its end lands in the right place."""

    kind: str  # board | queues | backfill | action | autopilot | cancel | unpark
    repo: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class BoardRead:
    """One refresh: every repository's board (one request) and which repositories are parked."""

    snapshot: BoardSnapshot
    parks: dict[str, tuple[datetime, str] | None]


@dataclass(frozen=True)
class RunLogTail:
    """The last lines of a repository's newest run log, or no lines when it has never run."""

    repo: str
    path: Path | None
    lines: list[str]


async def read_board(session: Session, repos: list[RepoName]) -> BoardRead:
    """Read all boards in one request, then the park files (local, cheap) of every repository."""
    snapshot = await fetch_board(session.client, repos)
    now = session.clock.now()
    parks = await asyncio.to_thread(
        lambda: {str(repo): parked_until(session.paths.state_dir, repo, now) for repo in repos}
    )
    return BoardRead(snapshot, parks)


async def read_queues(session: Session, repos: list[RepoName]) -> dict[RepoName, list[Issue]]:
    """Every repository's queue in pop order (one request for all of them)."""
    return await list_queues(session.client, repos)


async def read_metrics(session: Session, repos: list[str]) -> list[str]:
    """The loop's metrics as lines, computed from files off the event loop."""
    from soda_tui.telemetry.metrics import metrics_for_paths
    from soda_tui.telemetry.views import metrics_lines

    report = await asyncio.to_thread(metrics_for_paths, session.paths, repos)
    return metrics_lines(report)


async def scan_orphans(session: Session, contexts: dict[str, RepoContext]) -> dict[str, int]:
    """Left-behind items per repository (the recovery scan: a few requests for all of them)."""
    from soda_tui.recovery.ignore import IgnoreStore
    from soda_tui.recovery.models import orphan_counts
    from soda_tui.recovery.scan import scan_repositories

    scan = await scan_repositories(
        list(contexts.values()),
        patterns=session.config.defaults.recovery_patterns,
        ignore=IgnoreStore(session.paths.ignored_file),
    )
    return {str(repo): count for repo, count in orphan_counts(scan).items()}


async def run_action(
    ctx: RepoContext,
    action: str,
    issue: int | None,
    on_event: Callable[[AgentEvent], None],
    runner_box: list,
) -> ActionResult:
    """Run one loop action on one repository; ActionRefused and typed errors propagate."""
    if action == "pop":
        return await pop(ctx, issue)
    if action == "run":
        return await run(ctx, issue, on_event=on_event, runner_box=runner_box)
    if action == "bottle":
        return await bottle(ctx, issue)
    if action == "land":
        return await land(ctx, issue)
    raise ValueError(f"{action!r} is not a repository action")


def newest_run_log(run_log_dir: Path) -> Path | None:
    """The `agent.log` of the newest run under a repository's run log directory."""
    try:
        candidates = [entry / "agent.log" for entry in run_log_dir.iterdir() if entry.is_dir()]
    except FileNotFoundError:
        return None
    logs = [path for path in candidates if path.is_file()]
    if not logs:
        return None
    # Run directories are named <issue>-<timestamp>; the file's mtime orders runs across issues.
    return max(logs, key=lambda path: (path.stat().st_mtime, path.parent.name))


def tail_lines(path: Path, limit: int) -> list[str]:
    """The last `limit` lines of a text file, reading only as much of its end as needed."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        position = handle.tell()
        chunks: list[bytes] = []
        newlines = 0
        while position > 0 and newlines <= limit:
            step = min(_TAIL_BLOCK, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step)
            chunks.append(chunk)
            newlines += chunk.count(b"\n")
    text = b"".join(reversed(chunks)).decode("utf-8", errors="replace")
    return text.splitlines()[-limit:]


async def read_last_run(ctx: RepoContext, limit: int = BACKFILL_LINES) -> RunLogTail:
    """The newest run log of a repository, for a logs screen opened after the run began."""

    def read() -> RunLogTail:
        path = newest_run_log(ctx.paths.run_log_dir(str(ctx.repo)))
        lines = tail_lines(path, limit) if path is not None else []
        return RunLogTail(str(ctx.repo), path, lines)

    return await asyncio.to_thread(read)


def describe_failure(error: BaseException) -> tuple[str, Severity]:
    """One line and a severity for a worker's failure: refusals warn, everything else is an error."""
    if isinstance(error, ActionRefused):
        return error.message, "warning"
    if isinstance(error, GitHubError | GitError | ConfigError):
        return str(error), "error"
    # Anything else is a bug or a crash (the agent runner, the OS): name it, never hide it.
    return redact(f"{type(error).__name__}: {error}"), "error"
