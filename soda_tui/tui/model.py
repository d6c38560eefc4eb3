"""What one pane knows about its repository, and the rules derived from it (plain Python, no Textual)."""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from soda_tui.agents.events import TokenUsage
from soda_tui.loop.board import OpenPull, RepoBoard

RepoAction = Literal["pop", "run", "bottle", "land", "autopilot", "cancel", "unpark"]
REPO_ACTIONS: tuple[RepoAction, ...] = (
    "pop",
    "run",
    "bottle",
    "land",
    "autopilot",
    "cancel",
    "unpark",
)
# Actions that change GitHub or git and so need the repository to themselves.
EXCLUSIVE_ACTIONS = ("pop", "run", "bottle", "land")
Driver = Literal["you", "autopilot"]
Severity = Literal["information", "warning", "error"]
STEP_WORDS = {
    "run": "agent running",
    "pop": "popping",
    "bottle": "bottling",
    "land": "landing",
    "resume": "resuming",
}


@dataclass(frozen=True)
class PaneState:
    """One repository's pane: the board GitHub last showed plus what this process is doing there."""

    repo: str
    board: RepoBoard | None = None
    autopilot: bool = False
    driver: Driver | None = None
    """Who holds the repository's worker right now (None: nobody, the repository is free)."""
    activity: str | None = None
    """The step running now: pop, run, bottle, land or resume (None while the autopilot decides)."""
    activity_issue: int | None = None
    activity_since: datetime | None = None
    agent_running: bool = False
    tool_calls: int = 0
    usage: TokenUsage | None = None
    parked_until: datetime | None = None
    parked_reason: str = ""
    progress: str | None = None
    """The newest line of long git work (clone, fetch, push) while it runs."""
    note: str = ""
    """The last thing that happened in this repository, one line."""
    orphans: int | None = None
    """Left-behind items the last recovery scan found (None: not scanned yet)."""
    held_elsewhere: str | None = None
    """Why this dashboard may not act here: another soda-tui process runs the repository."""
    error: str | None = None

    def with_changes(self, **changes: Any) -> PaneState:
        """A copy with some fields replaced."""
        return dataclasses.replace(self, **changes)

    @property
    def busy(self) -> bool:
        """True while a worker holds the repository (one action per repository at a time)."""
        return self.driver is not None

    @property
    def open_pull(self) -> OpenPull | None:
        """The agent's oldest open pull request, if any."""
        pulls = self.board.agent_pulls if self.board is not None else ()
        return min(pulls, key=lambda pull: pull.number) if pulls else None


@dataclass(frozen=True)
class Alert:
    """An event that needs a human: shown as a notification, with the bell when enabled."""

    title: str
    message: str
    severity: Severity


def badge(state: PaneState) -> str:
    """The one word at the top of a pane: what the repository is doing, readable across a room."""
    board = state.board
    if state.error is not None or (board is not None and not board.found):
        return "error"
    if state.parked_until is not None:
        return "parked"
    step_badges = {"land": "landing", "pop": "popping", "bottle": "bottling", "resume": "resuming"}
    if state.activity in step_badges:
        return step_badges[state.activity]
    if state.agent_running or state.activity == "run":
        return "working"
    if board is None:
        return "loading"
    if board.working is not None:
        return "claimed"
    if board.agent_pulls or board.review:
        return "review"
    if board.blocked and not board.queued:
        return "blocked"
    return "idle"


def refusal(action: str, state: PaneState) -> str | None:
    """Why `action` cannot run in this repository now, or None when it can."""
    repo = state.repo
    if state.held_elsewhere:
        return state.held_elsewhere
    if action == "autopilot":
        return None
    if action == "unpark":
        return None if state.parked_until is not None else f"{repo} is not parked"
    if action == "cancel":
        if state.agent_running or state.driver == "autopilot":
            return None
        if state.driver == "you":
            return f"{state.activity or 'the action'} in {repo} cannot be cancelled: it finishes on its own"
        return f"no agent is running in {repo}"
    if state.driver is not None:
        doing = "the autopilot" if state.driver == "autopilot" else (state.activity or "an action")
        return f"{repo} is busy: {doing} is running (one action per repository at a time)"
    board = state.board
    if board is None:
        return f"{repo} has not been read from GitHub yet: wait for the first refresh"
    if not board.found:
        return f"{repo} was not found on GitHub: check the name and that the token can read it"
    return _board_refusal(action, state, board)


