"""Classify one repository's branches and claims into recovery items (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from soda_tui.core.models import RepoName, parse_time
from soda_tui.core.naming import AGENT_LABEL, REVIEW_LABEL
from soda_tui.recovery.models import UNKNOWN_STATE, IssueRef, OrphanItem, OrphanKind, PullInfo
from soda_tui.recovery.patterns import DEFAULT_BRANCH_PATTERNS, is_agent_branch, issue_number_of


@dataclass(frozen=True)
class LocalBranch:
    """A branch of soda-tui's workspace with commits the remote lacks."""

    name: str
    tip: str
    unpushed: int
    ahead: int
    subject: str = ""
    author: str = ""
    committed_at: datetime | None = None


@dataclass(frozen=True)
class RepoFacts:
    """What the scan read about one repository, GitHub and workspace together."""

    repo: RepoName
    default_branch: str
    ref_nodes: list[dict] = field(default_factory=list)
    claim_nodes: list[dict] = field(default_factory=list)
    local_branches: dict[str, LocalBranch] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """How to judge: which branches are agent branches, when a claim is stale, who owns what."""

    now: datetime
    stale_after: timedelta
    owned: Callable[[int], bool] = lambda _number: False
    patterns: tuple[str, ...] = DEFAULT_BRANCH_PATTERNS
    ignored: frozenset[str] = frozenset()


def _pull(node: dict) -> PullInfo:
    closes = tuple(
        IssueRef(
            number=int(issue["number"]),
            title=issue.get("title") or "",
            state=issue.get("state") or "OPEN",
            url=issue.get("url") or "",
        )
        for issue in (node.get("closingIssuesReferences") or {}).get("nodes") or []
        if issue
    )
    return PullInfo(
        number=int(node["number"]),
        url=node.get("url") or "",
        title=node.get("title") or "",
        state=node.get("state") or "OPEN",
        merged=bool(node.get("merged")),
        head_oid=node.get("headRefOid") or "",
        author=(node.get("author") or {}).get("login"),
        created_at=parse_time(node.get("createdAt")),
        closed_at=parse_time(node.get("closedAt")),
        closes=closes,
    )


def _claim_issue(node: dict) -> IssueRef:
    return IssueRef(
        number=int(node["number"]),
        title=node.get("title") or "",
        state=node.get("state") or "OPEN",
        url=node.get("url") or "",
        labels=frozenset(n["name"] for n in (node.get("labels") or {}).get("nodes") or [] if n),
        author=(node.get("author") or {}).get("login"),
        updated_at=parse_time(node.get("updatedAt")),
    )


def _newest(*times: datetime | None) -> datetime | None:
    known = [when for when in times if when is not None]
    return max(known) if known else None


@dataclass(frozen=True)
class _Branch:
    name: str
    head_oid: str
    ahead: int
    subject: str
    author: str
    committed_at: datetime | None
    pulls: tuple[PullInfo, ...]
    issue_number: int | None

    @classmethod
    def parse(cls, node: dict) -> _Branch:
        target = node.get("target") or {}
        actor = target.get("author") or {}
        author = actor.get("name") or ""
        if actor.get("email"):
            author = f"{author} <{actor['email']}>".strip()
        compare = node.get("compare") or {}
        pulls = tuple(
            _pull(n) for n in (node.get("associatedPullRequests") or {}).get("nodes") or [] if n
        )
        number = issue_number_of(node["name"])
        if number is None:
            linked = [issue.number for pull in pulls for issue in pull.closes]
            number = linked[0] if linked else None
        return cls(
            name=node["name"],
            head_oid=target.get("oid") or "",
            # The branch is the comparison's base here, so its own commits are `behindBy`.
            ahead=int(compare.get("behindBy") or 0),
            subject=target.get("messageHeadline") or "",
            author=author,
            committed_at=parse_time(target.get("committedDate")),
            pulls=pulls,
            issue_number=number,
        )


