"""Talking to a workspace's remote: list refs, fetch into the clone, and update remote refs.

Each call builds its own authenticated dulwich client (see credentials.py), so the token lives
only as long as one operation and only in the request headers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dulwich.objects import ZERO_SHA, ObjectID
from dulwich.refs import Ref
from dulwich.repo import Repo

from soda_tui.core.secrets import Secret
from soda_tui.git.credentials import checked_remote_url, open_transport, remote_errors
from soda_tui.git.errors import PushRejected
from soda_tui.git.history import HEADS, REMOTES, TAGS, as_ref, has_object, names_under
from soda_tui.git.progress import ProgressRelay

RefMap = dict[Ref, ObjectID]
# Given the refs the server advertises right now, say which refs to change (ZERO_SHA deletes).
RefUpdate = Callable[[RefMap], RefMap]
_PEELED = b"^{}"


def _wanted_refs(name: bytes) -> bool:
    # Branches and tags only: GitHub also advertises refs/pull/*, which a clone must not drag in.
    return name.startswith((HEADS, TAGS)) and not name.endswith(_PEELED)


def _wanted(refs: Mapping[Ref, ObjectID | None]) -> RefMap:
    return {name: oid for name, oid in refs.items() if oid and _wanted_refs(name)}


class Remote:
    """A remote repository reached with an optional token, one fresh client per operation."""

    def __init__(self, url: str, token: Secret | None) -> None:
        self.url = checked_remote_url(url)
        self._token = token

    def __repr__(self) -> str:
        return f"Remote({self.url!r})"

    def list_refs(self) -> RefMap:
        """The branches and tags the remote has right now (a live ls-remote)."""
        client, path = open_transport(self.url, self._token)
        with remote_errors(self.url):
            try:
                result = client.get_refs(path.encode("utf-8"))
            finally:
                client.close()
        return _wanted(result.refs)

    def fetch_into(self, repo: Repo, relay: ProgressRelay) -> bytes | None:
        """Fetch branches and tags into `repo`, mirror them under refs/remotes/origin, prune.

        Returns the remote's default branch name (what its HEAD points at), when it says.
        """
        client, path = open_transport(self.url, self._token, repo.get_config_stack())

        def determine_wants(
            refs: Mapping[Ref, ObjectID], depth: int | None = None
        ) -> list[ObjectID]:
            return sorted(
                {
                    oid
                    for name, oid in _wanted(refs).items()
                    if oid != ZERO_SHA and not has_object(repo, oid)
                }
            )

        relay.say(f"Fetching from {self.url}")
        with remote_errors(self.url):
            try:
                result = client.fetch(
                    path.encode("utf-8"), repo, determine_wants=determine_wants, progress=relay
                )
            finally:
                client.close()
                relay.close()
        _mirror_remote_refs(repo, _wanted(result.refs), f"fetch: from {self.url}".encode())
        head_target = result.symrefs.get(Ref(b"HEAD"))
        if head_target and head_target.startswith(HEADS):
            default = head_target[len(HEADS) :]
            repo.refs.set_symbolic_ref(as_ref(REMOTES, b"HEAD"), as_ref(REMOTES, default))
            return default
        return None

    def update_refs(self, repo: Repo, decide: RefUpdate, relay: ProgressRelay) -> RefMap:
        """Send the ref changes `decide` asks for (with the objects they need); return them.

        The server applies each change only if the ref still has the value it advertised, so
        a lease checked inside `decide` cannot be overtaken between the check and the write.
        """
        client, path = open_transport(self.url, self._token, repo.get_config_stack())
        decided: RefMap = {}

        def remember(advertised: RefMap) -> RefMap:
            decided.update(decide(dict(advertised)))
            return dict(decided)

        def pack(have: Any, want: Any, *, ofs_delta: bool = False, progress: Any = None) -> Any:
            return repo.generate_pack_data(
                set(have), set(want), progress=progress, ofs_delta=ofs_delta
            )

        with remote_errors(self.url):
            try:
                result = client.send_pack(
                    path.encode("utf-8"), remember, generate_pack_data=pack, progress=relay
                )
            finally:
                client.close()
                relay.close()
        for ref, error in (result.ref_status or {}).items():
            if error is not None:
                raise PushRejected(ref.decode("utf-8", "replace"), error)
        return decided


def _mirror_remote_refs(repo: Repo, advertised: RefMap, message: bytes) -> None:
    branches = {
        name[len(HEADS) :].decode("utf-8"): oid
        for name, oid in advertised.items()
        if name.startswith(HEADS)
    }
    tracking = {name: oid for name, oid in names_under(repo, REMOTES).items() if name != "HEAD"}
    for name, oid in branches.items():
        if tracking.get(name) != oid:
            repo.refs.set_if_equals(as_ref(REMOTES, name), None, oid, message=message)
    for name in tracking.keys() - branches.keys():
        # Pruned: a branch deleted on the remote must not look pushed any more.
        repo.refs.remove_if_equals(as_ref(REMOTES, name), None, message=message)
    for ref, oid in advertised.items():
        # Tags are added, never moved: a local tag that differs is kept as it is.
        if ref.startswith(TAGS) and has_object(repo, oid):
            repo.refs.add_if_new(ref, oid, message=message)
