"""The queue screen's data: every repository's queue in pop order, one request for all of them."""

from __future__ import annotations

from soda_tui.core.models import Issue, RepoName, is_queued
from soda_tui.github.client import GitHubClient
from soda_tui.github.operations import build_operation
from soda_tui.loop.batching import batched_document, batched_variables, part
from soda_tui.loop.status import BATCH


async def list_queues(client: GitHubClient, repos: list[RepoName]) -> dict[RepoName, list[Issue]]:
    """Each repository's queued issues (up to 100 per repository), ordered as pop would take them."""
    queues: dict[RepoName, list[Issue]] = {}
    for start in range(0, len(repos), BATCH):
        chunk = repos[start : start + BATCH]
        operation = build_operation("QueueList", batched_document("QueueList", len(chunk)))
        data = await client.execute_operation(
            operation,
            batched_variables([{"owner": r.owner, "name": r.name} for r in chunk]),
            allow_partial=True,
        )
        for index, repo in enumerate(chunk):
            repository = part(data, index, "repo") or {}
            nodes = (repository.get("issues") or {}).get("nodes") or []
            issues = [Issue.from_graphql(node) for node in nodes if node]
            queued = [
                issue for issue in issues if issue.state == "OPEN" and is_queued(issue.labels)
            ]
            queued.sort(key=lambda issue: (issue.rank, issue.created_at or 0, issue.number))
            queues[repo] = queued
    return queues
