"""land: merge a bottled pull request once its gate holds, close the issue, comment, clean up."""

from __future__ import annotations

from soda_tui.agents.faultpoints import fault_point
from soda_tui.core.models import PullRequest
from soda_tui.core.naming import BRANCH_PREFIX
from soda_tui.github.errors import GitHubError
from soda_tui.loop.claims import find_review
from soda_tui.loop.context import RepoContext
from soda_tui.loop.gate import judge
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.telemetry.spans import traced_action

METHODS = {"squash": "SQUASH", "merge": "MERGE", "rebase": "REBASE"}
REMOVED_ON_LAND = (
    ("reviewLabel", "route:review"),
    ("agentLabel", "agent001"),
    ("readyLabel", "route:ready"),
)


def landed_marker(pull_number: int) -> str:
    """The hidden marker of our landing comment, so a resumed land never comments twice."""
    return f"<!-- soda-tui:landed pr={pull_number} -->"


def _agent_pull(issue: dict, number: int) -> PullRequest | None:
    pulls = [
        PullRequest.from_graphql(n)
        for n in (issue.get("closedByPullRequestsReferences") or {}).get("nodes") or []
        if n
    ]
    ours = [
        p
        for p in pulls
        if p.head_ref_name.startswith(BRANCH_PREFIX)
        and (
            p.head_ref_name == f"{BRANCH_PREFIX}{number}"
            or p.head_ref_name.startswith(f"{BRANCH_PREFIX}{number}-")
        )
    ]
    ours.sort(key=lambda p: (not p.merged, p.state != "OPEN", -p.number))
    return ours[0] if ours else None


async def _check(ctx: RepoContext, number: int) -> tuple[dict, dict, PullRequest]:
    data = await ctx.client.execute(
        "LandCheck", {"owner": ctx.repo.owner, "name": ctx.repo.name, "issue": number}
    )
    repository = data.get("repository") or {}
    issue = repository.get("issue")
    if not issue:
        raise ActionRefused(f"{ctx.repo} has no issue #{number}", Exit.USAGE)
    pull = _agent_pull(issue, number)
    if pull is None:
        raise ActionRefused(f"#{number} has no pull request from an agent branch: bottle it first")
    return repository, issue, pull


@traced_action("land")
async def land(ctx: RepoContext, issue_number: int | None = None) -> ActionResult:
    """Land the issue's pull request when the gate holds (at most 4 requests on the way through)."""
    journal = ctx.journal()
    current = journal.load()
    if current is not None and current.action == "land" and issue_number is None:
        issue_number = current.issue_number
    number = await find_review(ctx, issue_number)
    repository, issue, pull = await _check(ctx, number)
    data = {
        "issue": {"number": number, "title": issue.get("title")},
        "pull_request": {
            "number": pull.number,
            "url": pull.url,
            "checks": pull.checks,
            "mergeable": pull.mergeable,
            "review": pull.review_decision,
        },
    }
    if not pull.merged:
        verdict = judge(
            pull,
            require_review=ctx.config.require_review,
            allow_no_checks=ctx.config.allow_no_checks,
        )
        if not verdict.ok:
            return ActionResult(
                "land",
                str(ctx.repo),
                Exit.NOTHING,
                f"#{number} not landed: {verdict.reason}",
                {**data, "waiting": verdict.waiting, "reason": verdict.reason},
            )
    journal.begin("land", number, pull_number=pull.number, branch=pull.head_ref_name)
    merge_oid, issue_open = pull.merge_commit, issue.get("state") == "OPEN"
    if not pull.merged:
        fault_point("land.before_merge")
        merge_oid, closed_by_keyword = await _merge(ctx, number, pull)
        issue_open = issue_open and not closed_by_keyword
    journal.record("merged", merge_oid=merge_oid)
    fault_point("land.after_merge")
    # The merge is seen: from here on the branch may go (PRODUCT.md section 7.1).
    marker = landed_marker(pull.number)
    comments = (issue.get("comments") or {}).get("nodes") or []
    commented = any(marker in (c or {}).get("body", "") for c in comments)
    labels = {item["name"] for item in (issue.get("labels") or {}).get("nodes") or []}
    remove_ids = [
        repository[alias]["id"]
        for alias, name in REMOVED_ON_LAND
        if name in labels and repository.get(alias)
    ]
    still_to_do = {
        "close": issue_open,
        "relabel": bool(remove_ids),
        "addComment": not commented,
        "deleteBranch": pull.head_ref_id is not None,
    }
    if not journal.step_done("finished") and any(still_to_do.values()):
        fault_point("land.before_finish")
        await ctx.client.execute(
            "FinishLanding",
            {
                "issueId": issue["id"],
                "removeLabelIds": remove_ids or [issue["id"]],  # unused when relabel is false
                "comment": f"{marker}\nLanded by soda-tui in {merge_oid} via #{pull.number}.",
                "refId": pull.head_ref_id or issue["id"],  # unused when deleteBranch is false
                **still_to_do,
            },
        )
        fault_point("land.after_finish_request")
    journal.record("finished")
    journal.finish()
    return ActionResult(
        "land",
        str(ctx.repo),
        Exit.DONE,
        f"#{number} landed: pull request #{pull.number} merged as {str(merge_oid)[:12]}",
        {**data, "merge_commit": merge_oid},
    )


async def _merge(ctx: RepoContext, number: int, pull: PullRequest) -> tuple[str, bool]:
    """Merge pinned to the checked head; returns the merge commit and whether the issue closed."""
    method = METHODS[ctx.config.merge_method]
    try:
        data = await ctx.client.execute(
            "MergePullRequest",
            {
                "pullRequestId": pull.node_id,
                "method": method,
                "expectedHeadOid": pull.head_oid,
            },
        )
    except GitHubError:
        # The merge may have happened even though the reply was lost: look before failing.
        _repository, _issue, again = await _check(ctx, number)
        if again.merged:
            return again.merge_commit or "", False
        raise
    fault_point("land.after_merge_request")
    merged = data["mergePullRequest"]["pullRequest"]
    closing = merged.get("closingIssuesReferences") or {}
    closed = any(
        n and n.get("number") == number and n.get("state") == "CLOSED"
        for n in closing.get("nodes") or []
    )
    return (merged.get("mergeCommit") or {}).get("oid") or "", closed
