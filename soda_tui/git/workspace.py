"""A clone soda-tui owns for one repository: clone, fetch, branch, push, preserve (dulwich only).

The workspace lives under soda-tui's data directory, never in the user's checkout. Nothing here
writes the token anywhere (see credentials.py), and nothing here drops a commit that exists
nowhere else (PRODUCT.md section 7): resets refuse until the work is preserved under a ref.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dulwich import porcelain
from dulwich.errors import NotGitRepository
from dulwich.graph import can_fast_forward
from dulwich.repo import Repo

from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.secrets import Secret
from soda_tui.git import keeping, pushing
from soda_tui.git.errors import DirtyWorkspace, GitError, WorkspaceDamaged, WorkspaceMismatch
from soda_tui.git.history import (
    HEAD,
    HEADS,
    REMOTE_NAME,
    REMOTES,
    CommitInfo,
    as_ref,
    commits_between,
    has_object,
    local_branches,
    ref_for,
    refs_under,
    resolve_or_fail,
    short,
    tip,
    tracking_tip,
)
from soda_tui.git.progress import ProgressCallback, ProgressRelay
from soda_tui.git.remote import Remote
from soda_tui.git.snapshot import changed_paths
from soda_tui.telemetry.http_spans import traced_git

# Where preserve_local_work and stash_uncommitted keep work (re-exported for callers).
PRESERVED_PREFIX = keeping.PRESERVED_PREFIX
STASH_PREFIX = keeping.STASH_PREFIX


class Workspace:
    """One repository's clone under the data directory and the git operations the loop needs."""

    def __init__(
        self,
        path: Path,
        remote_url: str,
        token: Secret | None,
        *,
        default_branch: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.path = Path(path)
        self._remote = Remote(remote_url, token)
        self._default_branch = default_branch
        self._clock = clock or SystemClock()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, {self.remote_url!r})"

    @property
    def remote_url(self) -> str:
        """The remote's URL, which never holds credentials."""
        return self._remote.url

    # -- the clone itself -------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether a clone is present at the path (healthy or not)."""
        return (self.path / ".git").exists()

    @traced_git("ensure clone")
    def ensure_clone(self, progress: ProgressCallback | None = None) -> bool:
        """Clone the remote if the workspace is missing, else check it; True when it cloned now."""
        if self.exists():
            self._verify()
            return False
        if self.path.exists() and any(self.path.iterdir()):
            raise WorkspaceMismatch(
                f"{self.path} exists and is not a git clone; soda-tui only works in directories "
                f"it created, so move it aside or choose another data directory"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in self.path.parent.glob(f".{glob.escape(self.path.name)}.cloning-*"):
            # A clone interrupted before the rename never held any work; one still running
            # in another process is left alone.
            if not _process_alive(leftover.name.rsplit("-", 1)[-1]):
                shutil.rmtree(leftover, ignore_errors=True)
        staging = self.path.parent / f".{self.path.name}.cloning-{os.getpid()}"
        relay = ProgressRelay(progress)
        relay.say(f"Cloning {self.remote_url}")
        try:
            with Repo.init(str(staging), mkdir=True) as repo:
                config = repo.get_config()
                section = (b"remote", REMOTE_NAME.encode())
                config.set(section, b"url", self.remote_url.encode("utf-8"))
                config.set(section, b"fetch", b"+refs/heads/*:" + REMOTES + b"*")
                config.write_to_path()
                remote_default = self._remote.fetch_into(repo, relay)
                self._check_out_default(repo, remote_default, relay)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            if self.path.exists():
                self.path.rmdir()
            os.replace(staging, self.path)
        except OSError:
            # Another process finished its clone first: keep theirs, check it, drop ours.
            shutil.rmtree(staging, ignore_errors=True)
            if not self.exists():
                raise
            self._verify()
            return False
        relay.say("Clone complete")
        return True

    def _check_out_default(
        self, repo: Repo, remote_default: bytes | None, relay: ProgressRelay
    ) -> None:
        name = self._default_branch.encode("utf-8") if self._default_branch else remote_default
        if name is None:
            return
        repo.refs.set_symbolic_ref(HEAD, as_ref(HEADS, name))
        remote_tip = tip(repo, as_ref(REMOTES, name))
        if remote_tip is None:
            return  # an empty remote: HEAD names the branch its first commit will create
        repo.refs.add_if_new(
            as_ref(HEADS, name), remote_tip, message=f"clone: from {self.remote_url}".encode()
        )
        config = repo.get_config()
        config.set((b"branch", name), b"remote", REMOTE_NAME.encode())
        config.set((b"branch", name), b"merge", HEADS + name)
        config.write_to_path()
        relay.say(f"Checking out {name.decode('utf-8', 'replace')}")
        repo.get_worktree().reset_index()

    def _verify(self) -> None:
        with self._open() as repo:
            try:
                configured = repo.get_config().get((b"remote", REMOTE_NAME.encode()), b"url")
            except KeyError:
                raise WorkspaceMismatch(
                    f"the workspace {self.path} has no '{REMOTE_NAME}' remote; move it aside "
                    f"and soda-tui will clone again"
                ) from None
            found = configured.decode("utf-8", "replace").rstrip("/")
            if found != self.remote_url:
                raise WorkspaceMismatch(
                    f"the workspace {self.path} is a clone of {found}, not {self.remote_url}; "
                    f"move it aside and soda-tui will clone again"
                )
            head = tip(repo, HEAD)
            if head is None:
                if local_branches(repo):
                    raise WorkspaceDamaged(
                        f"the workspace {self.path} has branches but HEAD points nowhere; "
                        f"run `soda-tui doctor`"
                    )
                return  # a clone of an empty repository
            if not has_object(repo, head):
                raise WorkspaceDamaged(
                    f"the workspace {self.path} is missing its HEAD commit {short(head)}; "
                    f"run `soda-tui doctor`"
                )

    @contextmanager
    def _open(self) -> Iterator[Repo]:
        if not self.exists():
            raise GitError(f"there is no workspace at {self.path}; clone it first (ensure_clone)")
        try:
            repo = Repo(str(self.path))
        except NotGitRepository:
            raise WorkspaceDamaged(
                f"the workspace {self.path} is not a readable git repository; move it aside "
                f"and soda-tui will clone again"
            ) from None
        with repo:
            yield repo

    # -- reading -----------------------------------------------------------------------------

    @traced_git("fetch")
    def fetch(self, progress: ProgressCallback | None = None) -> None:
        """Bring branches and tags up to date from the remote (deleted branches are pruned)."""
        with self._open() as repo:
            self._remote.fetch_into(repo, ProgressRelay(progress))

    def default_branch(self) -> str:
        """The configured default branch, else the one the remote's HEAD named at the last fetch."""
        if self._default_branch:
            return self._default_branch
        with self._open() as repo:
            target = repo.refs.get_symrefs().get(as_ref(REMOTES, b"HEAD"))
        if target is None or not target.startswith(REMOTES):
            raise GitError(
                f"the remote {self.remote_url} did not name a default branch; set it in the "
                f"repository's configuration"
            )
        return target[len(REMOTES) :].decode("utf-8")

    def default_branch_head(self) -> str:
        """The commit the remote's default branch pointed at, as of the last fetch."""
        branch = self.default_branch()
        with self._open() as repo:
            remote_tip = tracking_tip(repo, branch)
        if remote_tip is None:
            raise GitError(
                f"the remote {self.remote_url} has no branch {branch!r} yet; push a first "
                f"commit to it, then fetch"
            )
        return remote_tip.decode("ascii")

    def current_branch(self) -> str | None:
        """The checked-out branch, or None when HEAD is detached."""
        with self._open() as repo:
            names, _oid = repo.refs.follow(HEAD)
        last = names[-1] if names else b""
        return last[len(HEADS) :].decode("utf-8") if last.startswith(HEADS) else None

    def head_oid(self) -> str:
        """The commit checked out."""
        with self._open() as repo:
            try:
                return repo.head().decode("ascii")
            except KeyError:
                raise GitError(f"the workspace {self.path} has no commit checked out") from None

    def commits_ahead(self, branch: str, base_ref: str) -> list[CommitInfo]:
        """Commits on `branch` that `base_ref` lacks, newest first (like `git log`).

        A plain branch name as the base means the remote's branch as of the last fetch
        (`main` is read as `origin/main`): a pull request's base lives on the remote, and the
        local copy of the default branch is never moved by soda-tui.
        """
        with self._open() as repo:
            branch_tip = resolve_or_fail(repo, branch, "branch")
            base = tracking_tip(repo, base_ref) or resolve_or_fail(repo, base_ref, "base")
            return commits_between(repo, [branch_tip], [base])

    def local_branches(self) -> list[str]:
        """The names of the local branches, sorted."""
        with self._open() as repo:
            return sorted(local_branches(repo))

    def has_uncommitted_changes(self) -> bool:
        """Whether anything in the working tree differs from HEAD (untracked files count)."""
        return bool(self.uncommitted_paths())

    def uncommitted_paths(self) -> list[str]:
        """The paths with staged, unstaged or untracked changes."""
        with self._open() as repo:
            return changed_paths(repo)

    @traced_git("ls-remote")
    def remote_refs(self) -> dict[str, str]:
        """Every branch and tag on the remote right now (live), full ref name to oid."""
        return {
            name.decode("utf-8", "replace"): oid.decode("ascii")
            for name, oid in self._remote.list_refs().items()
        }

    @traced_git("ls-remote")
    def remote_branch_oid(self, branch: str) -> str | None:
        """Where `branch` is on the remote right now (live), or None when it does not exist."""
        ref = ref_for(HEADS, branch, "branch")
        oid = self._remote.list_refs().get(ref)
        return oid.decode("ascii") if oid else None

    # -- changing local branches ---------------------------------------------------------------

    def create_branch(self, name: str, at_oid: str) -> None:
        """Create a local branch at a commit; a no-op if it exists there or already builds on it."""
        ref = ref_for(HEADS, name, "branch")
        with self._open() as repo:
            target = resolve_or_fail(repo, at_oid, "commit")
            try:
                existing = repo.refs[ref]
            except KeyError:
                repo.refs.add_if_new(ref, target, message=f"branch: created at {at_oid}".encode())
                return
            if existing == target or can_fast_forward(repo, target, existing):
                return  # a resumed pop: keep the branch and whatever was committed on it
            raise GitError(
                f"branch {name!r} already exists at {short(existing)}, which does not build on "
                f"{short(target)}; recover it first (soda-tui recover)"
            )

    def checkout(self, name: str) -> None:
        """Switch the working tree to a branch (taken from the remote if only it has one)."""
        ref = ref_for(HEADS, name, "branch")
        if self.current_branch() == name:
            return
        with self._open() as repo:
            changed = changed_paths(repo)
            if changed:
                raise DirtyWorkspace(str(self.path), f"switch to {name}", changed)
            if ref not in repo.refs:
                tracking = tracking_tip(repo, name)
                if tracking is None:
                    raise GitError(f"there is no branch {name!r} locally or on the remote")
                repo.refs.add_if_new(ref, tracking, message=f"branch: from {REMOTE_NAME}".encode())
            porcelain.checkout(repo, target=ref)

    def stash_uncommitted(self, reason: str) -> str | None:
        """Save every uncommitted change as a commit under `refs/soda/stash/...`, then clean.

        Returns the ref, or None when the tree was clean. Nothing is lost: the ref holds the
        whole tree as it was, untracked files included.
        """
        with self._open() as repo:
            return keeping.stash_uncommitted(repo, self._clock.now(), reason)

    # -- changing the remote -------------------------------------------------------------------

    @traced_git("push")
    def push(
        self,
        branch: str,
        *,
        expected_remote_oid: str | None = None,
        force: bool = False,
        progress: ProgressCallback | None = None,
    ) -> str:
        """Push a branch and return the oid pushed.

        Without force only a fast-forward is allowed. With force the push is leased: it happens
        only if the remote branch is still at `expected_remote_oid` (default: where this
        workspace last saw it; forty zeros means "must not exist"). A lease given without force
        is checked too. PushRejected says which rule refused.
        """
        with self._open() as repo:
            return pushing.push_branch(
                repo,
                self._remote,
                branch,
                expected_remote_oid=expected_remote_oid,
                force=force,
                relay=ProgressRelay(progress),
            )

    @traced_git("push tag")
    def push_tag(self, tag: str, oid: str, progress: ProgressCallback | None = None) -> None:
        """Create a lightweight tag at `oid` and push it; a no-op if the remote has it there."""
        with self._open() as repo:
            pushing.push_tag(repo, self._remote, tag, oid, ProgressRelay(progress))

    @traced_git("delete branch")
    def delete_remote_branch(self, branch: str, *, expected_remote_oid: str | None = None) -> bool:
        """Delete a remote branch (the caller proved it safe); False when it was already gone."""
        if branch == self._known_default_branch():
            raise GitError(f"refusing to delete the default branch {branch!r}")
        with self._open() as repo:
            return pushing.delete_branch(
                repo, self._remote, branch, expected_remote_oid=expected_remote_oid
            )

    # -- never lose work -------------------------------------------------------------------------

    def unpushed_commits(self, branch: str) -> list[CommitInfo]:
        """Commits on the local `branch` that no branch or tag on the remote has, newest first."""
        ref = ref_for(HEADS, branch, "branch")
        remote_tips = list(self._remote.list_refs().values())
        with self._open() as repo:
            branch_tip = tip(repo, ref)
            if branch_tip is None:
                raise GitError(f"there is no local branch {branch!r}")
            return commits_between(repo, [branch_tip], remote_tips)

    def preserve_local_work(self, reason: str) -> str | None:
        """Keep every commit that is not on the remote under `refs/soda/preserved/<stamp>/<branch>`.

        Commits nothing: only refs are added, one per local branch (or detached HEAD) with such
        commits not already preserved. Returns the `refs/soda/preserved/<stamp>` prefix of the
        refs it made, or None when there was nothing to keep. If the remote cannot be reached,
        every local branch is kept, which is always safe.
        """
        try:
            remote_tips = list(self._remote.list_refs().values())
        except GitError:
            remote_tips = []
        with self._open() as repo:
            return keeping.preserve_local_work(repo, remote_tips, self._clock.now(), reason)

    def preserved_refs(self) -> dict[str, str]:
        """Every ref made by preserve_local_work and stash_uncommitted, with its oid."""
        with self._open() as repo:
            found = refs_under(repo, keeping.SODA_REFS.encode())
        return {name.decode("utf-8"): oid.decode("ascii") for name, oid in found.items()}

    def reset_to(self, branch: str, oid: str) -> None:
        """Point `branch` (and the working tree, if checked out) at `oid`.

        Refuses with UnpreservedWork while any commit it would drop is not on the remote (as of
        the last fetch) and not preserved, and with DirtyWorkspace while the tree has changes.
        """
        with self._open() as repo:
            keeping.reset_branch(repo, str(self.path), branch, oid)

    def _known_default_branch(self) -> str | None:
        try:
            return self.default_branch()
        except GitError:
            return None


def _process_alive(pid_text: str) -> bool:
    """Whether the process that named a staging directory is still running (not us)."""
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
