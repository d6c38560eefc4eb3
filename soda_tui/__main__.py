"""Allow `python -m soda_tui`."""

from __future__ import annotations

from soda_tui.cli import main

raise SystemExit(main())