def _board_refusal(action: str, state: PaneState, board: RepoBoard) -> str | None:
    repo = state.repo
    if action == "pop":
        if board.working is not None:
            return (
                f"#{board.working[0]} is already claimed in {repo}: run or bottle it first "
                "(one agent per repository)"
            )
        if board.queued == 0:
            return f"the queue of {repo} is empty: label an issue route:ready"
    if action in ("run", "bottle") and board.working is None:
        return f"no issue is claimed in {repo}: pop one first"
    if action == "run" and state.parked_until is not None:
        return f"{repo} is parked until {state.parked_until:%H:%M}: wait, or unpark it"
    if action == "land" and not board.agent_pulls:
        return f"{repo} has no open agent pull request: bottle an issue first"
    return None


def result_alert(action: str, ok: bool, message: str, data: dict[str, Any]) -> Alert | None:
    """The alert a finished action deserves: landed, cannot land, agent blocked, usage limit."""
    if action == "land":
        return (
            Alert("Landed", message, "information")
            if ok
            else Alert("Cannot land", message, "warning")
        )
    if action == "run" and data.get("parked_until"):
        return Alert("Usage limit", message, "warning")
    if action == "run" and (data.get("blocked") or (not ok and data.get("reason"))):
        return Alert("Agent blocked", message, "warning")
    return None


def format_duration(seconds: float) -> str:
    """A short, stable duration: 45s, 12m 03s, 3h 07m, 2d 04h."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def format_age(seconds: float) -> str:
    """A coarse age for lists: 3d, 5h, 12m, or now."""
    total = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total >= size:
            return f"{total // size}{unit}"
    return "now"


def elapsed_text(state: PaneState, now: datetime) -> str:
    """The pane's clock: how long the step, the claim or the park has lasted (or has left)."""
    if state.parked_until is not None:
        return f"parked, {format_duration((state.parked_until - now).total_seconds())} left"
    if state.activity_since is not None:
        doing = STEP_WORDS.get(state.activity or "", state.activity or "working")
        text = f"{doing} for {format_duration((now - state.activity_since).total_seconds())}"
    elif state.board is not None and state.board.working is not None and state.board.working_since:
        since = datetime.fromisoformat(state.board.working_since)
        text = f"claimed {format_duration((now - since).total_seconds())} ago"
    else:
        text = ""
    if state.usage is not None:
        spent = f"{state.usage.total_tokens:,} tokens"
        if state.usage.cost_usd is not None:
            spent += f" ${state.usage.cost_usd:.2f}"
        text = f"{text} · {spent}" if text else spent
    return text


def checks_text(pull: OpenPull | None) -> str:
    """The CI line of a pane: the open pull request and its checks."""
    if pull is None:
        return ""
    checks = (pull.checks or "no checks").lower()
    marks = {"success": "✓", "failure": "✗", "error": "✗", "pending": "…", "expected": "…"}
    mark = marks.get(checks, "·")
    extra = " · draft" if pull.is_draft else ""
    if pull.mergeable == "CONFLICTING":
        extra += " · conflicts"
    return f"PR #{pull.number} CI {mark} {checks}{extra}"


class OutputBuffer:
    """A repository's recent agent output, bounded: lines already drawn and lines waiting to be."""

    def __init__(self, max_lines: int) -> None:
        self.lines: deque[str] = deque(maxlen=max_lines)
        self.pending: list[str] = []
        self.source = ""

    def add(self, line: str) -> bool:
        """Queue a line; True when the queue was empty, so one drain message is needed."""
        self.pending.append(line)
        return len(self.pending) == 1

    def drain(self) -> list[str]:
        """Take every waiting line (they join the drawn ones)."""
        batch, self.pending = self.pending, []
        self.lines.extend(batch)
        return batch

    def start_run(self) -> None:
        """A new run begins: forget the drawn lines of the last one, keep the waiting ones."""
        self.lines.clear()
        self.source = "live"

    def replace(self, lines: list[str], source: str) -> None:
        """Show lines read from disk instead (only done while nothing waits)."""
        self.lines.clear()
        self.lines.extend(lines)
        self.source = source


def log_line_text(stream: str, text: str) -> str:
    """One line as the run log file writes it: stderr and soda-tui's own lines are marked."""
    prefix = {"stderr": "[stderr] ", "soda": "[soda] "}.get(stream, "")
    return prefix + text
