"""Changing refs on the remote: fast-forward and leased pushes, archive tags, branch deletion.

Each operation decides against the refs the server advertises in the same conversation, and the
server applies the change only if the ref still holds the advertised value, so a lease cannot be
overtaken between the check and the write.
"""

from __future__ import annotations

from dulwich.graph import can_fast_forward
from dulwich.objects import ZERO_SHA, ObjectID
from dulwich.repo import Repo

from soda_tui.git.errors import GitError, PushRejected
from soda_tui.git.history import (
    HEADS,
    REMOTES,
    TAGS,
    as_oid,
    as_ref,
    has_object,
    names_under,
    peel,
    ref_for,
    resolve_or_fail,
    short,
    tip,
    tracking_tip,
)
from soda_tui.git.progress import ProgressRelay
from soda_tui.git.remote import RefMap, Remote


def push_branch(
    repo: Repo,
    remote: Remote,
    branch: str,
    *,
    expected_remote_oid: str | None,
    force: bool,
    relay: ProgressRelay,
) -> str:
    """Push a local branch (see Workspace.push for the rules) and return the oid pushed."""
    ref = ref_for(HEADS, branch, "branch")
    local = tip(repo, ref)
    if local is None:
        raise GitError(f"there is no local branch {branch!r} to push")
    lease: ObjectID | None = as_oid(expected_remote_oid) if expected_remote_oid else None
    if force and lease is None:
        # Like git's --force-with-lease: the remote must still be where we last saw it.
        lease = tracking_tip(repo, branch) or ZERO_SHA

    def decide(advertised: RefMap) -> RefMap:
        current = advertised.get(ref)
        if lease is not None and (current or ZERO_SHA) != lease:
            raise PushRejected(
                branch,
                f"stale lease: the remote branch is at {short(current)}, expected "
                f"{short(lease)}; fetch and look before pushing again",
            )
        if not force and current is not None and current != local:
            known = has_object(repo, current)
            if not known or not can_fast_forward(repo, current, local):
                raise PushRejected(
                    branch,
                    "non-fast-forward: the remote branch has commits this workspace lacks; "
                    "fetch and build on them first",
                )
        return {ref: local}

    relay.say(f"Pushing {branch} to {remote.url}")
    remote.update_refs(repo, decide, relay)
    repo.refs.set_if_equals(as_ref(REMOTES, branch), None, local, message=b"update by push")
    relay.say(f"Pushed {branch} at {short(local)}")
    return local.decode("ascii")


def push_tag(repo: Repo, remote: Remote, tag: str, oid: str, relay: ProgressRelay) -> None:
    """Create a lightweight tag at `oid` and push it; a no-op if the remote has it there."""
    ref = ref_for(TAGS, tag, "tag")
    target = resolve_or_fail(repo, oid, "commit")
    existing = names_under(repo, TAGS).get(tag)
    if existing is not None and peel(repo, existing) != target:
        raise GitError(
            f"tag {tag!r} already exists locally at {short(existing)}, not at {short(target)}; "
            f"tags are never moved"
        )
    repo.refs.add_if_new(ref, target, message=b"tag: archive")

    def decide(advertised: RefMap) -> RefMap:
        current = advertised.get(ref)
        if current is None:
            return {ref: target}
        if current == target or (has_object(repo, current) and peel(repo, current) == target):
            return {}
        raise PushRejected(
            tag, f"the tag already exists on the remote at {short(current)}; tags are never moved"
        )

    relay.say(f"Pushing tag {tag}")
    remote.update_refs(repo, decide, relay)


def delete_branch(
    repo: Repo, remote: Remote, branch: str, *, expected_remote_oid: str | None
) -> bool:
    """Delete a remote branch, leased when an oid is given; False when it was already gone."""
    ref = ref_for(HEADS, branch, "branch")
    lease = as_oid(expected_remote_oid) if expected_remote_oid else None

    def decide(advertised: RefMap) -> RefMap:
        current = advertised.get(ref)
        if current is None:
            return {}
        if lease is not None and current != lease:
            raise PushRejected(
                branch,
                f"stale lease: the remote branch is at {short(current)}, expected "
                f"{short(lease)}; it moved, so it is not deleted",
            )
        return {ref: ZERO_SHA}

    changes = remote.update_refs(repo, decide, ProgressRelay(None))
    repo.refs.remove_if_equals(as_ref(REMOTES, branch), None)
    return bool(changes)
