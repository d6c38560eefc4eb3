"""Frozen domain models, events, the clock and secret handling shared by every part of soda-tui."""
