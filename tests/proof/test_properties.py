"""Property tests: the issue state machine driven through the journal, with crashes and reloads.

Hypothesis drives issues through pop, run, bottle, land, block, retry and requeue. Each action
is journaled step by step the way the loop does it; random crashes strike inside the journal's
atomic write (before or after the rename), random reloads replace the Journal object, stray temp
files appear as if a writer was killed, and a crashed action is always resumed before another
starts. Whatever happens, no issue leaves the transition table, the state derived from its
labels agrees with the machine, replaying the journal reproduces every state, and no recorded
fact is ever lost.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from soda_tui.agents import faultpoints
from soda_tui.agents.faultpoints import InjectedCrash
from soda_tui.agents.journal import (
    FAULT_AFTER_REPLACE,
    FAULT_BEFORE_REPLACE,
    ActionInProgress,
    Journal,
)
from soda_tui.agents.machine import (
    Event,
    IllegalTransition,
    IssueState,
    allowed_events,
    derive_state,
    transition,
)
from soda_tui.core.clock import FakeClock
from soda_tui.core.naming import AGENT_LABEL, BLOCKED_LABEL, READY_LABEL, REVIEW_LABEL

ISSUES = (1, 2, 3)
# Each loop action, the event it applies when it finishes, and the steps it journals.
ACTIONS: dict[str, tuple[Event, tuple[str, ...]]] = {
    "pop": (Event.POP, ("claimed", "workspace")),
    "run": (Event.RUN_SUCCEEDED, ("agent", "pushed")),
    "fail": (Event.RUN_FAILED, ("agent", "blocked_comment", "blocked_labels")),
    "bottle": (Event.BOTTLE, ("pushed", "pull_request", "labels")),
    "rework": (Event.REWORK, ("labels",)),
    "land": (Event.LAND, ("merged", "finished")),
    "block": (Event.BLOCK, ("blocked_comment", "blocked_labels")),
    "retry": (Event.RETRY, ("labels",)),
    "requeue": (Event.REQUEUE, ("labels",)),
}
LABELS: dict[IssueState, frozenset[str]] = {
    IssueState.QUEUED: frozenset({READY_LABEL}),
    IssueState.WORKING: frozenset({AGENT_LABEL}),
    IssueState.REVIEW: frozenset({REVIEW_LABEL}),
    IssueState.BLOCKED: frozenset({BLOCKED_LABEL}),
    IssueState.LANDED: frozenset(),
}
# Where a crash strikes: nowhere, or inside the atomic write of the next journal change.
CRASHES = st.sampled_from([None, None, None, FAULT_BEFORE_REPLACE, FAULT_AFTER_REPLACE])
# The happy path is drawn more often than the detours, so issues get as far as landing.
FORWARD = ("pop", "run", "bottle", "land")


def _crashing(point: str | None, change: Any) -> bool:
    """Apply one journal change with `point` armed; True when it crashed (it may have landed)."""
    if point is None:
        change()
        return False
    faultpoints.arm(point)
    try:
        change()
    except InjectedCrash:
        return True
    finally:
        faultpoints.disarm(point)
    raise AssertionError(f"{point} was armed but never reached")


class JournaledIssues(RuleBasedStateMachine):
    """A model of three issues and the one journal that records every action taken on them."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="soda-proof-journal-"))
        self.path = self.directory / "acme__api.json"
        self.clock = FakeClock()
        self.journal = Journal(self.path, clock=self.clock, history_limit=10_000)
        self.states = {number: IssueState.QUEUED for number in ISSUES}
        # The action in flight as the model knows it: (action, issue, steps done, facts).
        self.pending: tuple[str, int, list[str], dict[str, Any]] | None = None
        self.finished: list[tuple[str, int]] = []

    def teardown(self) -> None:
        faultpoints.disarm()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- the model's bookkeeping ------------------------------------------------------------

    def _finish(self, point: str | None) -> None:
        assert self.pending is not None
        action, number, _steps, _facts = self.pending
        crashed = _crashing(point, self.journal.finish)
        if crashed and point == FAULT_BEFORE_REPLACE:
            return  # still in flight: the next start must resume it
        self.pending = None
        self.finished.append((action, number))
        self.states[number] = transition(self.states[number], ACTIONS[action][0])

    def _steps(self, crash_at: int | None, point: str | None) -> bool:
        """Record the pending action's missing steps; False when a crash stopped it."""
        assert self.pending is not None
        action, number, done, facts = self.pending
        for index, step in enumerate(ACTIONS[action][1]):
            if step in done:
                continue
            fact = {f"{step}_fact": f"{action}-{number}-{step}-{self.clock.monotonic()}"}
            armed = point if crash_at == index else None
            crashed = _crashing(armed, lambda s=step, f=fact: self.journal.record(s, **f))
            if not crashed or armed == FAULT_AFTER_REPLACE:
                done.append(step)
                facts.update(fact)
            if crashed:
                return False
            self.clock.advance(1)
        return True

    # -- rules --------------------------------------------------------------------------------

    @precondition(lambda self: self.pending is None)
    @rule(
        number=st.sampled_from(ISSUES),
        data=st.data(),
        crash_at=st.none() | st.integers(min_value=-1, max_value=3),
        point=CRASHES,
        finish_point=CRASHES,
    )
    def start(
        self,
        number: int,
        data: st.DataObject,
        crash_at: int | None,
        point: str | None,
        finish_point: str | None,
    ) -> None:
        # The loop checks GitHub before it journals anything, so only legal moves start here;
        # the rule below tries the illegal ones.
        legal = [
            action
            for action, (event, _steps) in sorted(ACTIONS.items())
            for _copy in range(3 if action in FORWARD else 1)
            if event in allowed_events(self.states[number])
        ]
        if not legal:
            return  # landed is final
        action = data.draw(st.sampled_from(legal), label="action")
        hypothesis.event(f"{self.states[number].value} -> {action}")
        facts = {"branch": f"agent001/{number}-x", "started_for": action}
        armed = point if crash_at == -1 else None  # -1: the crash strikes the begin itself
        crashed = _crashing(armed, lambda: self.journal.begin(action, number, **facts))
        if crashed and armed == FAULT_BEFORE_REPLACE:
            return  # nothing reached the disk: nothing is in flight
        self.pending = (action, number, [], dict(facts))
        if not crashed and self._steps(crash_at, point):
            self._finish(finish_point)

    @precondition(lambda self: self.pending is not None)
    @rule(reload=st.booleans(), other=st.sampled_from(sorted(ACTIONS)), point=CRASHES)
    def resume(self, reload: bool, other: str, point: str | None) -> None:
        assert self.pending is not None
        action, number, _done, facts = self.pending
        if reload:
            self.journal = Journal(self.path, clock=self.clock, history_limit=10_000)
        if other != action:
            # Anything else is refused while the crashed action is unfinished.
            try:
                self.journal.begin(other, number)
            except ActionInProgress:
                pass
            else:
                raise AssertionError("a second action started over an unfinished one")
        entry = self.journal.begin(action, number, started_for="ignored on resume")
        assert entry.facts["started_for"] == facts["started_for"]  # first facts win
        if self._steps(None, None):
            self._finish(point)

    @rule()
    def reload(self) -> None:
        self.journal = Journal(self.path, clock=self.clock, history_limit=10_000)

    @rule(pid=st.integers(min_value=1, max_value=99_999), junk=st.binary(max_size=64))
    def killed_writer_leaves_a_temp_file(self, pid: int, junk: bytes) -> None:
        self.directory.joinpath(f".{self.path.name}.{pid}.tmp").write_bytes(junk)

    @rule(number=st.sampled_from(ISSUES), event=st.sampled_from(list(Event)))
    def every_move_is_either_in_the_table_or_refused(self, number: int, event: Event) -> None:
        state = self.states[number]
        try:
            after = transition(state, event)
        except IllegalTransition:
            assert event not in allowed_events(state)
            return
        assert event in allowed_events(state) and after in IssueState

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def labels_agree_with_the_machine(self) -> None:
        for state in self.states.values():
            derived = derive_state(
                LABELS[state],
                is_open=state is not IssueState.LANDED,
                has_open_agent_pr=state is IssueState.REVIEW,
                closed_by_merge=state is IssueState.LANDED,
            )
            assert derived is state

    @invariant()
    def the_disk_holds_exactly_what_was_recorded(self) -> None:
        fresh = Journal(self.path, clock=self.clock, history_limit=10_000)
        active = fresh.load()
        if self.pending is None:
            assert active is None
        else:
            action, number, done, facts = self.pending
            assert active is not None
            assert (active.action, active.issue_number) == (action, number)
            assert list(active.steps) == done
            assert active.facts == facts  # no recorded fact is ever lost
        history = [(item.action, item.issue_number) for item in fresh.history()]
        assert history == self.finished

    @invariant()
    def replaying_the_journal_reproduces_every_state(self) -> None:
        replayed = {number: IssueState.QUEUED for number in ISSUES}
        for item in Journal(self.path, history_limit=10_000).history():
            replayed[item.issue_number] = transition(
                replayed[item.issue_number], ACTIONS[item.action][0]
            )
        assert replayed == self.states


TestJournaledIssues = JournaledIssues.TestCase
TestJournaledIssues.settings = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
