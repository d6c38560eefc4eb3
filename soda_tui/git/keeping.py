"""Never lose work (PRODUCT.md 7.2): keep local commits and uncommitted changes under refs.

Before a reset or a re-clone, every commit not on the remote is kept under
`refs/soda/preserved/<stamp>/<branch>`; uncommitted changes are saved as a commit under
`refs/soda/stash/<stamp>/<branch>`; and a reset refuses while it would drop anything else.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from dulwich import porcelain
from dulwich.objects import ObjectID
from dulwich.repo import Repo

from soda_tui.git.errors import DirtyWorkspace, UnpreservedWork
from soda_tui.git.history import (
    HEAD,
    HEADS,
    REMOTES,
    TAGS,
    as_ref,
    commits_between,
    local_branches,
    ref_for,
    refs_under,
    resolve_or_fail,
)
from soda_tui.git.snapshot import changed_paths, discard_changes, snapshot_commit

SODA_REFS = "refs/soda"
PRESERVED_PREFIX = f"{SODA_REFS}/preserved"
STASH_PREFIX = f"{SODA_REFS}/stash"


def stamp_of(when: datetime) -> str:
    """The timestamp part of a preserved or stash ref."""
    return when.strftime("%Y%m%dT%H%M%SZ")


def branch_label(repo: Repo) -> str:
    """The checked-out branch name, or "HEAD" when detached."""
    names, _oid = repo.refs.follow(HEAD)
    last = names[-1] if names else b""
    return last[len(HEADS) :].decode("utf-8") if last.startswith(HEADS) else "HEAD"


def unique_prefix(repo: Repo, prefix: str) -> str:
    """`prefix`, or `prefix-N` when refs under it already exist (two saves in one second)."""
    candidate, counter = prefix, 1
    while refs_under(repo, candidate.encode("utf-8")):
        counter += 1
        candidate = f"{prefix}-{counter}"
    return candidate


def stash_uncommitted(repo: Repo, when: datetime, reason: str) -> str | None:
    """Save the whole working tree under a stash ref, then clean it; None when it was clean."""
    if not changed_paths(repo):
        return None
    branch = branch_label(repo)
    commit = snapshot_commit(repo, f"soda-tui: uncommitted work on {branch} ({reason})", when)
    ref = unique_prefix(repo, f"{STASH_PREFIX}/{stamp_of(when)}") + f"/{branch}"
    repo.refs.add_if_new(as_ref(ref), commit, message=reason.encode("utf-8"))
    discard_changes(repo)
    return ref


def preserve_local_work(
    repo: Repo, remote_tips: list[ObjectID], when: datetime, reason: str
) -> str | None:
    """Keep each local branch (or detached HEAD) with commits not on the remote under a ref.

    Branches whose commits are already kept by an earlier preservation are skipped. Returns the
    prefix of the new refs, or None when nothing needed keeping.
    """
    tips = dict(local_branches(repo))
    if branch_label(repo) == "HEAD":
        with suppress(KeyError):
            tips["HEAD"] = repo.head()
    kept_already = list(refs_under(repo, PRESERVED_PREFIX.encode()).values())
    prefix = unique_prefix(repo, f"{PRESERVED_PREFIX}/{stamp_of(when)}")
    created = False
    for name, tip in sorted(tips.items()):
        if commits_between(repo, [tip], [*remote_tips, *kept_already]):
            repo.refs.add_if_new(
                as_ref(f"{prefix}/{name}"), tip, message=f"preserve: {reason}".encode()
            )
            created = True
    return prefix if created else None


def reset_branch(repo: Repo, workspace: str, branch: str, oid: str) -> None:
    """Point `branch` at `oid` (and the tree, if checked out) once nothing would be lost."""
    ref = ref_for(HEADS, branch, "branch")
    is_current = branch_label(repo) == branch
    target = resolve_or_fail(repo, oid, "commit")
    if is_current:
        changed = changed_paths(repo)
        if changed:
            raise DirtyWorkspace(workspace, f"reset {branch}", changed)
    tip = local_branches(repo).get(branch)
    if tip is not None:
        # Tracking refs are as of the last fetch, which prunes deleted branches.
        safe = [
            target,
            *refs_under(repo, SODA_REFS.encode()).values(),
            *refs_under(repo, REMOTES).values(),
            *refs_under(repo, TAGS).values(),
        ]
        lost = commits_between(repo, [tip], safe)
        if lost:
            raise UnpreservedWork(branch, [commit.oid for commit in lost])
    if is_current:
        porcelain.reset(repo, "hard", target.decode("ascii"))
    elif tip is None:
        repo.refs.add_if_new(ref, target, message=b"reset: created")
    else:
        repo.refs.set_if_equals(ref, tip, target, message=b"reset: moving")
