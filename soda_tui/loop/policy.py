"""The autopilot's decision for one repository, as a pure function of what GitHub and the journal say."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from soda_tui.core.naming import issue_number_from_branch
from soda_tui.loop.board import RepoBoard


class StepKind(StrEnum):
    """What the repository's worker does next."""

    RESUME = "resume"
    LAND = "land"
    RUN = "run"
    BOTTLE = "bottle"
    POP = "pop"
    WAIT = "wait"


@dataclass(frozen=True)
class Step:
    """One decision: what to do, on which issue, and why (shown on the pane)."""

    kind: StepKind
    issue: int | None = None
    action: str | None = None
    reason: str = ""


def decide(
    board: RepoBoard,
    *,
    unfinished: tuple[str, int] | None,
    parked_reason: str | None,
    run_succeeded_for: set[int],
    allow_no_checks: bool,
    autopilot_lands: bool = True,
) -> Step:
    """Choose the next step: finish what is half done, land what is green, then work, then pop."""
    if not board.found:
        return Step(StepKind.WAIT, reason="repository not found")
    if parked_reason:
        return Step(StepKind.WAIT, reason=parked_reason)
    if unfinished is not None:
        action, issue = unfinished
        return Step(
            StepKind.RESUME, issue=issue, action=action, reason=f"finishing {action} of #{issue}"
        )
    if autopilot_lands:
        for pull in board.agent_pulls:
            number = issue_number_from_branch(pull.head_ref_name)
            green = pull.checks == "SUCCESS" or (pull.checks is None and allow_no_checks)
            if number is not None and green and pull.mergeable == "MERGEABLE" and not pull.is_draft:
                return Step(StepKind.LAND, issue=number, reason=f"PR #{pull.number} is green")
    if board.working is not None:
        number = board.working[0]
        if number in run_succeeded_for:
            return Step(StepKind.BOTTLE, issue=number, reason=f"#{number} is done")
        return Step(StepKind.RUN, issue=number, reason=f"working on #{number}")
    if board.queued > 0:
        return Step(StepKind.POP, reason=f"{board.queued} queued")
    pending = [p for p in board.agent_pulls if p.checks in ("PENDING", "EXPECTED")]
    if pending:
        return Step(StepKind.WAIT, reason=f"waiting for CI on PR #{pending[0].number}")
    return Step(StepKind.WAIT, reason="idle: the queue is empty")
