"""localhub: the embedded GitHub-compatible server on loopback."""

from __future__ import annotations

from soda_tui.localhub.faults import Faults
from soda_tui.localhub.server import LocalHub, LocalHubStartError

__all__ = ["Faults", "LocalHub", "LocalHubStartError"]
