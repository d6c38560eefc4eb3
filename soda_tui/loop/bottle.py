"""bottle: push the agent branch, open (or reuse) its pull request, move the issue to review."""

from __future__ import annotations

from soda_tui.agents.faultpoints import fault_point
from soda_tui.core.secrets import redact
from soda_tui.github.errors import GitHubError, GraphQLError
from soda_tui.loop.claims import find_working, load_detail
from soda_tui.loop.context import RepoContext
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.telemetry.spans import traced_action

MAX_BODY_CHARS = 60000  # GitHub refuses bodies over 65,536 characters; keep clear of it


def pull_request_body(number: int, subjects: list[tuple[str, str]]) -> str:
    """`Fixes #N` first (so the merge closes the issue), then the commits, within GitHub's limit."""
    lines = [f"Fixes #{number}", "", "Commits:"]
    size = sum(len(line) + 1 for line in lines)
    for index, (oid, subject) in enumerate(subjects):
        line = f"- {subject[:200]} ({oid[:7]})"
        if size + len(line) + 1 > MAX_BODY_CHARS - 200:
            lines.append(f"- … and {len(subjects) - index} more commits")
            break
        lines.append(line)
        size += len(line) + 1
    lines += ["", "Bottled by soda-tui."]
    return redact("\n".join(lines))


@traced_action("bottle")
async def bottle(ctx: RepoContext, issue_number: int | None = None) -> ActionResult:
    """Bottle the held issue: refuse with no commits ahead; never open a second pull request."""
    journal = ctx.journal()
    current = journal.load()
    if current is not None and current.action == "bottle" and issue_number is None:
        issue_number = current.issue_number
    number = await find_working(ctx, issue_number)
    detail = await load_detail(ctx, number)
    workspace = await ctx.up_to_date_workspace()
    ahead = await ctx.in_thread(workspace.commits_ahead, detail.branch, detail.default_branch)
    if not ahead and detail.open_pull is None:
        raise ActionRefused(
            f"#{number}: {detail.branch} has no commits ahead of {detail.default_branch}; "
            "nothing to bottle (run the agent, or commit in the workspace)",
            branch=detail.branch,
        )
    entry = journal.begin("bottle", number, branch=detail.branch)
    if not journal.step_done("pushed") and ahead:
        fault_point("bottle.before_push")
        await ctx.in_thread(workspace.push, detail.branch)
        fault_point("bottle.after_push_request")
        journal.record("pushed", head_oid=ahead[0].oid)
    fault_point("bottle.after_push")
    pull = detail.open_pull
    if pull is None and not journal.step_done("pull_request"):
        subjects = [(commit.oid, commit.subject) for commit in reversed(ahead)]
        pull_number, url = await _open_pull(ctx, number, detail, subjects)
    elif pull is not None:
        pull_number, url = pull.number, pull.url
    else:
        pull_number, url = entry.facts["pull_number"], entry.facts["pull_url"]
    journal.record("pull_request", pull_number=pull_number, pull_url=url)
    fault_point("bottle.after_pull_request")
    if not journal.step_done("labels"):
        add = [detail.label_ids["reviewLabel"]] if "reviewLabel" in detail.label_ids else []
        if not add:
            raise ActionRefused(
                f"{ctx.repo} has no route:review label: run `soda-tui init {ctx.repo}`", Exit.USAGE
            )
        remove = [detail.label_ids["agentLabel"]] if "agentLabel" in detail.label_ids else []
        await ctx.client.execute(
            "SwapLabels",
            {"issueId": detail.issue.node_id, "addLabelIds": add, "removeLabelIds": remove},
            retry_safe=True,
        )
        fault_point("bottle.after_labels_request")
        journal.record("labels")
    journal.finish()
    return ActionResult(
        "bottle",
        str(ctx.repo),
        Exit.DONE,
        f"#{number} bottled: pull request #{pull_number} {url}",
        {
            "issue": {"number": number, "title": detail.issue.title},
            "branch": detail.branch,
            "pull_request": {"number": pull_number, "url": url},
            "commits": len(ahead),
        },
    )


async def _open_pull(
    ctx: RepoContext, number: int, detail, subjects: list[tuple[str, str]]
) -> tuple[int, str]:
    variables = {
        "repositoryId": detail.repository_id,
        "base": detail.default_branch,
        "head": detail.branch,
        "title": detail.issue.title,
        "body": pull_request_body(number, subjects),
    }
    try:
        data = await ctx.client.execute("OpenPullRequest", variables)
    except GitHubError as error:
        # The reply may have been lost after GitHub opened it: look before deciding it failed.
        again = await load_detail(ctx, number, detail.branch)
        if again.open_pull is not None:
            return again.open_pull.number, again.open_pull.url
        if isinstance(error, GraphQLError) and any(
            "No commits between" in item.get("message", "") for item in error.errors
        ):
            raise ActionRefused(
                f"#{number}: GitHub sees no commits between "
                f"{detail.default_branch} and {detail.branch}"
            ) from error
        raise
    fault_point("bottle.after_open_pull_request")
    pull = data["createPullRequest"]["pullRequest"]
    return int(pull["number"]), pull["url"]
