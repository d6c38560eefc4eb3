"""Git workspaces soda-tui owns: dulwich clone, fetch, branch, push, archive tags, preservation."""

from __future__ import annotations

from soda_tui.git.errors import (
    AuthFailed,
    DirtyWorkspace,
    GitError,
    PushRejected,
    RemoteNotFound,
    TransportFailed,
    UnpreservedWork,
    WorkspaceDamaged,
    WorkspaceMismatch,
    strip_credentials,
)
from soda_tui.git.history import CommitInfo
from soda_tui.git.progress import ProgressUpdate, parse_progress
from soda_tui.git.workspace import Workspace

__all__ = [
    "AuthFailed",
    "CommitInfo",
    "DirtyWorkspace",
    "GitError",
    "ProgressUpdate",
    "PushRejected",
    "RemoteNotFound",
    "TransportFailed",
    "UnpreservedWork",
    "Workspace",
    "WorkspaceDamaged",
    "WorkspaceMismatch",
    "parse_progress",
    "strip_credentials",
]
