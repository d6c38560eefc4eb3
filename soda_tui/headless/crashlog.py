"""The last resort for an error nobody expected: one line for the user, the traceback in a file."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path

from soda_tui.core.secrets import redact


def write_crash_log(error: BaseException, state_dir: Path | None) -> Path | None:
    """Keep the full traceback (redacted) where a bug report can find it; None if it cannot be written."""
    if state_dir is None:
        return None
    try:
        crash_dir = state_dir / "crashes"
        crash_dir.mkdir(parents=True, exist_ok=True)
        path = crash_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}.log"
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        path.write_text(redact(text), encoding="utf-8")
        return path
    except OSError:
        return None


def unexpected_message(error: BaseException, log_path: Path | None) -> str:
    """The one line shown for an unexpected error."""
    where = f"; details in {log_path}" if log_path else ""
    return f"unexpected error: {type(error).__name__}: {redact(str(error))[:200]}{where} (please report it)"
