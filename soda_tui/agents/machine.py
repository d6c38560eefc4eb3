"""The issue state machine and the per-repo worker phases, as pure data with no I/O.

An issue's state is derived from GitHub alone (PRODUCT.md section 2); the tables here say which
moves between states the worker may make, so a bug that would skip a step fails loudly instead
of leaving an issue half-claimed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum
from types import MappingProxyType

from soda_tui.core.naming import (
    AGENT_LABEL,
    BLOCKED_LABEL,
    HUMAN_ONLY_LABELS,
    QUEUEING_LABELS,
    REVIEW_LABEL,
)


class IssueState(StrEnum):
    """Where an issue stands in the loop, as GitHub shows it."""

    QUEUED = "queued"
    WORKING = "working"
    REVIEW = "review"
    BLOCKED = "blocked"
    LANDED = "landed"


class Event(StrEnum):
    """Something the worker does to an issue (or observes happening to it)."""

    POP = "pop"
    RUN_SUCCEEDED = "run_succeeded"
    RUN_FAILED = "run_failed"
    BOTTLE = "bottle"
    REWORK = "rework"
    LAND = "land"
    BLOCK = "block"
    RETRY = "retry"
    REQUEUE = "requeue"


class IllegalTransition(Exception):
    """An event that the table does not allow from the current state."""

    def __init__(self, kind: str, state: str, event: str, allowed: Collection[str]) -> None:
        self.state = state
        self.event = event
        options = ", ".join(sorted(allowed)) or "none, it is final"
        super().__init__(
            f"illegal {kind} transition: '{event}' is not allowed in state '{state}' "
            f"(allowed: {options})"
        )


def derive_state(
    labels: Collection[str],
    is_open: bool,
    has_open_agent_pr: bool,
    closed_by_merge: bool,
) -> IssueState | None:
    """The state GitHub shows for an issue, or None when the issue is not the agent's business.

    Precedence, for label sets that more than one row would match: blocked beats everything
    (a human or the worker said stop), review needs both the label and an open PR, a claim
    (`agent001`) makes it working even if `route:ready` was left behind by My Little Soda,
    and only then do the queueing labels count, never on a human-only issue.
    A `route:review` label without an open PR is a stale label: None, so that recovery and
    sync deal with it instead of the loop.
    """
    label_set = set(labels)
    if not is_open:
        return IssueState.LANDED if closed_by_merge else None
    if BLOCKED_LABEL in label_set:
        return IssueState.BLOCKED
    if REVIEW_LABEL in label_set:
        return IssueState.REVIEW if has_open_agent_pr else None
    if AGENT_LABEL in label_set:
        return IssueState.WORKING
    if label_set.intersection(HUMAN_ONLY_LABELS):
        return None
    if label_set.intersection(QUEUEING_LABELS):
        return IssueState.QUEUED
    return None


S = IssueState
E = Event

TRANSITIONS: Mapping[tuple[IssueState, Event], IssueState] = MappingProxyType(
    {
        (S.QUEUED, E.POP): S.WORKING,
        (S.QUEUED, E.BLOCK): S.BLOCKED,
        # A successful run leaves the claim in place until bottle swaps the labels.
        (S.WORKING, E.RUN_SUCCEEDED): S.WORKING,
        (S.WORKING, E.RUN_FAILED): S.BLOCKED,
        (S.WORKING, E.BOTTLE): S.REVIEW,
        (S.WORKING, E.BLOCK): S.BLOCKED,
        (S.WORKING, E.REQUEUE): S.QUEUED,
        # Bottling again after more commits reuses the open PR.
        (S.REVIEW, E.BOTTLE): S.REVIEW,
        (S.REVIEW, E.REWORK): S.WORKING,
        (S.REVIEW, E.LAND): S.LANDED,
        (S.REVIEW, E.BLOCK): S.BLOCKED,
        (S.BLOCKED, E.RETRY): S.WORKING,
        (S.BLOCKED, E.REQUEUE): S.QUEUED,
    }
)


def allowed_events(state: IssueState) -> frozenset[Event]:
    """The events the issue table accepts from `state`."""
    return frozenset(event for (source, event) in TRANSITIONS if source is state)


def transition(state: IssueState, event: Event) -> IssueState:
    """The state after `event`, or IllegalTransition when the table has no such move."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(
            "issue", state.value, event.value, [e.value for e in allowed_events(state)]
        ) from None


