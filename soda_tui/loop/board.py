"""The status board: one GraphQL request for any number of repositories (aliases per repository)."""

from __future__ import annotations

from dataclasses import dataclass, field

from soda_tui.core.models import RepoName, parse_time
from soda_tui.core.naming import BRANCH_PREFIX
from soda_tui.loop.batching import batched_document, batched_variables
from soda_tui.loop.queue import blocked_query, queued_query, review_query, working_query


@dataclass(frozen=True)
class OpenPull:
    """An open agent pull request and its CI state."""

    number: int
    title: str
    url: str
    head_ref_name: str
    checks: str | None
    mergeable: str
    is_draft: bool


@dataclass(frozen=True)
class RepoBoard:
    """One repository's row on the board: counts and what its agent is doing, from GitHub."""

    repo: RepoName
    found: bool
    default_branch: str = "main"
    queued: int = 0
    next_issue: tuple[int, str] | None = None
    working: tuple[int, str] | None = None
    working_since: str | None = None
    blocked: int = 0
    review: int = 0
    review_issues: tuple[tuple[int, str], ...] = ()
    agent_pulls: tuple[OpenPull, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        """A JSON-ready view for `status --json`."""
        return {
            "repo": str(self.repo),
            "found": self.found,
            "default_branch": self.default_branch,
            "queued": self.queued,
            "next_issue": self.next_issue
            and {"number": self.next_issue[0], "title": self.next_issue[1]},
            "working": self.working
            and {"number": self.working[0], "title": self.working[1], "since": self.working_since},
            "review": self.review,
            "blocked": self.blocked,
            "pull_requests": [
                {
                    "number": pull.number,
                    "title": pull.title,
                    "url": pull.url,
                    "checks": pull.checks,
                    "mergeable": pull.mergeable,
                    "draft": pull.is_draft,
                    "head": pull.head_ref_name,
                }
                for pull in self.agent_pulls
            ],
        }


def board_document(count: int) -> str:
    """The StatusBoard operation repeated for `count` repositories."""
    return batched_document("StatusBoard", count)


def board_variables(repos: list[RepoName]) -> dict[str, object]:
    """Variables for `board_document(len(repos))`."""
    return batched_variables(
        [
            {
                "owner": repo.owner,
                "name": repo.name,
                "queued": queued_query(repo),
                "working": working_query(repo),
                "blocked": blocked_query(repo),
                "review": review_query(repo),
            }
            for repo in repos
        ]
    )


def parse_board(repos: list[RepoName], data: dict) -> list[RepoBoard]:
    """Turn the batched answer into one `RepoBoard` per repository, in the order given."""
    boards = []
    for index, repo in enumerate(repos):

        def part(alias: str, _index: int = index) -> dict:
            return data.get(f"r{_index}_{alias}") or {}

        repository = data.get(f"r{index}_repo")
        if repository is None:
            boards.append(RepoBoard(repo=repo, found=False))
            continue
        pulls = []
        for node in (repository.get("pullRequests") or {}).get("nodes") or []:
            if not node or not node.get("headRefName", "").startswith(BRANCH_PREFIX):
                continue
            commits = (node.get("commits") or {}).get("nodes") or []
            rollup = commits[-1]["commit"].get("statusCheckRollup") if commits else None
            pulls.append(
                OpenPull(
                    number=node["number"],
                    title=node.get("title", ""),
                    url=node.get("url", ""),
                    head_ref_name=node["headRefName"],
                    checks=(rollup or {}).get("state"),
                    mergeable=node.get("mergeable") or "UNKNOWN",
                    is_draft=bool(node.get("isDraft")),
                )
            )
        queued_nodes = [n for n in part("queued").get("nodes") or [] if n]
        working_nodes = [n for n in part("working").get("nodes") or [] if n]
        review_nodes = [n for n in part("review").get("nodes") or [] if n]
        first_working = working_nodes[0] if working_nodes else None
        since = parse_time(first_working.get("createdAt")) if first_working else None
        boards.append(
            RepoBoard(
                repo=repo,
                found=True,
                default_branch=(repository.get("defaultBranchRef") or {}).get("name", "main"),
                queued=int(part("queued").get("issueCount") or 0),
                next_issue=(queued_nodes[0]["number"], queued_nodes[0]["title"])
                if queued_nodes
                else None,
                working=(first_working["number"], first_working["title"])
                if first_working
                else None,
                working_since=since.isoformat() if since else None,
                blocked=int(part("blocked").get("issueCount") or 0),
                review=int(part("review").get("issueCount") or 0),
                review_issues=tuple((n["number"], n["title"]) for n in review_nodes),
                agent_pulls=tuple(pulls),
            )
        )
    return boards
