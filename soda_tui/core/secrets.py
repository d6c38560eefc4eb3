"""Secret values and the process-wide redaction of them from any text we show, log or write."""

from __future__ import annotations

import re
import threading

_MASK = "***"
_lock = threading.Lock()
_known: set[str] = set()
_pattern: re.Pattern[str] | None = None


class Secret:
    """A string that never shows itself: repr, str and format all print a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        """The real value, for the one place that must send it (an Authorization header)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


def register_secret(value: str) -> None:
    """Remember a value so `redact` masks it everywhere from now on (short values are ignored)."""
    global _pattern
    if not value or len(value) < 4:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        ordered = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(item) for item in ordered))


def redact(text: str) -> str:
    """Return `text` with every registered secret replaced by a mask."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(_MASK, text)
