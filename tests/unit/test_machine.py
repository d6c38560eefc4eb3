"""The issue state machine and the worker phase table: derivation, transitions, invariants."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soda_tui.agents.machine import (
    BUSY_PHASES,
    PHASE_FOR_ISSUE_STATE,
    TRANSITIONS,
    WORKER_TRANSITIONS,
    Event,
    IllegalTransition,
    IssueState,
    WorkerEvent,
    WorkerPhase,
    allowed_events,
    allowed_worker_events,
    derive_state,
    transition,
    worker_transition,
)
from soda_tui.core.naming import ALL_PROTOCOL_LABELS

Q, WK, R, B, L = (
    IssueState.QUEUED,
    IssueState.WORKING,
    IssueState.REVIEW,
    IssueState.BLOCKED,
    IssueState.LANDED,
)

# (labels, is_open, has_open_agent_pr, closed_by_merge) -> expected state
DERIVATION_CASES = [
    # queued: open, a queueing label, no claim, no review
    ({"route:ready"}, True, False, False, Q),
    ({"route:ready", "route:priority-high"}, True, False, False, Q),
    ({"route:unblocker"}, True, False, False, Q),
    ({"route:ready_to_merge"}, True, False, False, Q),
    ({"route:ready", "bug", "good first issue"}, True, False, False, Q),
    # never popped
    ({"route:ready", "human-only"}, True, False, False, None),
    ({"route:ready", "route:human-only"}, True, False, False, None),
    ({"route:unblocker", "human-only"}, True, False, False, None),
    ({"route:priority-high"}, True, False, False, None),
    (set(), True, False, False, None),
    ({"bug"}, True, False, False, None),
    # working: claimed, including what My Little Soda's pop leaves behind
    ({"agent001"}, True, False, False, WK),
    ({"agent001", "route:ready"}, True, False, False, WK),
    ({"agent001", "route:ready", "route:priority-low"}, True, False, False, WK),
    # a bottle that crashed after opening the PR but before swapping labels is still working
    ({"agent001"}, True, True, False, WK),
    # review needs both the label and an open PR
    ({"route:review"}, True, True, False, R),
    ({"route:review", "agent001"}, True, True, False, R),
    ({"route:review"}, True, False, False, None),
    ({"route:review", "route:ready"}, True, False, False, None),
    # blocked wins over every other label
    ({"route:blocked"}, True, False, False, B),
    ({"route:blocked", "agent001"}, True, False, False, B),
    ({"route:blocked", "route:review"}, True, True, False, B),
    ({"route:blocked", "route:ready"}, True, False, False, B),
    # closed
    ({"route:review"}, False, False, True, L),
    (set(), False, False, True, L),
    ({"route:review"}, False, False, False, None),
    ({"route:ready"}, False, False, False, None),
    ({"agent001"}, False, True, False, None),
]


@pytest.mark.parametrize(("labels", "is_open", "has_pr", "merged", "expected"), DERIVATION_CASES)
def test_derive_state_follows_the_product_table(
    labels: set[str], is_open: bool, has_pr: bool, merged: bool, expected: IssueState | None
) -> None:
    assert derive_state(labels, is_open, has_pr, merged) == expected


def test_derive_state_accepts_any_collection_of_labels() -> None:
    assert derive_state(["agent001", "route:ready"], True, False, False) is WK
    assert derive_state(frozenset({"route:ready"}), True, False, False) is Q


EXPECTED_MOVES = {
    (Q, Event.POP): WK,
    (Q, Event.BLOCK): B,
    (WK, Event.RUN_SUCCEEDED): WK,
    (WK, Event.RUN_FAILED): B,
    (WK, Event.BOTTLE): R,
    (WK, Event.BLOCK): B,
    (WK, Event.REQUEUE): Q,
    (R, Event.BOTTLE): R,
    (R, Event.REWORK): WK,
    (R, Event.LAND): L,
    (R, Event.BLOCK): B,
    (B, Event.RETRY): WK,
    (B, Event.REQUEUE): Q,
}


def test_the_issue_table_is_exactly_the_reviewed_one() -> None:
    assert dict(TRANSITIONS) == EXPECTED_MOVES


@pytest.mark.parametrize(("state", "event"), list(itertools.product(IssueState, Event)))
def test_every_pair_is_either_legal_or_refused_clearly(state: IssueState, event: Event) -> None:
    if (state, event) in EXPECTED_MOVES:
        assert transition(state, event) is EXPECTED_MOVES[(state, event)]
        assert event in allowed_events(state)
        return
    with pytest.raises(IllegalTransition) as raised:
        transition(state, event)
    message = str(raised.value)
    assert f"'{event.value}'" in message and f"'{state.value}'" in message
    assert "\n" not in message
    assert raised.value.state == state.value and raised.value.event == event.value


def test_landed_is_final() -> None:
    assert allowed_events(L) == frozenset()
    with pytest.raises(IllegalTransition, match="none, it is final"):
        transition(L, Event.POP)


def test_the_tables_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[(L, Event.POP)] = Q  # type: ignore[index]
    with pytest.raises(TypeError):
        WORKER_TRANSITIONS[(WorkerPhase.IDLE, WorkerEvent.LANDED)] = WorkerPhase.IDLE  # type: ignore[index]


def _reachable(start: object, moves: dict) -> set:
    seen, frontier = {start}, [start]
    while frontier:
        current = frontier.pop()
        for (source, _event), target in moves.items():
            if source == current and target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def test_every_issue_state_is_reachable_from_queued() -> None:
    assert _reachable(Q, dict(TRANSITIONS)) == set(IssueState)


@given(st.lists(st.sampled_from(list(Event)), max_size=40))
def test_random_event_sequences_stay_inside_the_table(events: list[Event]) -> None:
    state = Q
    targets = set(TRANSITIONS.values())
    for event in events:
        try:
            after = transition(state, event)
        except IllegalTransition:
            assert (state, event) not in TRANSITIONS
            continue
        assert (state, event) in TRANSITIONS
        assert after in targets
        state = after
    assert state in IssueState


@given(
    labels=st.sets(st.sampled_from([*ALL_PROTOCOL_LABELS, "bug", "docs"])),
    is_open=st.booleans(),
    has_pr=st.booleans(),
    merged=st.booleans(),
)
def test_derived_state_agrees_with_the_label_rules(
    labels: set[str], is_open: bool, has_pr: bool, merged: bool
) -> None:
    state = derive_state(labels, is_open, has_pr, merged)
    if not is_open:
        assert state == (L if merged else None)
        return
    if "route:blocked" in labels:
        assert state is B
    elif state is Q:
        assert not labels & {"agent001", "route:review", "human-only", "route:human-only"}
        assert labels & {"route:ready", "route:unblocker", "route:ready_to_merge"}
    elif state is WK:
        assert "agent001" in labels and "route:review" not in labels
    elif state is R:
        assert "route:review" in labels and has_pr
    else:
        assert state is None
        assert "agent001" not in labels or "route:review" in labels


# -- the worker's phases ------------------------------------------------------------------------


def test_every_worker_phase_is_reachable_from_idle() -> None:
    assert _reachable(WorkerPhase.IDLE, dict(WORKER_TRANSITIONS)) == set(WorkerPhase)


def test_every_busy_phase_fails_into_error_and_error_resets_to_idle() -> None:
    for phase in BUSY_PHASES:
        assert worker_transition(phase, WorkerEvent.FAILED) is WorkerPhase.ERROR
    assert worker_transition(WorkerPhase.ERROR, WorkerEvent.RESET) is WorkerPhase.IDLE
    with pytest.raises(IllegalTransition, match="illegal worker transition"):
        worker_transition(WorkerPhase.IDLE, WorkerEvent.FAILED)


def test_the_happy_path_of_one_issue() -> None:
    phase = WorkerPhase.IDLE
    for event in (
        WorkerEvent.POP,
        WorkerEvent.POPPED,
        WorkerEvent.RUN,
        WorkerEvent.RUN_SUCCEEDED,
        WorkerEvent.BOTTLE,
        WorkerEvent.BOTTLED,
        WorkerEvent.LAND,
        WorkerEvent.LANDED,
    ):
        phase = worker_transition(phase, event)
    assert phase is WorkerPhase.IDLE


def test_a_usage_limit_parks_the_run_and_resume_goes_back_to_the_claim() -> None:
    phase = worker_transition(WorkerPhase.RUNNING, WorkerEvent.USAGE_LIMIT)
    assert phase is WorkerPhase.PARKED
    assert worker_transition(phase, WorkerEvent.RESUME) is WorkerPhase.CLAIMED
    assert WorkerEvent.RUN not in allowed_worker_events(WorkerPhase.PARKED)


def test_a_worker_resumes_from_what_github_shows() -> None:
    assert set(PHASE_FOR_ISSUE_STATE) == {*IssueState, None}
    assert PHASE_FOR_ISSUE_STATE[WK] is WorkerPhase.CLAIMED
    assert PHASE_FOR_ISSUE_STATE[R] is WorkerPhase.WAITING_CI


@given(st.lists(st.sampled_from(list(WorkerEvent)), max_size=60))
def test_random_worker_events_never_leave_the_table(events: list[WorkerEvent]) -> None:
    phase = WorkerPhase.IDLE
    for event in events:
        if (phase, event) in WORKER_TRANSITIONS:
            phase = worker_transition(phase, event)
        else:
            with pytest.raises(IllegalTransition):
                worker_transition(phase, event)
        assert phase in WorkerPhase