def classify(facts: RepoFacts, rules: Rules) -> list[OrphanItem]:
    """Every recovery item of one repository, branches first, then bare claims."""
    branches = [
        _Branch.parse(node)
        for node in facts.ref_nodes
        if node
        and node.get("name") != facts.default_branch
        and is_agent_branch(node["name"], rules.patterns)
    ]
    claims = {int(node["number"]): _claim_issue(node) for node in facts.claim_nodes if node}
    open_pull_issues = {
        number
        for node in facts.claim_nodes
        if node
        for pull in (node.get("closedByPullRequestsReferences") or {}).get("nodes") or []
        if pull and pull.get("state") == "OPEN"
        for number in [int(node["number"])]
    } | {
        branch.issue_number
        for branch in branches
        if branch.issue_number is not None and any(p.state == "OPEN" for p in branch.pulls)
    }
    by_issue: dict[int, list[_Branch]] = {}
    for branch in branches:
        if branch.issue_number is not None:
            by_issue.setdefault(branch.issue_number, []).append(branch)

    items: list[OrphanItem] = []
    claimed_branches: set[str] = set()
    for number, issue in sorted(claims.items()):
        item = _judge_claim(facts.repo, issue, by_issue.get(number, []), open_pull_issues, rules)
        if not issue.labels & {AGENT_LABEL, REVIEW_LABEL}:
            continue  # blocked only: its branch is judged on its own
        for branch in by_issue.get(number, []):
            if not any(p.state == "OPEN" or p.merged for p in branch.pulls):
                claimed_branches.add(branch.name)  # the claim speaks for its branch
        if item is not None:
            items.append(item)
    for branch in branches:
        if branch.name in claimed_branches:
            continue
        item = _judge_branch(facts.repo, branch, claims, rules)
        if item is not None:
            items.append(item)
    items = _with_local_work(facts, items, claims, rules)
    return [replace(item, ignored=item.key in rules.ignored) for item in items]


def _issue_for(branch: _Branch, claims: dict[int, IssueRef]) -> IssueRef | None:
    if branch.issue_number is None:
        return None
    if branch.issue_number in claims:
        return claims[branch.issue_number]
    for pull in branch.pulls:
        for issue in pull.closes:
            if issue.number == branch.issue_number:
                return issue
    return IssueRef(number=branch.issue_number, state=UNKNOWN_STATE)


def _judge_branch(
    repo: RepoName, branch: _Branch, claims: dict[int, IssueRef], rules: Rules
) -> OrphanItem | None:
    open_pulls = [p for p in branch.pulls if p.state == "OPEN"]
    merged = [p for p in branch.pulls if p.merged]
    issue = _issue_for(branch, claims)
    base = OrphanItem(
        repo=repo,
        kind=OrphanKind.RECOVERABLE,
        reason="",
        branch=branch.name,
        head_oid=branch.head_oid,
        ahead=branch.ahead,
        head_subject=branch.subject,
        author=branch.author,
        last_activity=branch.committed_at,
        issue=issue,
    )
    if open_pulls:
        pull = open_pulls[0]
        closed = [i for i in pull.closes if i.state == "CLOSED"]
        if not closed:
            return None  # in review: the loop owns it
        return replace(
            base,
            kind=OrphanKind.CLOSED_ELSEWHERE,
            pull=pull,
            issue=closed[0],
            reason=f"pull request #{pull.number} is open but issue #{closed[0].number} was closed",
        )
    if merged:
        pull = merged[0]
        if branch.head_oid == pull.head_oid or branch.ahead == 0:
            return replace(
                base,
                kind=OrphanKind.LANDED_LEFTOVER,
                pull=pull,
                reason=f"pull request #{pull.number} merged; the branch was left behind",
            )
        return replace(
            base,
            pull=pull,
            reason=f"commits pushed after pull request #{pull.number} merged",
        )
    if branch.issue_number is not None and rules.owned(branch.issue_number):
        return None  # a live worker here holds it
    closed_pull = branch.pulls[0] if branch.pulls else None
    if branch.ahead == 0:
        return replace(
            base,
            kind=OrphanKind.EMPTY,
            pull=closed_pull,
            reason="no commits ahead of the default branch",
        )
    note = f" (pull request #{closed_pull.number} closed unmerged)" if closed_pull else ""
    return replace(
        base,
        pull=closed_pull,
        reason=f"{branch.ahead} commit(s) ahead and no open pull request{note}",
    )


