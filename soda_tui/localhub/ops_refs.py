"""Ref changes from pushes and ref mutations, and what they do to pull requests."""

from __future__ import annotations

from collections.abc import Sequence

from dulwich.refs import check_ref_format

from soda_tui.localhub import store_activity as activity_db
from soda_tui.localhub import store_items as items_db
from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.gitstore import (
    delete_ref,
    has_commit,
    is_ancestor,
    read_refs,
    resolve_ref,
    set_ref,
)
from soda_tui.localhub.hub import Hub
from soda_tui.localhub.models import HubNotFound, HubUnprocessable, RefChange, RepoRecord

BRANCH_PREFIX = "refs/heads/"


def standard_prefix(full_name: str) -> str:
    """`refs/heads/` for `refs/heads/a/b`: the prefix GitHub's Ref.prefix reports."""
    parts = full_name.split("/")
    return "/".join(parts[:2]) + "/" if len(parts) > 2 else "refs/"


def refs_changed(hub: Hub, repo: RepoRecord, changes: Sequence[RefChange], *, record: bool) -> None:
    """Bring pull requests up to date after refs moved (GitHub's reaction to a push)."""
    now = hub.now()
    for change in changes:
        if record:
            activity_db.record_push(
                hub.store, repo.id, change.ref, change.before, change.after, now
            )
        if not change.ref.startswith(BRANCH_PREFIX):
            continue
        branch = change.ref[len(BRANCH_PREFIX) :]
        for pull in items_db.pulls_with_ref(hub.store, repo.id, branch, states=("OPEN",)):
            if change.after is None:
                # Deleting a PR's head or base branch closes it, as on GitHub.
                items_db.update_item(
                    hub.store, pull.id, state="CLOSED", closed_at=now, updated_at=now
                )
            elif pull.head_ref == branch and pull.head_oid != change.after:
                items_db.update_item(hub.store, pull.id, head_oid=change.after, updated_at=now)
                hub.head_changed(repo, change.after, pull.number)
    _adopt_default_branch(hub, repo, changes)


def _adopt_default_branch(hub: Hub, repo: RepoRecord, changes: Sequence[RefChange]) -> None:
    """An empty repository's first pushed branch becomes its default, as on GitHub."""
    git = hub.repo_git(repo)
    if resolve_ref(git, BRANCH_PREFIX + repo.default_branch) is not None:
        return
    created = [
        c.ref for c in changes if c.after and c.before is None and c.ref.startswith(BRANCH_PREFIX)
    ]
    if created and len(read_refs(git, BRANCH_PREFIX)) == len(created):
        branch = created[0][len(BRANCH_PREFIX) :]
        repos_db.set_default_branch(hub.store, repo.id, branch)
        git.refs.set_symbolic_ref(b"HEAD", (BRANCH_PREFIX + branch).encode())


def after_push(hub: Hub, repo: RepoRecord, before: dict[str, str]) -> list[RefChange]:
    """Compare refs now with `before`, record the push and move pull request heads."""
    now_refs = read_refs(hub.repo_git(repo))
    changes = [
        RefChange(ref, before.get(ref), now_refs.get(ref))
        for ref in sorted(set(before) | set(now_refs))
        if before.get(ref) != now_refs.get(ref)
    ]
    with hub.store.transaction():
        refs_changed(hub, repo, changes, record=True)
    return changes


def _check_name(full_name: str) -> None:
    if not full_name.startswith("refs/") or full_name.count("/") < 2:
        raise HubUnprocessable(
            f"Reference name must be fully qualified (refs/heads/…): {full_name!r}"
        )
    if not check_ref_format(full_name[len("refs/") :].encode()):
        raise HubUnprocessable(f"Reference name is invalid: {full_name!r}")


def create_ref(hub: Hub, repo: RepoRecord, full_name: str, oid: str) -> str:
    """Create a ref at an existing commit; refuses a name that exists."""
    _check_name(full_name)
    git = hub.repo_git(repo)
    if not has_commit(git, oid):
        raise HubUnprocessable(f"Object does not exist: {oid}")
    if not set_ref(git, full_name, oid, expected=None):
        raise HubUnprocessable("Reference already exists")
    with hub.store.transaction():
        refs_changed(hub, repo, [RefChange(full_name, None, oid)], record=True)
    return full_name


def current_ref(hub: Hub, repo: RepoRecord, full_name: str, node_id: str) -> str:
    """The oid a ref points at; NOT_FOUND when it no longer exists."""
    oid = resolve_ref(hub.repo_git(repo), full_name)
    if oid is None:
        raise HubNotFound(f"Could not resolve to a node with the global id of '{node_id}'")
    return oid


def update_ref(
    hub: Hub, repo: RepoRecord, full_name: str, oid: str, *, force: bool, node_id: str
) -> None:
    """Move a ref; without `force` only a fast-forward is accepted."""
    git = hub.repo_git(repo)
    old = current_ref(hub, repo, full_name, node_id)
    if not has_commit(git, oid):
        raise HubUnprocessable(f"Object does not exist: {oid}")
    if not force and not is_ancestor(git, old, oid):
        raise HubUnprocessable("Update is not a fast forward")
    if not set_ref(git, full_name, oid, expected=old):
        raise HubUnprocessable("Reference was updated by someone else; try again")
    with hub.store.transaction():
        refs_changed(hub, repo, [RefChange(full_name, old, oid)], record=True)


def remove_ref(hub: Hub, repo: RepoRecord, full_name: str, *, node_id: str) -> None:
    """Delete a ref (open pull requests from or into that branch close)."""
    old = current_ref(hub, repo, full_name, node_id)
    if not delete_ref(hub.repo_git(repo), full_name, old):
        raise HubUnprocessable("Reference was updated by someone else; try again")
    with hub.store.transaction():
        refs_changed(hub, repo, [RefChange(full_name, old, None)], record=True)
