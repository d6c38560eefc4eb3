"""Printing results and errors for scripts: one line per fact in plain mode, one JSON object in --json."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from soda_tui.core.secrets import redact
from soda_tui.loop.results import ActionResult, Exit


def emit(result: ActionResult, *, as_json: bool, out: TextIO | None = None) -> int:
    """Print one action's result and return its exit code."""
    stream = out or sys.stdout
    if as_json:
        stream.write(redact(json.dumps(result.to_json(), default=str)) + "\n")
    else:
        stream.write(redact(result.message) + "\n")
    stream.flush()
    return int(result.exit_code)


def emit_json(payload: dict[str, Any], *, out: TextIO | None = None) -> None:
    """Print an arbitrary JSON document (status, worker events)."""
    stream = out or sys.stdout
    stream.write(redact(json.dumps(payload, default=str)) + "\n")
    stream.flush()


def emit_error(message: str, exit_code: Exit, *, as_json: bool, command: str) -> int:
    """Report a failure in one line (stderr, or a JSON object on stdout with --json)."""
    text = redact(message.strip().splitlines()[0] if message.strip() else "unknown error")
    if as_json:
        emit_json({"action": command, "ok": False, "exit_code": int(exit_code), "error": text})
    else:
        sys.stderr.write(f"soda-tui {command}: {text}\n")
        sys.stderr.flush()
    return int(exit_code)
