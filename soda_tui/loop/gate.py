"""The landing gate (PRODUCT.md section 3): what must hold before a pull request is merged."""

from __future__ import annotations

from dataclasses import dataclass

from soda_tui.core.models import PullRequest


@dataclass(frozen=True)
class GateVerdict:
    """Whether a pull request may land now, and if not, why (one line a person can act on)."""

    ok: bool
    reason: str
    waiting: bool  # True when time alone may fix it (CI pending, mergeable still computing)


def judge(pull: PullRequest, *, require_review: bool, allow_no_checks: bool) -> GateVerdict:
    """Apply the gate to a pull request's current facts."""
    if pull.merged:
        return GateVerdict(True, "already merged", False)
    if pull.state != "OPEN":
        return GateVerdict(False, f"pull request #{pull.number} is {pull.state.lower()}", False)
    if pull.is_draft:
        return GateVerdict(False, f"pull request #{pull.number} is a draft", False)
    if pull.mergeable == "CONFLICTING":
        return GateVerdict(
            False,
            f"pull request #{pull.number} conflicts with its base branch: "
            "resolve the conflict on the branch, then land again",
            False,
        )
    if pull.mergeable != "MERGEABLE":
        return GateVerdict(False, "GitHub is still computing whether it can merge", True)
    if pull.checks is None:
        if not allow_no_checks:
            return GateVerdict(
                False,
                "the head commit has no status checks "
                "(set allow_no_checks = true to land without CI)",
                True,
            )
    elif pull.checks == "PENDING" or pull.checks == "EXPECTED":
        return GateVerdict(False, "CI is still running", True)
    elif pull.checks != "SUCCESS":
        return GateVerdict(False, f"CI is {pull.checks.lower()} on the head commit", False)
    if require_review and pull.review_decision != "APPROVED":
        decision = (pull.review_decision or "no review").lower().replace("_", " ")
        return GateVerdict(False, f"an approving review is required ({decision})", True)
    return GateVerdict(True, "the gate holds", False)
