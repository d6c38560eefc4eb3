"""init: create the protocol labels, check the token's access, record the repository in the config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from soda_tui.core.models import RepoName
from soda_tui.core.naming import (
    AGENT_LABEL,
    BLOCKED_LABEL,
    HUMAN_ONLY_LABELS,
    PRIORITY_LABELS,
    READY_LABEL,
    READY_TO_MERGE_LABEL,
    REVIEW_LABEL,
    UNBLOCKER_LABEL,
)
from soda_tui.github.client import GitHubClient
from soda_tui.loop.results import ActionRefused, ActionResult, Exit

LABELS: dict[str, tuple[str, str]] = {
    READY_LABEL: ("0e8a16", "Queued for the repository's agent"),
    AGENT_LABEL: ("1d76db", "Claimed by the repository's agent"),
    REVIEW_LABEL: ("fbca04", "Bottled: pull request open"),
    BLOCKED_LABEL: ("b60205", "The agent could not finish: see the comment"),
    HUMAN_ONLY_LABELS[0]: ("5319e7", "Never given to an agent"),
    HUMAN_ONLY_LABELS[1]: ("5319e7", "Never given to an agent (My Little Soda spelling)"),
    UNBLOCKER_LABEL: ("d93f0b", "Pops before everything else"),
    READY_TO_MERGE_LABEL: ("c2e0c6", "Pops right after unblockers"),
    PRIORITY_LABELS[0]: ("b60205", "Priority: very high"),
    PRIORITY_LABELS[1]: ("d93f0b", "Priority: high"),
    PRIORITY_LABELS[2]: ("fbca04", "Priority: medium"),
    PRIORITY_LABELS[3]: ("c5def5", "Priority: low"),
}
WRITERS = {"ADMIN", "MAINTAIN", "WRITE"}


@dataclass(frozen=True)
class InitReport:
    """What init found and did."""

    created: list[str]
    default_branch: str
    permission: str


async def ensure_labels(client: GitHubClient, repo: RepoName) -> InitReport:
    """Create the protocol labels that are missing (idempotent) and check write access."""
    data = await client.execute("RepoSetup", {"owner": repo.owner, "name": repo.name})
    repository = data.get("repository")
    if repository is None:
        raise ActionRefused(f"{repo} was not found, or the token cannot see it", Exit.USAGE)
    permission = repository.get("viewerPermission") or "NONE"
    if permission not in WRITERS:
        login = (data.get("viewer") or {}).get("login", "the token's user")
        raise ActionRefused(
            f"{login} can only {permission.lower()} {repo}: soda-tui needs write access "
            "(a token with the repo scope, or Contents/Issues/Pull requests write)",
            Exit.USAGE,
        )
    present = {node["name"] for node in (repository.get("labels") or {}).get("nodes") or [] if node}
    created = []
    for name, (color, description) in LABELS.items():
        if name in present:
            continue
        await client.execute(
            "CreateLabel",
            {
                "repositoryId": repository["id"],
                "name": name,
                "color": color,
                "description": description,
            },
        )
        created.append(name)
    default = (repository.get("defaultBranchRef") or {}).get(
        "name"
    ) or "(none: the repository is empty)"
    return InitReport(created, default, permission)


async def init_repo(client: GitHubClient, repo: RepoName, config_file: Path) -> ActionResult:
    """`soda-tui init OWNER/REPO`: labels, access check, config entry."""
    from soda_tui.settings.editing import add_repo

    report = await ensure_labels(client, repo)
    added = add_repo(config_file, str(repo))
    created = ", ".join(report.created) if report.created else "none (all present)"
    config_note = "added to" if added else "already in"
    return ActionResult(
        "init",
        str(repo),
        Exit.DONE,
        f"{repo}: labels created: {created}; default branch {report.default_branch}; "
        f"access {report.permission.lower()}; {config_note} {config_file}",
        {
            "labels_created": report.created,
            "default_branch": report.default_branch,
            "permission": report.permission,
            "config_file": str(config_file),
            "config_added": added,
        },
    )
