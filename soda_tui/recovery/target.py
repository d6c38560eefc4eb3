"""What an action needs to know right before it acts: GitHub's view of one branch and issue, and
the recovery journal that makes each multi-step action resumable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from soda_tui.agents.journal import Journal
from soda_tui.core.models import RepoName
from soda_tui.loop.context import RepoContext
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.recovery.models import IssueRef, OrphanItem, OrphanKind

RECOVERY_JOURNALS = "recovery"


def recovery_journal(ctx: RepoContext) -> Journal:
    """The journal of recovery actions in `ctx`'s repository (apart from the loop's own journal,
    so a half-done pop never blocks cleaning up, and the other way round)."""
    main = ctx.paths.journal(str(ctx.repo))
    return Journal(main.parent / RECOVERY_JOURNALS / main.name, clock=ctx.clock)


@dataclass(frozen=True)
class Target:
    """GitHub's current view of the branch and issue an action is about to touch."""

    repository_id: str
    default_branch: str
    label_ids: dict[str, str]
    branch_oid: str | None
    open_pull: tuple[int, str] | None
    issue_id: str | None
    issue_title: str
    issue_state: str | None
    issue_labels: frozenset[str]
    comments: tuple[str, ...]


async def read_target(ctx: RepoContext, branch: str | None, number: int | None) -> Target:
    """Read the branch and issue in one request; ActionRefused when the repository is gone."""
    data = await ctx.client.execute(
        "RecoveryTarget",
        {
            "owner": ctx.repo.owner,
            "name": ctx.repo.name,
            "branch": f"refs/heads/{branch}" if branch else "refs/heads/",
            "number": number or 0,
            "withBranch": branch is not None,
            "withIssue": number is not None,
        },
        allow_partial=True,  # an issue number no issue has comes back as null with an error
    )
    repository = data.get("repository")
    if repository is None:
        raise ActionRefused(f"{ctx.repo} was not found, or the token cannot see it", Exit.USAGE)
    ref = repository.get("ref") or {}
    pulls = [n for n in (ref.get("associatedPullRequests") or {}).get("nodes") or [] if n]
    issue = repository.get("issue") or {}
    labels = frozenset(n["name"] for n in (issue.get("labels") or {}).get("nodes") or [] if n)
    comments = tuple(
        (n or {}).get("body", "") for n in (issue.get("comments") or {}).get("nodes") or []
    )
    label_ids = {
        key: value["id"]
        for key in ("agentLabel", "readyLabel", "reviewLabel", "blockedLabel")
        if (value := repository.get(key))
    }
    return Target(
        repository_id=repository.get("id", ""),
        default_branch=(repository.get("defaultBranchRef") or {}).get("name", "main"),
        label_ids=label_ids,
        branch_oid=(ref.get("target") or {}).get("oid") if ref else None,
        open_pull=(int(pulls[0]["number"]), pulls[0].get("url", "")) if pulls else None,
        issue_id=issue.get("id") if issue else None,
        issue_title=issue.get("title", "") if issue else "",
        issue_state=issue.get("state") if issue else None,
        issue_labels=labels,
        comments=comments,
    )


def item_facts(item: OrphanItem) -> dict[str, Any]:
    """The facts an action journals about its item, enough to resume it after a crash."""
    return {
        "key": item.key,
        "kind": item.kind.value,
        "reason": item.reason,
        "branch": item.branch,
        "head_oid": item.head_oid,
        "location": item.location,
        "ahead": item.ahead,
        "unpushed": item.unpushed,
        "number": item.issue_number,
        "issue_title": item.issue.title if item.issue else "",
    }


def item_from_facts(repo: RepoName, facts: dict[str, Any]) -> OrphanItem:
    """Rebuild the item an unfinished action was working on."""
    number = facts.get("number")
    return OrphanItem(
        repo=repo,
        kind=OrphanKind(facts.get("kind", OrphanKind.RECOVERABLE.value)),
        reason=str(facts.get("reason", "")),
        branch=facts.get("branch"),
        head_oid=facts.get("head_oid"),
        ahead=int(facts.get("ahead") or 0),
        issue=IssueRef(
            number=int(number), title=str(facts.get("issue_title") or ""), state="UNKNOWN"
        )
        if isinstance(number, int)
        else None,
        unpushed=int(facts.get("unpushed") or 0),
        location="local" if facts.get("location") == "local" else "remote",
    )
