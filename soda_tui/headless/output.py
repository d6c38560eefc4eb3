"""Printing results and errors for scripts: one line per fact in plain mode, one JSON object in --json."""

from __future__ import annotations

import json
import re
import sys
from typing import Any, TextIO

from soda_tui.core.secrets import redact
from soda_tui.loop.results import ActionResult, Exit

# C0 controls (tab excepted), DEL and C1 controls: an issue title must not drive the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with control characters shown as `\\xNN`, so plain output stays one honest line."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def emit(result: ActionResult, *, as_json: bool, out: TextIO | None = None) -> int:
    """Print one action's result and return its exit code."""
    stream = out or sys.stdout
    if as_json:
        stream.write(redact(json.dumps(result.to_json(), default=str)) + "\n")
    else:
        stream.write(printable(redact(result.message)) + "\n")
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
        sys.stderr.write(f"soda-tui {command}: {printable(text)}\n")
        sys.stderr.flush()
    return int(exit_code)
