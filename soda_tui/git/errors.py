"""Typed git errors whose messages are one line, name the fix, and never carry a credential."""

from __future__ import annotations

import re

from soda_tui.core.secrets import redact

_userinfo = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def strip_credentials(text: str) -> str:
    """`text` with any `user:password@` part of a URL removed and registered secrets masked."""
    return redact(_userinfo.sub(r"\g<scheme>", text))


def one_line(text: str) -> str:
    """Collapse whitespace so a message from a library fits one line, without credentials."""
    return strip_credentials(" ".join(str(text).split()))


class GitError(Exception):
    """A git operation on a workspace or its remote failed."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))

    @property
    def summary(self) -> str:
        """The one-line message."""
        return str(self)


class AuthFailed(GitError):
    """The remote refused our credentials."""

    def __init__(self, url: str) -> None:
        self.url = strip_credentials(url)
        super().__init__(
            f"the git server at {self.url} refused the token (401/403); check that the token "
            f"is valid and may access this repository (GH_TOKEN, GITHUB_TOKEN or `gh auth login`)"
        )


class RemoteNotFound(GitError):
    """The remote repository does not exist (or the token may not see it)."""

    def __init__(self, url: str) -> None:
        self.url = strip_credentials(url)
        super().__init__(
            f"no git repository at {self.url}; check the repository name and that the token "
            f"can see it"
        )


class TransportFailed(GitError):
    """The remote could not be reached or broke off the conversation."""

    def __init__(self, url: str, detail: str) -> None:
        self.url = strip_credentials(url)
        super().__init__(
            f"talking to the git server at {self.url} failed: {detail}; check the network and retry"
        )


class PushRejected(GitError):
    """The remote did not take a push (not a fast-forward, a stale lease, or a refusal)."""

    def __init__(self, ref: str, reason: str) -> None:
        self.ref = ref
        self.reason = one_line(reason)
        super().__init__(f"push of {ref} was rejected: {self.reason}")


class DirtyWorkspace(GitError):
    """The working tree has uncommitted changes, so an operation that would replace it refused."""

    def __init__(self, path: str, operation: str, changed: list[str]) -> None:
        self.changed = changed
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        super().__init__(
            f"cannot {operation}: the workspace {path} has uncommitted changes ({shown}); "
            f"commit them or stash them under a ref first (Workspace.stash_uncommitted)"
        )


class WorkspaceMismatch(GitError):
    """The workspace directory holds something other than a clone of the expected remote."""


class WorkspaceDamaged(GitError):
    """The workspace's repository cannot be read."""


class UnpreservedWork(GitError):
    """A reset would drop commits that exist nowhere else."""

    def __init__(self, branch: str, commits: list[str]) -> None:
        self.commits = commits
        super().__init__(
            f"resetting {branch} would drop {len(commits)} commit(s) that are neither on the "
            f"remote nor preserved ({', '.join(oid[:10] for oid in commits[:5])}); "
            f"call preserve_local_work first"
        )