def _judge_claim(
    repo: RepoName,
    issue: IssueRef,
    branches: list[_Branch],
    open_pull_issues: set[int],
    rules: Rules,
) -> OrphanItem | None:
    if AGENT_LABEL not in issue.labels and REVIEW_LABEL not in issue.labels:
        return None
    if issue.number in open_pull_issues or rules.owned(issue.number):
        return None
    candidates = [b for b in branches if not any(p.state == "OPEN" or p.merged for p in b.pulls)]
    # soda-tui's own branch first, then the newest.
    candidates.sort(
        key=lambda b: (
            not b.name.startswith("agent001/"),
            -(b.committed_at or rules.now).timestamp(),
        )
    )
    branch = candidates[0] if candidates else None
    # A claim is stale only when neither the issue nor its branch moved for the whole window.
    last_activity = _newest(issue.updated_at, branch.committed_at if branch else None)
    if last_activity is not None and rules.now - last_activity < rules.stale_after:
        return None
    label = AGENT_LABEL if AGENT_LABEL in issue.labels else f"{REVIEW_LABEL} without an open PR"
    hours = rules.stale_after.total_seconds() / 3600
    return OrphanItem(
        repo=repo,
        kind=OrphanKind.STALE_CLAIM,
        reason=f"claimed ({label}) with no live worker here and no activity for {hours:g} h",
        branch=branch.name if branch else None,
        head_oid=branch.head_oid if branch else None,
        ahead=branch.ahead if branch else 0,
        head_subject=branch.subject if branch else "",
        author=(branch.author if branch else "") or (issue.author or ""),
        last_activity=last_activity,
        issue=issue,
    )


def _with_local_work(
    facts: RepoFacts, items: list[OrphanItem], claims: dict[int, IssueRef], rules: Rules
) -> list[OrphanItem]:
    """Attach unpushed workspace commits to their items, and list local-only work on its own."""
    by_branch = {item.branch: index for index, item in enumerate(items) if item.branch}
    remote_names = {node["name"] for node in facts.ref_nodes if node}
    result = list(items)
    for name, local in sorted(facts.local_branches.items()):
        if local.unpushed <= 0 or not is_agent_branch(name, rules.patterns):
            continue
        if name in by_branch:
            index = by_branch[name]
            result[index] = replace(result[index], unpushed=local.unpushed)
            continue
        number = issue_number_of(name)
        if number is not None and rules.owned(number):
            continue  # the live worker will push them
        issue = claims.get(number) if number is not None else None
        where = "on the remote branch" if name in remote_names else "anywhere on the remote"
        result.append(
            OrphanItem(
                repo=facts.repo,
                kind=OrphanKind.RECOVERABLE,
                reason=f"{local.unpushed} commit(s) only in soda-tui's workspace, not {where}",
                branch=name,
                head_oid=local.tip,
                ahead=local.ahead,
                head_subject=local.subject,
                author=local.author,
                last_activity=local.committed_at,
                issue=issue
                or (IssueRef(number, state=UNKNOWN_STATE) if number is not None else None),
                unpushed=local.unpushed,
                location="local",
            )
        )
    return result


def branch_names(items: Iterable[OrphanItem]) -> set[str]:
    """The branches a list of items names."""
    return {item.branch for item in items if item.branch}
