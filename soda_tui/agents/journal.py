"""The per-repository journal of the multi-step action in flight (PRODUCT.md 7.3).

A multi-step action (pop, bottle, land, ...) calls `begin`, then `record`s each step it has
finished together with the facts it learned (PR number, branch, head oid, comment id). After a
crash, re-running the same action on the same issue gets the same entry back, skips the steps
already done and reuses their facts, so nothing is done twice. Every change is written
atomically (temp file, fsync, rename, fsync of the directory) under an advisory lock, so a crash
leaves either the old file or the new one, and the dashboard and a headless command never
interleave their updates.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from soda_tui.agents.faultpoints import fault_point
from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.files import fsync_directory, write_atomically
from soda_tui.core.secrets import redact

JOURNAL_VERSION = 1
DEFAULT_HISTORY_LIMIT = 50
# Fault points inside the atomic write, for crash tests of the journal itself.
FAULT_BEFORE_REPLACE = "journal.before_replace"
FAULT_AFTER_REPLACE = "journal.after_replace"


class JournalError(Exception):
    """Base of the journal's errors; the message is one line for the user."""

    @property
    def summary(self) -> str:
        """The one-line message."""
        return str(self)


class JournalCorrupt(JournalError):
    """The journal file could not be read; it was moved aside so nothing reads it by mistake."""

    def __init__(self, path: Path, moved_to: Path, reason: str) -> None:
        self.path = path
        self.moved_to = moved_to
        self.reason = reason
        super().__init__(
            f"journal {path} is unreadable ({reason}); it was moved aside to {moved_to.name} "
            f"(an unfinished action may be recorded there); run `soda-tui sync` to rebuild "
            f"the state from GitHub"
        )


class ActionInProgress(JournalError):
    """Another action is unfinished in this repository, so a new one may not start."""

    def __init__(self, path: Path, entry: JournalEntry, wanted: str, wanted_issue: int) -> None:
        self.entry = entry
        super().__init__(
            f"cannot start {wanted} on issue #{wanted_issue}: {entry.action} on issue "
            f"#{entry.issue_number} (started {entry.started_at}) is unfinished in {path.name}; "
            f"re-run {entry.action} on issue #{entry.issue_number} to finish it, "
            f"or run `soda-tui sync`"
        )


class NoActionInProgress(JournalError):
    """A step was recorded although no action was begun."""

    def __init__(self, path: Path, step: str) -> None:
        super().__init__(
            f"cannot record step {step!r} in {path.name}: no action is in progress "
            f"(begin one first)"
        )


@dataclass(frozen=True)
class JournalEntry:
    """One multi-step action: what it is, which issue, which steps are done, what was learned."""

    action: str
    issue_number: int
    started_at: str
    facts: dict[str, Any] = field(default_factory=dict)
    steps: tuple[str, ...] = ()
    step_times: dict[str, str] = field(default_factory=dict)
    finished_at: str | None = None
    outcome: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the action was closed by `Journal.finish`."""
        return self.finished_at is not None

    def step_done(self, step: str) -> bool:
        """Whether `step` was recorded as done."""
        return step in self.steps

    def to_json(self) -> dict[str, Any]:
        """The JSON form stored in the journal file."""
        data: dict[str, Any] = {
            "action": self.action,
            "issue_number": self.issue_number,
            "started_at": self.started_at,
            "facts": self.facts,
            "steps": [{"step": step, "at": self.step_times.get(step)} for step in self.steps],
        }
        if self.finished_at is not None:
            data["finished_at"] = self.finished_at
            data["outcome"] = self.outcome
        return data

    @classmethod
    def from_json(cls, data: object) -> JournalEntry:
        """Parse the stored form; ValueError names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("an entry is not an object")
        action = data.get("action")
        issue_number = data.get("issue_number")
        started_at = data.get("started_at")
        facts = data.get("facts", {})
        raw_steps = data.get("steps", [])
        if not isinstance(action, str) or not action:
            raise ValueError("an entry has no action")
        if not isinstance(issue_number, int) or isinstance(issue_number, bool):
            raise ValueError(f"entry {action!r} has no issue number")
        if not isinstance(started_at, str):
            raise ValueError(f"entry {action!r} has no start time")
        if not isinstance(facts, dict):
            raise ValueError(f"entry {action!r} has facts that are not an object")
        if not isinstance(raw_steps, list):
            raise ValueError(f"entry {action!r} has steps that are not a list")
        steps: list[str] = []
        step_times: dict[str, str] = {}
        for raw in raw_steps:
            if not isinstance(raw, dict) or not isinstance(raw.get("step"), str):
                raise ValueError(f"entry {action!r} has a malformed step")
            steps.append(raw["step"])
            if isinstance(raw.get("at"), str):
                step_times[raw["step"]] = raw["at"]
        finished_at = data.get("finished_at")
        outcome = data.get("outcome")
        return cls(
            action=action,
            issue_number=issue_number,
            started_at=started_at,
            facts=dict(facts),
            steps=tuple(steps),
            step_times=step_times,
            finished_at=finished_at if isinstance(finished_at, str) else None,
            outcome=outcome if isinstance(outcome, str) else None,
        )


