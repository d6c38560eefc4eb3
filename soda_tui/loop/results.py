"""What an action reports: an exit code of PRODUCT.md section 4, one line for people, data for --json."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Exit(IntEnum):
    """Exit codes every subcommand keeps (PRODUCT.md section 4)."""

    DONE = 0
    NOTHING = 1
    USAGE = 2
    FAILURE = 3


@dataclass(frozen=True)
class ActionResult:
    """The outcome of one action on one repository."""

    action: str
    repo: str
    exit_code: Exit
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the action did its job."""
        return self.exit_code == Exit.DONE

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "action": self.action,
            "repo": self.repo,
            "ok": self.ok,
            "exit_code": int(self.exit_code),
            "message": self.message,
            **self.data,
        }


class ActionRefused(Exception):
    """An action cannot go ahead for a reason the user can fix; carries the exit code."""

    def __init__(self, message: str, exit_code: Exit = Exit.NOTHING, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.data = data
