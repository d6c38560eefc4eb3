"""The items the user chose to ignore, remembered locally in `paths.ignored_file`."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from soda_tui.core.files import write_atomically

IGNORE_VERSION = 1


class IgnoreFileError(Exception):
    """The ignore list cannot be read; the message says which file and how to fix it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(
            f"the ignore list {path} is unreadable ({reason}); fix or delete it "
            f"(deleting only forgets which items you ignored)"
        )


class IgnoreStore:
    """A small JSON file of ignored item keys (`owner/repo:branch` or `owner/repo:#number`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def entries(self) -> dict[str, str]:
        """Every ignored key with when it was ignored."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise IgnoreFileError(self.path, error.strerror or type(error).__name__) from None
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise IgnoreFileError(self.path, f"not JSON: {error}") from None
        items = data.get("ignored") if isinstance(data, dict) else None
        if not isinstance(items, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in items.items()
        ):
            raise IgnoreFileError(self.path, "no 'ignored' table of keys")
        return dict(items)

    def keys(self) -> set[str]:
        """Every ignored key."""
        return set(self.entries())

    def is_ignored(self, key: str) -> bool:
        """Whether `key` is ignored."""
        return key in self.entries()

    def add(self, key: str, when: datetime) -> bool:
        """Ignore `key`; False when it already was."""
        return self._change(lambda items: _put(items, key, when.isoformat()))

    def remove(self, key: str) -> bool:
        """Stop ignoring `key`; False when it was not ignored."""
        return self._change(lambda items: items.pop(key, None) is not None)

    def _change(self, change: Callable[[dict[str, str]], bool]) -> bool:
        with self._locked():
            items = self.entries()
            changed = change(items)
            if changed:
                text = json.dumps({"version": IGNORE_VERSION, "ignored": items}, indent=2)
                write_atomically(self.path, text + "\n")
            return changed

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)


def _put(items: dict[str, str], key: str, when: str) -> bool:
    if key in items:
        return False
    items[key] = when
    return True