@dataclass(frozen=True)
class _Document:
    active: JournalEntry | None
    history: tuple[JournalEntry, ...]


class Journal:
    """The journal file of one repository: at most one unfinished action plus a bounded history."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock | None = None,
        history_limit: int = DEFAULT_HISTORY_LIMIT,
    ) -> None:
        if history_limit < 0:
            raise ValueError(f"history_limit must be zero or more, got {history_limit}")
        self._path = Path(path)
        self._clock = clock or SystemClock()
        self._history_limit = history_limit
        self._cached: _Document | None = None

    @property
    def path(self) -> Path:
        """Where the journal lives."""
        return self._path

    def load(self) -> JournalEntry | None:
        """Read the file again and return the unfinished action, if any."""
        self._cached = self._read()
        return self._cached.active

    @property
    def entry(self) -> JournalEntry | None:
        """The unfinished action as last read or written (read on first use)."""
        if self._cached is None:
            return self.load()
        return self._cached.active

    @property
    def facts(self) -> dict[str, Any]:
        """A copy of the facts of the unfinished action (empty when there is none)."""
        current = self.entry
        return dict(current.facts) if current is not None else {}

    def step_done(self, step: str) -> bool:
        """Whether the unfinished action has recorded `step`."""
        current = self.entry
        return current is not None and current.step_done(step)

    def history(self) -> list[JournalEntry]:
        """Finished actions, oldest first."""
        if self._cached is None:
            self.load()
        assert self._cached is not None
        return list(self._cached.history)

    def branch_for_issue(self, issue_number: int) -> str | None:
        """The branch last recorded (fact `branch`) for an issue, in flight or finished."""
        if self._cached is None:
            self.load()
        assert self._cached is not None
        newest_first = [self._cached.active, *reversed(self._cached.history)]
        for item in newest_first:
            if item is not None and item.issue_number == issue_number:
                branch = item.facts.get("branch")
                if isinstance(branch, str) and branch:
                    return branch
        return None

    def succeeded_runs(self) -> set[int]:
        """Issues whose latest finished `run` recorded outcome "succeeded" with commits ahead."""
        latest: dict[int, JournalEntry] = {}
        for item in self.history():
            if item.action == "run":
                latest[item.issue_number] = item
        return {
            number
            for number, item in latest.items()
            if item.facts.get("outcome") == "succeeded" and _positive(item.facts.get("ahead"))
        }

    def begin(self, action: str, issue_number: int, **facts: Any) -> JournalEntry:
        """Start `action` on an issue, or return it unchanged in steps if it is already in flight.

        Facts passed here that the entry does not have yet are added; facts it already has are
        kept, because they record what was really done.
        """
        if not action:
            raise ValueError("an action needs a name")
        _check_facts(facts)

        def change(document: _Document) -> _Document:
            current = document.active
            if current is not None:
                if current.action != action or current.issue_number != issue_number:
                    raise ActionInProgress(self._path, current, action, issue_number)
                merged = {**facts, **current.facts}
                return replace(document, active=replace(current, facts=merged))
            started = JournalEntry(
                action=action,
                issue_number=issue_number,
                started_at=self._now(),
                facts=dict(facts),
            )
            return replace(document, active=started)

        entry = self._mutate(change).active
        assert entry is not None
        return entry

    def record(self, step: str, **facts: Any) -> JournalEntry:
        """Mark `step` done (idempotently) and merge `facts` into the action's facts."""
        if not step:
            raise ValueError("a step needs a name")
        _check_facts(facts)

        def change(document: _Document) -> _Document:
            current = document.active
            if current is None:
                raise NoActionInProgress(self._path, step)
            steps = current.steps if step in current.steps else (*current.steps, step)
            step_times = dict(current.step_times)
            step_times.setdefault(step, self._now())
            updated = replace(
                current,
                facts={**current.facts, **facts},
                steps=steps,
                step_times=step_times,
            )
            return replace(document, active=updated)

        entry = self._mutate(change).active
        assert entry is not None
        return entry

    def finish(self, outcome: str = "done") -> JournalEntry | None:
        """Close the unfinished action into the history; None when nothing was in flight."""
        finished: list[JournalEntry] = []

        def change(document: _Document) -> _Document:
            current = document.active
            if current is None:
                return document
            closed = replace(current, finished_at=self._now(), outcome=outcome)
            finished.append(closed)
            history = (*document.history, closed)
            if len(history) > self._history_limit:
                history = history[len(history) - self._history_limit :]
            return _Document(active=None, history=history)

        self._mutate(change)
        return finished[0] if finished else None

    def _now(self) -> str:
        return self._clock.now().isoformat()

    def _mutate(self, change: Callable[[_Document], _Document]) -> _Document:
        # Read-modify-write under the lock: the file on disk is the truth, not our cache.
        with self._locked():
            self._remove_stale_temp_files()
            before = self._read()
            self._cached = before  # even a refused change leaves the cache current
            after = change(before)
            if after != before:
                self._write(after)
            self._cached = after
            return after

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self._path.with_name(f"{self._path.name}.lock")
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _temp_prefix(self) -> str:
        return f".{self._path.name}."

    def _remove_stale_temp_files(self) -> None:
        # Left by a writer killed between write and rename; they never hold the only copy.
        prefix = self._temp_prefix()
        for leftover in self._path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
            leftover.unlink(missing_ok=True)

    def _read(self) -> _Document:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return _Document(active=None, history=())
        try:
            return _parse(raw)
        except ValueError as problem:
            moved_to = self._move_aside()
            raise JournalCorrupt(self._path, moved_to, str(problem)) from None

    def _move_aside(self) -> Path:
        stamp = self._clock.now().strftime("%Y%m%dT%H%M%SZ")
        target = self._path.with_name(f"{self._path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self._path.with_name(f"{self._path.name}.corrupt-{stamp}-{counter}")
        os.replace(self._path, target)
        fsync_directory(self._path.parent)
        self._cached = None
        return target

    def _write(self, document: _Document) -> None:
        payload = {
            "version": JOURNAL_VERSION,
            "active": document.active.to_json() if document.active is not None else None,
            "history": [item.to_json() for item in document.history],
        }
        text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
        write_atomically(
            self._path,
            text,
            temp_prefix=self._temp_prefix(),
            before_replace=lambda: fault_point(FAULT_BEFORE_REPLACE),
        )
        fault_point(FAULT_AFTER_REPLACE)


def _parse(raw: bytes) -> _Document:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as problem:
        raise ValueError(f"not valid JSON: {problem.msg} at line {problem.lineno}") from None
    if not isinstance(data, dict):
        raise ValueError("the top level is not an object")
    version = data.get("version")
    if version != JOURNAL_VERSION:
        raise ValueError(f"version {version!r}, expected {JOURNAL_VERSION}")
    raw_active = data.get("active")
    raw_history = data.get("history", [])
    if not isinstance(raw_history, list):
        raise ValueError("history is not a list")
    active = JournalEntry.from_json(raw_active) if raw_active is not None else None
    history = tuple(JournalEntry.from_json(item) for item in raw_history)
    return _Document(active=active, history=history)


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_facts(facts: Mapping[str, Any]) -> None:
    try:
        text = json.dumps(facts)
    except (TypeError, ValueError) as problem:
        raise TypeError(f"journal facts must be plain JSON values: {problem}") from None
    if redact(text) != text:
        raise ValueError("journal facts must not contain a secret")
