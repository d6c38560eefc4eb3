"""Bulk recovery: choose items by pattern and kind, list what an action would do, then do it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from soda_tui.git.errors import GitError
from soda_tui.github.errors import GitHubError
from soda_tui.loop.context import RepoContext
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.recovery.actions import describe, perform
from soda_tui.recovery.ignore import IgnoreStore
from soda_tui.recovery.models import OrphanItem, OrphanKind, RecoveryAction, Scan


@dataclass(frozen=True)
class PlannedStep:
    """One action a bulk run would take, and what it would do."""

    item: OrphanItem
    action: RecoveryAction

    @property
    def description(self) -> str:
        """One line: what this step does."""
        return describe(self.item, self.action)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "item": self.item.key,
            "repo": str(self.item.repo),
            "kind": self.item.kind.value,
            "action": self.action.value,
            "would": self.description,
        }


def item_matches(item: OrphanItem, pattern: str) -> bool:
    """Whether a glob matches the item's branch, its key, its repository or `#<issue>`."""
    names = [item.key, str(item.repo)]
    if item.branch:
        names.append(item.branch)
    if item.issue_number:
        names.append(f"#{item.issue_number}")
    return any(fnmatchcase(name, pattern) for name in names)


def select(
    scan: Scan,
    *,
    match: Sequence[str] = (),
    kinds: Collection[OrphanKind] = (),
    include_ignored: bool = False,
) -> list[OrphanItem]:
    """The scan's items that match any pattern (all when none) and any kind (all when none)."""
    chosen = []
    for item in scan.items:
        if item.ignored and not include_ignored:
            continue
        if kinds and item.kind not in kinds:
            continue
        if match and not any(item_matches(item, pattern) for pattern in match):
            continue
        chosen.append(item)
    return chosen


def plan(items: Sequence[OrphanItem], action: RecoveryAction) -> list[PlannedStep]:
    """The steps `action` would take on `items`: items it does not apply to are left out, and
    a branch or issue named by two items is acted on once."""
    steps: list[PlannedStep] = []
    seen: set[str] = set()
    for item in items:
        if action not in item.actions:
            continue
        if action is RecoveryAction.REQUEUE:
            target = f"{item.repo}#{item.issue_number}"
        elif action is RecoveryAction.IGNORE:
            target = item.key
        else:
            target = f"{item.repo}:{item.branch}"
        if target in seen:
            continue
        seen.add(target)
        steps.append(PlannedStep(item, action))
    return steps


async def apply(
    contexts: Mapping[str, RepoContext],
    steps: Sequence[PlannedStep],
    *,
    confirmed: bool,
    ignore: IgnoreStore | None = None,
    on_result: Callable[[ActionResult], None] | None = None,
) -> list[ActionResult]:
    """Carry out the steps in order; one item's failure is reported and the rest go on."""
    results = []
    for step in steps:
        ctx = contexts[str(step.item.repo)]
        try:
            result = await perform(ctx, step.item, step.action, confirmed=confirmed, ignore=ignore)
        except ActionRefused as refusal:
            result = ActionResult(
                "recover",
                str(step.item.repo),
                refusal.exit_code,
                f"{step.item.key}: {refusal.message}",
                {"recovery_action": step.action.value, "item": step.item.key},
            )
        except (GitHubError, GitError) as error:
            result = ActionResult(
                "recover",
                str(step.item.repo),
                Exit.FAILURE,
                f"{step.item.key}: {error}",
                {"recovery_action": step.action.value, "item": step.item.key},
            )
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