class WorkerPhase(StrEnum):
    """What a repository's single worker is doing right now."""

    IDLE = "idle"
    POPPING = "popping"
    CLAIMED = "claimed"
    RUNNING = "running"
    DONE = "done"
    BOTTLING = "bottling"
    WAITING_CI = "waiting_ci"
    LANDING = "landing"
    PARKED = "parked"
    BLOCKED = "blocked"
    ERROR = "error"


class WorkerEvent(StrEnum):
    """Something that moves a worker from one phase to another."""

    POP = "pop"
    POPPED = "popped"
    QUEUE_EMPTY = "queue_empty"
    RUN = "run"
    RUN_SUCCEEDED = "run_succeeded"
    RUN_FAILED = "run_failed"
    USAGE_LIMIT = "usage_limit"
    RESUME = "resume"
    CANCEL = "cancel"
    BOTTLE = "bottle"
    BOTTLED = "bottled"
    LAND = "land"
    LANDED = "landed"
    GATE_NOT_MET = "gate_not_met"
    REWORK = "rework"
    BLOCKED = "blocked"
    FAILED = "failed"
    RESET = "reset"


P = WorkerPhase
W = WorkerEvent

# Phases that have an operation in flight; any of them may fail into ERROR.
BUSY_PHASES: frozenset[WorkerPhase] = frozenset(
    {P.POPPING, P.RUNNING, P.BOTTLING, P.WAITING_CI, P.LANDING}
)

_worker_moves: dict[tuple[WorkerPhase, WorkerEvent], WorkerPhase] = {
    (P.IDLE, W.POP): P.POPPING,
    (P.POPPING, W.POPPED): P.CLAIMED,
    (P.POPPING, W.QUEUE_EMPTY): P.IDLE,
    (P.CLAIMED, W.RUN): P.RUNNING,
    # An issue whose branch already has commits (a resumed claim) may be bottled directly.
    (P.CLAIMED, W.BOTTLE): P.BOTTLING,
    (P.CLAIMED, W.BLOCKED): P.BLOCKED,
    (P.RUNNING, W.RUN_SUCCEEDED): P.DONE,
    (P.RUNNING, W.RUN_FAILED): P.BLOCKED,
    (P.RUNNING, W.USAGE_LIMIT): P.PARKED,
    (P.RUNNING, W.CANCEL): P.CLAIMED,
    (P.PARKED, W.RESUME): P.CLAIMED,
    (P.PARKED, W.CANCEL): P.CLAIMED,
    (P.DONE, W.BOTTLE): P.BOTTLING,
    (P.DONE, W.RUN): P.RUNNING,
    (P.BOTTLING, W.BOTTLED): P.WAITING_CI,
    (P.BOTTLING, W.BLOCKED): P.BLOCKED,
    (P.WAITING_CI, W.LAND): P.LANDING,
    (P.WAITING_CI, W.REWORK): P.CLAIMED,
    (P.WAITING_CI, W.BLOCKED): P.BLOCKED,
    (P.LANDING, W.LANDED): P.IDLE,
    (P.LANDING, W.GATE_NOT_MET): P.WAITING_CI,
    (P.LANDING, W.BLOCKED): P.BLOCKED,
    (P.BLOCKED, W.RESET): P.IDLE,
    (P.ERROR, W.RESET): P.IDLE,
}
for _phase in BUSY_PHASES:
    _worker_moves[(_phase, W.FAILED)] = P.ERROR

WORKER_TRANSITIONS: Mapping[tuple[WorkerPhase, WorkerEvent], WorkerPhase] = MappingProxyType(
    _worker_moves
)

# Where a worker that starts up (or resets after an error) resumes, given the state GitHub
# shows for the issue it owns; GitHub wins over whatever phase was on screen before.
PHASE_FOR_ISSUE_STATE: Mapping[IssueState | None, WorkerPhase] = MappingProxyType(
    {
        None: P.IDLE,
        S.QUEUED: P.IDLE,
        S.WORKING: P.CLAIMED,
        S.REVIEW: P.WAITING_CI,
        S.BLOCKED: P.IDLE,
        S.LANDED: P.IDLE,
    }
)


def allowed_worker_events(phase: WorkerPhase) -> frozenset[WorkerEvent]:
    """The events the worker table accepts from `phase`."""
    return frozenset(event for (source, event) in WORKER_TRANSITIONS if source is phase)


def worker_transition(phase: WorkerPhase, event: WorkerEvent) -> WorkerPhase:
    """The worker phase after `event`, or IllegalTransition when the table has no such move."""
    try:
        return WORKER_TRANSITIONS[(phase, event)]
    except KeyError:
        raise IllegalTransition(
            "worker", phase.value, event.value, [e.value for e in allowed_worker_events(phase)]
        ) from None
