"""peek and pop: find the next issue in the queue, claim it and prepare its branch (2 requests)."""

from __future__ import annotations

from soda_tui.agents.faultpoints import fault_point
from soda_tui.agents.journal import Journal, JournalEntry
from soda_tui.core.models import Issue, is_queued
from soda_tui.core.naming import branch_name, issue_number_from_branch
from soda_tui.github.errors import GraphQLError
from soda_tui.loop.context import RepoContext
from soda_tui.loop.queue import peek_variables, rank_candidates, working_issues
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.telemetry import conventions as telemetry
from soda_tui.telemetry.spans import set_action_attributes, traced_action


def _issue_json(issue: Issue) -> dict:
    return {
        "number": issue.number,
        "title": issue.title,
        "url": issue.url,
        "priority": issue.priority,
        "labels": sorted(issue.labels),
        "created_at": issue.created_at.isoformat() if issue.created_at else None,
    }


async def _queue_snapshot(ctx: RepoContext) -> tuple[dict, list[Issue], list[Issue]]:
    data = await ctx.client.execute("QueuePeek", peek_variables(ctx.repo))
    return data, rank_candidates(data), working_issues(data)


@traced_action("peek")
async def peek(ctx: RepoContext) -> ActionResult:
    """Show the issue pop would take; change nothing (1 request)."""
    _data, ranked, working = await _queue_snapshot(ctx)
    extra = {"working": [_issue_json(issue) for issue in working]}
    if not ranked:
        return ActionResult(
            "peek", str(ctx.repo), Exit.NOTHING, "the queue is empty", {"issue": None, **extra}
        )
    top = ranked[0]
    return ActionResult(
        "peek",
        str(ctx.repo),
        Exit.DONE,
        f"next: #{top.number} {top.title} ({top.priority})",
        {"issue": _issue_json(top), "candidates": [_issue_json(i) for i in ranked[:10]], **extra},
    )


def _unfinished(journal: Journal) -> JournalEntry | None:
    entry = journal.load()
    return entry if entry is not None and not entry.finished else None


@traced_action("pop")
async def pop(ctx: RepoContext, issue_number: int | None = None) -> ActionResult:
    """Claim the next queued issue (or the one asked for), create its branch and workspace."""
    journal = ctx.journal()
    # A workspace path that escapes soda-tui's directories is refused before anything is claimed.
    ctx.paths.workspace(str(ctx.repo))
    entry = _unfinished(journal)
    if entry is not None:
        if entry.action != "pop":
            raise ActionRefused(
                f"a {entry.action} of #{entry.issue_number} is unfinished: "
                f"run `soda-tui {entry.action} --repo {ctx.repo}` to finish it first"
            )
        return await _finish_pop(ctx, journal, entry)
    data, ranked, working = await _queue_snapshot(ctx)
    repository = data["repository"]
    if working:
        busy = working[0]
        raise ActionRefused(
            f"#{busy.number} is already being worked (agent001): run, bottle or recover it first; "
            "one agent per repository",
            working=_issue_json(busy),
        )
    if issue_number is not None:
        chosen = next((issue for issue in ranked if issue.number == issue_number), None)
        if chosen is None:
            chosen = await _queued_issue(ctx, issue_number)
    elif ranked:
        chosen = ranked[0]
    else:
        return ActionResult(
            "pop", str(ctx.repo), Exit.NOTHING, "the queue is empty", {"issue": None}
        )
    agent_label = repository.get("agentLabel")
    if not agent_label:
        raise ActionRefused(
            f"{ctx.repo} has no agent001 label: run `soda-tui init {ctx.repo}` first", Exit.USAGE
        )
    ready_label = repository.get("readyLabel")
    default_branch = repository.get("defaultBranchRef") or {}
    branch = branch_name(chosen.number, chosen.title)
    # Why this issue: its priority and place in the queue, for the trace.
    set_action_attributes(
        {
            telemetry.ISSUE: chosen.number,
            telemetry.ISSUE_PRIORITY: chosen.priority,
            telemetry.QUEUE_LENGTH: len(ranked),
            telemetry.BRANCH: branch,
        }
    )
    entry = journal.begin(
        "pop",
        chosen.number,
        title=chosen.title,
        url=chosen.url,
        issue_id=chosen.node_id,
        repository_id=repository["id"],
        branch=branch,
        base=default_branch.get("name", "main"),
        base_oid=(default_branch.get("target") or {}).get("oid"),
        add_label_ids=[agent_label["id"]],
        remove_label_ids=[ready_label["id"]] if ready_label else [],
    )
    return await _finish_pop(ctx, journal, entry)


