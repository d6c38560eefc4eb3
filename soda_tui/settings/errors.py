"""Errors a user meets when the configuration is wrong: each renders as a short, fixable message."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(Exception):
    """A configuration problem the user can fix; the message says what is wrong and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def summary(self) -> str:
        """The message, for front ends that show every error through one attribute."""
        return self.message

    def __str__(self) -> str:
        return self.message


class UnknownRepo(ConfigError):
    """A repository was named that the configuration does not list."""

    def __init__(self, name: str, configured: Iterable[str], *, hint: str | None = None) -> None:
        self.name = name
        self.configured = tuple(configured)
        listed = ", ".join(self.configured) if self.configured else "none"
        fix = hint if hint is not None else f"add it with `soda-tui add {name}`"
        super().__init__(f"{name} is not configured (configured: {listed}); {fix}")
