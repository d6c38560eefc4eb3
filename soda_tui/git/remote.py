"""Talking to a workspace's remote: list refs, fetch into the clone, and update remote refs.

Each call builds its own authenticated dulwich client (see credentials.py), so the token lives
only as long as one operation and only in the request headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from dulwich.objects import ZERO_SHA
from dulwich.repo import Repo

from soda_tui.core.secrets import Secret
from soda_tui.git.credentials import checked_remote_url, open_transport, remote_errors
from soda_tui.git.errors import PushRejected
from soda_tui.git.history import HEADS, REMOTES, TAGS
from soda_tui.git.progress import ProgressRelay

RefMap = dict[bytes, bytes]
# Given the refs the server advertises right now, say which refs to change (ZERO_SHA deletes).
RefUpdate = Callable[[RefMap], RefMap]
_PEELED = b"^{}"


def _wanted_refs(name: bytes) -> bool:
    # Branches and tags only: GitHub also advertises refs/pull/*, which a clone must not drag in.
    return name.startswith((HEADS, TAGS)) and not name.endswith(_PEELED)


class Remote:
    """A remote repository reached with an optional token, one fresh client per operation."""

    def __init__(self, url: str, token: Secret | None) -> None:
        self.url = checked_remote_url(url)
        self._token = token

    def __repr__(self) -> str:
        return f"Remote({self.url!r})"

    def list_refs(self, repo: Repo | None = None) -> RefMap:
        """The branches and tags the remote has right now (a live ls-remote)."""
        config = repo.get_config_stack() if repo is not None else None
        client, path = open_transport(self.url, self._token, config)
        with remote_errors(self.url):
            try:
                result = client.get_refs(path.encode("utf-8"))
            finally:
                client.close()
        return {name: oid for name, oid in result.refs.items() if oid and _wanted_refs(name)}

    def fetch_into(self, repo: Repo, relay: ProgressRelay) -> bytes | None:
        """Fetch branches and tags into `repo`, mirror them under refs/remotes/origin, prune.

        Returns the remote's default branch name (what its HEAD points at), when it says.
        """
        client, path = open_transport(self.url, self._token, repo.get_config_stack())

        def determine_wants(refs: dict[bytes, bytes], depth: int | None = None) -> list[bytes]:
            return sorted(
                {
                    oid
                    for name, oid in refs.items()
                    if oid
                    and oid != ZERO_SHA
                    and _wanted_refs(name)
                    and oid not in repo.object_store
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
        advertised = {name: oid for name, oid in result.refs.items() if oid and _wanted_refs(name)}
        _mirror_remote_refs(repo, advertised, f"fetch: from {self.url}".encode())
        head_target = result.symrefs.get(b"HEAD")
        if head_target and head_target.startswith(HEADS):
            default = head_target[len(HEADS) :]
            repo.refs.set_symbolic_ref(REMOTES + b"HEAD", REMOTES + default)
            return default
        return None

    def update_refs(self, repo: Repo, decide: RefUpdate, relay: ProgressRelay) -> RefMap:
        """Send the ref changes `decide` asks for (with the objects they need); return them.

        The server applies each change only if the ref still has the value it advertised, so
        a lease checked inside `decide` cannot be overtaken between the check and the write.
        """
        client, path = open_transport(self.url, self._token, repo.get_config_stack())
        decided: RefMap = {}

        def remember(advertised: dict[bytes, bytes]) -> dict[bytes, bytes]:
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
        name[len(HEADS) :]: oid for name, oid in advertised.items() if name.startswith(HEADS)
    }
    tracking = {
        name: oid
        for name, oid in repo.refs.as_dict(REMOTES.rstrip(b"/")).items()
        if name != b"HEAD"
    }
    for name, oid in branches.items():
        if tracking.get(name) != oid:
            repo.refs.set_if_equals(REMOTES + name, None, oid, message=message)
    for name in tracking.keys() - branches.keys():
        # Pruned: a branch deleted on the remote must not look pushed any more.
        repo.refs.remove_if_equals(REMOTES + name, None, message=message)
    for name, oid in advertised.items():
        # Tags are added, never moved: a local tag that differs is kept as it is.
        if name.startswith(TAGS) and oid in repo.object_store:
            repo.refs.add_if_new(name, oid, message=message)


def iter_ref_names(refs: RefMap, prefix: bytes) -> Iterator[str]:
    """Names under `prefix` in a ref map, prefix removed."""
    for name in refs:
        if name.startswith(prefix):
            yield name[len(prefix) :].decode("utf-8", "replace")
