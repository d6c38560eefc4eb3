"""Writing a file so a crash leaves the old content or the new, never half (PRODUCT.md 7.3)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(
    path: Path,
    text: str,
    *,
    mode: int | None = None,
    temp_prefix: str | None = None,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Replace `path` with `text`: temp file in the same directory, fsync, rename, fsync the dir.

    The temp file is named `<temp_prefix><random>.tmp` (default prefix `.<name>.`) so a reader can
    recognise one left by a killed writer; `before_replace` runs between the fsync and the rename
    (the journal's crash tests stop there).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(
        prefix=temp_prefix if temp_prefix is not None else f".{path.name}.",
        suffix=".tmp",
        dir=path.parent,
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        if before_replace is not None:
            before_replace()
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename inside `directory` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