async def _queued_issue(ctx: RepoContext, number: int) -> Issue:
    data = await ctx.client.execute(
        "IssueDetail",
        {
            "owner": ctx.repo.owner,
            "name": ctx.repo.name,
            "number": number,
            "branch": branch_name(number, ""),
        },
    )
    node = (data.get("repository") or {}).get("issue")
    if not node:
        raise ActionRefused(f"{ctx.repo} has no issue #{number}", Exit.USAGE)
    issue = Issue.from_graphql(node)
    if issue.state != "OPEN" or not is_queued(issue.labels):
        raise ActionRefused(
            f"#{number} is not in the queue (labels: {', '.join(sorted(issue.labels)) or 'none'})"
        )
    return issue


def _only_branch_exists(error: GraphQLError) -> bool:
    """True when the only failure was createRef finding the branch already there (a resumed pop)."""
    return bool(error.errors) and all(
        (item.get("path") or [None])[0] == "createRef"
        and "already exists" in item.get("message", "")
        for item in error.errors
    )


async def _finish_pop(ctx: RepoContext, journal: Journal, entry: JournalEntry) -> ActionResult:
    facts = entry.facts
    branch = facts.get("branch")
    if not isinstance(branch, str) or issue_number_from_branch(branch) != entry.issue_number:
        # Only a damaged or edited journal gets here; claiming with it would label the issue
        # and then fail on the branch (or aim git at `..`), so set it aside before any write.
        journal.finish("invalid")
        raise ActionRefused(
            f"the journal's unfinished pop of #{entry.issue_number} names the branch "
            f"{str(branch)[:80]!r}, which is not that issue's agent branch; it was set aside: "
            f"run `soda-tui pop --repo {ctx.repo}` again",
            Exit.FAILURE,
        )
    if not journal.step_done("claimed"):
        fault_point("pop.before_claim")
        try:
            await ctx.client.execute(
                "ClaimIssue",
                {
                    "issueId": facts["issue_id"],
                    "addLabelIds": facts["add_label_ids"],
                    "removeLabelIds": facts["remove_label_ids"],
                    "repositoryId": facts["repository_id"],
                    "branchRef": f"refs/heads/{branch}",
                    "oid": facts["base_oid"],
                },
                retry_safe=True,  # labels are set, not toggled; an existing branch is kept
            )
        except GraphQLError as error:
            if not _only_branch_exists(error):
                raise
        fault_point("pop.after_claim_request")
        journal.record("claimed")
    fault_point("pop.after_claim")
    if not journal.step_done("workspace"):
        workspace = await ctx.up_to_date_workspace()
        oid = await ctx.in_thread(workspace.remote_branch_oid, branch) or facts["base_oid"]
        await ctx.in_thread(workspace.create_branch, branch, oid)
        await ctx.in_thread(workspace.checkout, branch)
        journal.record("workspace", head_oid=oid)
    fault_point("pop.after_workspace")
    journal.finish()
    number = entry.issue_number
    return ActionResult(
        "pop",
        str(ctx.repo),
        Exit.DONE,
        f"popped #{number} {facts.get('title', '')} → {branch}",
        {
            "issue": {"number": number, "title": facts.get("title"), "url": facts.get("url")},
            "branch": branch,
            "workspace": str(ctx.paths.workspace(str(ctx.repo))),
        },
    )
