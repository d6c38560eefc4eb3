"""The recovery scan: read branches and claims from GitHub in pages of 100, batched across
repositories, add what the workspace alone knows, and classify it all.

Cost: one request per page of 100 branches (the first page also brings the claimed issues), with
the pages of up to BATCH_REPOS repositories in the same request; 1,000 branches in one repository
take 11 requests, 12 if the default branch had to be learned first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from soda_tui.agents.journal import JournalError
from soda_tui.core.models import RepoName
from soda_tui.git.errors import GitError
from soda_tui.github.operations import build_operation
from soda_tui.loop.batching import batched_document, batched_variables
from soda_tui.loop.context import RepoContext
from soda_tui.recovery.classify import LocalBranch, RepoFacts, Rules, classify
from soda_tui.recovery.ignore import IgnoreStore
from soda_tui.recovery.local import known_default_branch, local_agent_work
from soda_tui.recovery.locks import live_lock
from soda_tui.recovery.models import RepoScan, Scan
from soda_tui.recovery.patterns import DEFAULT_BRANCH_PATTERNS
from soda_tui.recovery.target import recovery_journal

BATCH_REPOS = 5  # repositories per request: keeps each well under GitHub's node and time limits
FALLBACK_DEFAULT_BRANCH = "main"
Progress = Callable[[str], None]


@dataclass
class _Paging:
    """Where one repository's listing stands between requests."""

    ctx: RepoContext
    base: str
    after: str | None = None
    with_issues: bool = True
    found: bool = True
    default_branch: str | None = None
    ref_nodes: list[dict] = field(default_factory=list)
    claim_nodes: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    done: bool = False

    def variables(self) -> dict[str, object]:
        repo = self.ctx.repo
        return {
            "owner": repo.owner,
            "name": repo.name,
            "base": self.base,
            "after": self.after,
            "withIssues": self.with_issues,
        }

    def take(self, repository: dict | None) -> None:
        """Fold one page into the listing and say what to ask next."""
        if repository is None:
            self.found, self.done = False, True
            self.problems.append(f"{self.ctx.repo} was not found, or the token cannot see it")
            return
        if self.with_issues:
            claims = repository.get("claims") or {}
            self.claim_nodes = [node for node in claims.get("nodes") or [] if node]
            if int(claims.get("totalCount") or 0) > len(self.claim_nodes):
                self.problems.append(
                    f"only the {len(self.claim_nodes)} least recently updated claimed issues "
                    "were checked"
                )
            self.with_issues = False
        default = (repository.get("defaultBranchRef") or {}).get("name")
        self.default_branch = default
        if default and default != self.base and self.after is None:
            # The comparisons were made against a wrong guess: read this page again.
            self.base = default
            return
        refs = repository.get("refs") or {}
        self.ref_nodes += [node for node in refs.get("nodes") or [] if node]
        page = refs.get("pageInfo") or {}
        if page.get("hasNextPage") and page.get("endCursor"):
            self.after = page["endCursor"]
        else:
            self.done = True


async def scan_repositories(
    contexts: Sequence[RepoContext],
    *,
    patterns: Sequence[str] = DEFAULT_BRANCH_PATTERNS,
    ignore: IgnoreStore | None = None,
    progress: Progress | None = None,
) -> Scan:
    """Scan every repository for left-behind work and classify it (see the module's cost note)."""
    if not contexts:
        raise ValueError("a scan needs at least one repository")
    client = contexts[0].client
    clock = contexts[0].clock
    requests_before = client.request_count
    pagings = []
    for ctx in contexts:
        guess = await ctx.in_thread(known_default_branch, ctx.workspace())
        pagings.append(_Paging(ctx, guess or FALLBACK_DEFAULT_BRANCH))
    while pending := [paging for paging in pagings if not paging.done]:
        batch = pending[:BATCH_REPOS]
        operation = build_operation("RecoveryScan", batched_document("RecoveryScan", len(batch)))
        variables = batched_variables([paging.variables() for paging in batch])
        data = await client.execute_operation(operation, variables, allow_partial=True)
        for index, paging in enumerate(batch):
            paging.take(data.get(f"r{index}_repo"))
        if progress is not None:
            seen = sum(len(paging.ref_nodes) for paging in pagings)
            progress(f"Scanning branches: {seen} read")
    ignored = frozenset(ignore.keys()) if ignore is not None else frozenset()
    now = clock.now()
    repo_scans = []
    for paging in pagings:
        repo_scans.append(await _classify_repo(paging, tuple(patterns), ignored, now, progress))
    return Scan(tuple(repo_scans), now, client.request_count - requests_before)


async def _classify_repo(
    paging: _Paging,
    patterns: tuple[str, ...],
    ignored: frozenset[str],
    now: datetime,
    progress: Progress | None,
) -> RepoScan:
    ctx = paging.ctx
    problems = list(paging.problems)
    default_branch = paging.default_branch or paging.base
    if not paging.found:
        return RepoScan(ctx.repo, default_branch, 0, (), tuple(problems), found=False)
    local: dict[str, LocalBranch] = {}
    try:
        if progress is not None:
            progress(f"Looking for unpushed work in {ctx.repo}'s workspace")
        local = await ctx.in_thread(local_agent_work, ctx.workspace(), patterns, default_branch)
    except GitError as error:
        problems.append(f"the workspace could not be checked for unpushed work: {error.summary}")
    owned, owner_problem = owned_issues(ctx)
    if owner_problem:
        problems.append(owner_problem)
    unfinished = unfinished_recovery(ctx)
    if unfinished:
        problems.append(unfinished)
    rules = Rules(
        now=now,
        stale_after=timedelta(hours=ctx.config.stale_claim_hours),
        owned=owned,
        patterns=patterns,
        ignored=ignored,
    )
    facts = RepoFacts(ctx.repo, default_branch, paging.ref_nodes, paging.claim_nodes, local)
    items = classify(facts, rules)
    return RepoScan(ctx.repo, default_branch, len(paging.ref_nodes), tuple(items), tuple(problems))


def owned_issues(ctx: RepoContext) -> tuple[Callable[[int], bool], str | None]:
    """Which issues a live worker on this machine owns: an unfinished journal entry, or the lock."""
    problem = None
    in_flight: int | None = None
    try:
        entry = ctx.journal().load()
        in_flight = entry.issue_number if entry is not None else None
    except JournalError as error:
        problem = f"{error}"
    lock = live_lock(ctx.paths.state_dir, ctx.repo)

    def owned(number: int) -> bool:
        return number == in_flight or (lock is not None and lock.owns_issue(number))

    return owned, problem


def unfinished_recovery(ctx: RepoContext) -> str | None:
    """A note when a recovery action was interrupted (the next action or `sync` finishes it)."""
    try:
        entry = recovery_journal(ctx).load()
    except JournalError as error:
        return str(error)
    if entry is None:
        return None
    what = entry.facts.get("branch") or f"#{entry.issue_number}"
    return (
        f"an interrupted {entry.action} of {what} is finished by the next recovery action "
        f"here, or by `soda-tui sync --resolve local-wins`"
    )


def repo_names(scan: Scan) -> list[RepoName]:
    """The repositories a scan covered, in order."""
    return [repo_scan.repo for repo_scan in scan.repos]
