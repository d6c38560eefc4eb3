"""localhub: the embedded GitHub-compatible server on loopback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from soda_tui.localhub.faults import Faults
    from soda_tui.localhub.server import LocalHub, LocalHubStartError

__all__ = ["Faults", "LocalHub", "LocalHubStartError"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: the CLI mounts `soda-tui localhub`'s options without paying for the
    # GraphQL schema and the git server on every command.
    if name == "Faults":
        from soda_tui.localhub.faults import Faults

        return Faults
    if name in ("LocalHub", "LocalHubStartError"):
        from soda_tui.localhub import server

        return getattr(server, name)
    raise AttributeError(f"module 'soda_tui.localhub' has no attribute {name!r}")
