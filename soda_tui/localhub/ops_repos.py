"""Repositories, branch protection and commit statuses."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from typing import Any

from soda_tui.localhub import store_activity as activity_db
from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.gitstore import (
    has_commit,
    identity,
    peel_to_commit,
    resolve_ref,
    set_ref,
    write_commit,
    write_tree,
)
from soda_tui.localhub.hub import Hub
from soda_tui.localhub.ids import encode_node_id
from soda_tui.localhub.models import (
    HubUnprocessable,
    RepoRecord,
    StatusRecord,
    UserRecord,
)

_REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
STATUS_STATES = ("error", "failure", "pending", "success")
DEFAULT_FILES = {"README.md": "# {name}\n\nSeeded by localhub.\n"}


def create_repository(
    hub: Hub,
    owner: UserRecord,
    name: str,
    *,
    default_branch: str = "main",
    files: dict[str, str] | None = None,
    description: str | None = None,
    visibility: str = "PUBLIC",
    initial_commit: bool = True,
) -> RepoRecord:
    """Create the row and the bare repository, with a first commit of `files` unless told not to."""
    if not _REPO_NAME.fullmatch(name) or name in (".", ".."):
        raise HubUnprocessable(
            f"Repository name {name!r} may only hold letters, digits, '.', '-' and '_'"
        )
    if repos_db.repo_by_name(hub.store, owner.login, name) is not None:
        raise HubUnprocessable("Name already exists on this account")
    path = hub.git.path(owner.login, name)
    if path.exists():
        # A leftover directory without a database row (a crash mid-creation): start clean.
        shutil.rmtree(path)
    hub.git.init(owner.login, name, default_branch)
    with hub.store.transaction():
        repo = repos_db.insert_repo(
            hub.store,
            owner=owner,
            name=name,
            default_branch=default_branch,
            description=description,
            visibility=visibility,
            now=hub.now(),
        )
    if initial_commit:
        contents = (
            files
            if files is not None
            else {path_: text.format(name=name) for path_, text in DEFAULT_FILES.items()}
        )
        git = hub.repo_git(repo)
        who = identity(owner.login, f"{owner.login}@users.noreply.localhub.invalid")
        oid = write_commit(
            git,
            tree=write_tree(git, contents),
            parents=[],
            message="Initial commit\n",
            author=who,
            committer=who,
            when=hub.clock.now(),
        )
        set_ref(git, f"refs/heads/{default_branch}", oid, expected=None)
    return repo


def rollup_state(states: Sequence[str]) -> str | None:
    """GitHub's combined state: None without statuses, else FAILURE > ERROR > PENDING > SUCCESS."""
    if not states:
        return None
    for worst in ("FAILURE", "ERROR", "PENDING"):
        if worst in states:
            return worst
    return "SUCCESS"


def create_status(
    hub: Hub,
    repo: RepoRecord,
    sha: str,
    state: str,
    context: str,
    description: str | None,
    target_url: str | None,
    creator: UserRecord | None,
) -> StatusRecord:
    """Record a commit status like REST `POST /repos/{o}/{r}/statuses/{sha}`."""
    if state.lower() not in STATUS_STATES:
        raise HubUnprocessable(
            f"State is not included in the list: {state!r} (use {', '.join(STATUS_STATES)})"
        )
    if not context.strip():
        raise HubUnprocessable("Context can't be blank")
    if not has_commit(hub.repo_git(repo), sha):
        raise HubUnprocessable(f"No commit found for SHA: {sha}")
    with hub.store.transaction():
        return activity_db.upsert_status(
            hub.store,
            repo.id,
            sha,
            context,
            state.upper(),
            description,
            target_url,
            creator.id if creator else None,
            hub.now(),
        )


def status_json(hub: Hub, repo: RepoRecord, status: StatusRecord) -> dict[str, Any]:
    """The REST representation of a commit status."""
    creator = repos_db.user_by_id(hub.store, status.creator_id) if status.creator_id else None
    return {
        "id": status.id,
        "node_id": encode_node_id("StatusContext", status.id),
        "state": status.state.lower(),
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": status.created_at,
        "updated_at": status.updated_at,
        "url": hub.url("repos", repo.owner_login, repo.name, "statuses", status.sha),
        "creator": {"login": creator.login, "id": creator.id} if creator else None,
    }


def resolve_commitish(hub: Hub, repo: RepoRecord, ref: str) -> str | None:
    """The commit a sha, branch, tag or full ref names in `repo`, or None."""
    git = hub.repo_git(repo)
    if has_commit(git, ref.lower()):
        return ref.lower()
    candidates = [ref] if ref.startswith("refs/") else [f"refs/heads/{ref}", f"refs/tags/{ref}"]
    for candidate in candidates:
        oid = resolve_ref(git, candidate)
        if oid is not None:
            return peel_to_commit(git, oid)
    return None


def combined_status_json(hub: Hub, repo: RepoRecord, sha: str) -> dict[str, Any]:
    """REST `GET /repos/{o}/{r}/commits/{ref}/status`: failure > pending (or none) > success."""
    statuses = activity_db.statuses_of(hub.store, repo.id, sha)
    states = {status.state for status in statuses}
    if states & {"FAILURE", "ERROR"}:
        combined = "failure"
    elif not states or "PENDING" in states:
        combined = "pending"
    else:
        combined = "success"
    return {
        "state": combined,
        "statuses": [status_json(hub, repo, status) for status in reversed(statuses)],
        "sha": sha,
        "total_count": len(statuses),
        "repository": {
            "id": repo.id,
            "node_id": encode_node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
        },
        "commit_url": hub.url("repos", repo.owner_login, repo.name, "commits", sha),
        "url": hub.url("repos", repo.owner_login, repo.name, "commits", sha, "status"),
    }
