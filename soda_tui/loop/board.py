"""The status board: one GraphQL request for any number of repositories (aliases per repository)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    VariableDefinitionNode,
    VariableNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from soda_tui.core.models import RepoName, parse_time
from soda_tui.core.naming import BRANCH_PREFIX
from soda_tui.github.operations import load_operation
from soda_tui.loop.queue import blocked_query, queued_query, review_query, working_query

SHARED_FIELDS = {"rateLimit"}


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
            "next_issue": self.next_issue and {"number": self.next_issue[0], "title": self.next_issue[1]},
            "working": self.working and {"number": self.working[0], "title": self.working[1],
                                         "since": self.working_since},
            "review": self.review,
            "blocked": self.blocked,
            "pull_requests": [
                {"number": pull.number, "title": pull.title, "url": pull.url, "checks": pull.checks,
                 "mergeable": pull.mergeable, "draft": pull.is_draft, "head": pull.head_ref_name}
                for pull in self.agent_pulls
            ],
        }


class _RenameVariables(Visitor):
    def __init__(self, suffix: str) -> None:
        super().__init__()
        self.suffix = suffix

    def enter_variable(self, node: VariableNode, *_args: object) -> VariableNode:
        return VariableNode(name=NameNode(value=f"{node.name.value}_{self.suffix}"))


@lru_cache(maxsize=64)
def board_document(count: int) -> str:
    """The StatusBoard operation repeated for `count` repositories, aliases `r<i>_<alias>`."""
    if count < 1:
        raise ValueError("the board needs at least one repository")
    template: DocumentNode = parse(load_operation("StatusBoard"))
    operation = next(d for d in template.definitions if isinstance(d, OperationDefinitionNode))
    per_repo = [s for s in operation.selection_set.selections
                if isinstance(s, FieldNode) and s.name.value not in SHARED_FIELDS]
    shared = [s for s in operation.selection_set.selections
              if isinstance(s, FieldNode) and s.name.value in SHARED_FIELDS]
    selections: list[FieldNode] = []
    definitions: list[VariableDefinitionNode] = []
    for index in range(count):
        suffix = str(index)
        renamer = _RenameVariables(suffix)
        for selection in per_repo:
            alias = (selection.alias or selection.name).value
            renamed = visit(copy.deepcopy(selection), renamer)
            renamed.alias = NameNode(value=f"r{index}_{alias}")
            selections.append(renamed)
        for definition in operation.variable_definitions:
            renamed_definition = copy.deepcopy(definition)
            renamed_definition.variable = VariableNode(
                name=NameNode(value=f"{definition.variable.name.value}_{suffix}")
            )
            definitions.append(renamed_definition)
    batched = copy.deepcopy(operation)
    batched.variable_definitions = tuple(definitions)
    batched.selection_set = copy.deepcopy(operation.selection_set)
    batched.selection_set.selections = tuple([*selections, *shared])
    return print_ast(DocumentNode(definitions=(batched,)))


def board_variables(repos: list[RepoName]) -> dict[str, str]:
    """Variables for `board_document(len(repos))`."""
    variables: dict[str, str] = {}
    for index, repo in enumerate(repos):
        variables.update({
            f"owner_{index}": repo.owner,
            f"name_{index}": repo.name,
            f"queued_{index}": queued_query(repo),
            f"working_{index}": working_query(repo),
            f"blocked_{index}": blocked_query(repo),
            f"review_{index}": review_query(repo),
        })
    return variables


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
            pulls.append(OpenPull(
                number=node["number"], title=node.get("title", ""), url=node.get("url", ""),
                head_ref_name=node["headRefName"], checks=(rollup or {}).get("state"),
                mergeable=node.get("mergeable") or "UNKNOWN", is_draft=bool(node.get("isDraft")),
            ))
        queued_nodes = [n for n in part("queued").get("nodes") or [] if n]
        working_nodes = [n for n in part("working").get("nodes") or [] if n]
        review_nodes = [n for n in part("review").get("nodes") or [] if n]
        first_working = working_nodes[0] if working_nodes else None
        since = parse_time(first_working.get("createdAt")) if first_working else None
        boards.append(RepoBoard(
            repo=repo,
            found=True,
            default_branch=(repository.get("defaultBranchRef") or {}).get("name", "main"),
            queued=int(part("queued").get("issueCount") or 0),
            next_issue=(queued_nodes[0]["number"], queued_nodes[0]["title"]) if queued_nodes else None,
            working=(first_working["number"], first_working["title"]) if first_working else None,
            working_since=since.isoformat() if since else None,
            blocked=int(part("blocked").get("issueCount") or 0),
            review=int(part("review").get("issueCount") or 0),
            review_issues=tuple((n["number"], n["title"]) for n in review_nodes),
            agent_pulls=tuple(pulls),
        ))
    return boards
