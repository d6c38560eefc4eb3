"""soda-tui: one autonomous coding agent per GitHub repository, driven from a terminal dashboard."""

from __future__ import annotations

__version__ = "0.1.0"
