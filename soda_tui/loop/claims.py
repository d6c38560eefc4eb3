"""Which issue the repository's agent holds and on which branch, read from GitHub (cached nowhere)."""

from __future__ import annotations

from dataclasses import dataclass

from soda_tui.core.models import Issue, PullRequest
from soda_tui.core.naming import branch_name, issue_number_from_branch
from soda_tui.github.errors import GraphQLError
from soda_tui.loop.context import RepoContext
from soda_tui.loop.queue import review_query, working_issues, working_query
from soda_tui.loop.results import ActionRefused, Exit


@dataclass(frozen=True)
class IssueDetail:
    """One issue with its comments, branch, open pull request and the label ids actions need."""

    issue: Issue
    branch: str
    repository_id: str
    default_branch: str
    default_oid: str | None
    comments: tuple[tuple[str, str, str], ...]  # (id, author, body)
    open_pull: PullRequest | None
    branch_oid: str | None
    label_ids: dict[str, str]


async def _search(ctx: RepoContext, query: str) -> dict:
    try:
        return await ctx.client.execute("IssueSearch", {"query": query})
    except GraphQLError as error:
        # GitHub's search names no repository it cannot see: that is a config problem, not a bug.
        if any("cannot be searched" in item.get("message", "") for item in error.errors):
            raise ActionRefused(
                f"{ctx.repo} was not found on GitHub, or the token cannot see it: "
                "check the name in the config",
                Exit.USAGE,
            ) from None
        raise


async def find_working(ctx: RepoContext, issue_number: int | None) -> int:
    """The issue the agent holds: the one asked for, or the single working issue on GitHub."""
    if issue_number is not None:
        return issue_number
    data = await _search(ctx, working_query(ctx.repo))
    working = working_issues({"working": data.get("search")})
    if not working:
        raise ActionRefused(
            f"nothing is popped in {ctx.repo}: run `soda-tui pop --repo {ctx.repo}` first"
        )
    return min(issue.number for issue in working)


async def find_review(ctx: RepoContext, issue_number: int | None) -> int:
    """The issue to land: the one asked for, or the oldest issue in review."""
    if issue_number is not None:
        return issue_number
    data = await _search(ctx, review_query(ctx.repo))
    nodes = [n for n in (data.get("search") or {}).get("nodes") or [] if n and "number" in n]
    if not nodes:
        raise ActionRefused(f"nothing is in review in {ctx.repo}: bottle an issue first")
    return min(int(node["number"]) for node in nodes)


def branch_for(ctx: RepoContext, number: int, title: str) -> str:
    """The agent branch of an issue: the one its pop recorded, else the name its title gives now."""
    recorded = ctx.journal().branch_for_issue(number)
    # A recorded name is trusted only if it is this issue's agent branch: a damaged or edited
    # journal must not steer git to `..` or an absolute path.
    if recorded and issue_number_from_branch(recorded) == number:
        return recorded
    return branch_name(number, title)


async def load_detail(ctx: RepoContext, number: int, branch: str | None = None) -> IssueDetail:
    """Fetch an issue with everything run and bottle need (1 request, 2 if the title changed)."""
    guessed = branch or branch_for(ctx, number, "")
    data = await _fetch(ctx, number, guessed)
    repository = data.get("repository") or {}
    node = repository.get("issue")
    if not node:
        raise ActionRefused(f"{ctx.repo} has no issue #{number}", Exit.USAGE)
    issue = Issue.from_graphql(node)
    if branch is None:
        named = branch_for(ctx, number, issue.title)
        if named != guessed:
            data = await _fetch(ctx, number, named)
            repository = data.get("repository") or {}
        guessed = named
    pulls = [
        PullRequest.from_graphql(n)
        for n in (repository.get("pullRequests") or {}).get("nodes") or []
        if n
    ]
    default = repository.get("defaultBranchRef") or {}
    ref = repository.get("ref") or {}
    comments = tuple(
        (c.get("id", ""), (c.get("author") or {}).get("login", "ghost"), c.get("body", ""))
        for c in (node.get("comments") or {}).get("nodes") or []
        if c
    )
    label_ids = {
        key: value["id"]
        for key in ("agentLabel", "readyLabel", "reviewLabel", "blockedLabel")
        if (value := repository.get(key))
    }
    return IssueDetail(
        issue=issue,
        branch=guessed,
        repository_id=repository.get("id", ""),
        default_branch=default.get("name", "main"),
        default_oid=(default.get("target") or {}).get("oid"),
        comments=comments,
        open_pull=pulls[0] if pulls else None,
        branch_oid=(ref.get("target") or {}).get("oid") if ref else None,
        label_ids=label_ids,
    )


async def _fetch(ctx: RepoContext, number: int, branch: str) -> dict:
    return await ctx.client.execute(
        "IssueDetail",
        {"owner": ctx.repo.owner, "name": ctx.repo.name, "number": number, "branch": branch},
    )


def has_marker(comments: tuple[tuple[str, str, str], ...], marker: str) -> bool:
    """True when one of the (id, author, body) comments carries our hidden marker."""
    return any(marker in body for _id, _author, body in comments)
