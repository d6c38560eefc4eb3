"""Named crash points for tests of multi-step actions (PRODUCT.md 7.3: re-running finishes the job).

Code that performs a multi-step action calls `fault_point("bottle.after_pr")` between steps. In
production nothing is armed and the call costs one dict lookup. A test arms a point in-process
with `arm(name)` (the call raises `InjectedCrash`), or for a subprocess through the environment:
`SODA_FAULT_POINT=<name>[,<name>...]`, and with `SODA_FAULT_MODE=kill` the process kills itself
with SIGKILL at that point, which is the closest thing to pulling the plug.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum

ENV_POINT = "SODA_FAULT_POINT"
ENV_MODE = "SODA_FAULT_MODE"


class FaultMode(StrEnum):
    """What an armed fault point does when reached."""

    RAISE = "raise"
    KILL = "kill"


class InjectedCrash(BaseException):
    """Raised at an armed fault point; a BaseException so `except Exception` cannot swallow it."""

    def __init__(self, name: str) -> None:
        self.point = name
        super().__init__(f"injected crash at fault point {name!r}")


_armed: dict[str, FaultMode] = {}
# Hit counts of armed points only, so a test can assert the point was actually reached.
_hits: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Crash here if the point `name` is armed; do nothing otherwise."""
    mode = _armed.get(name)
    if mode is None:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if mode is FaultMode.KILL:
        os.kill(os.getpid(), signal.SIGKILL)
    raise InjectedCrash(name)


def arm(name: str, mode: FaultMode | str = FaultMode.RAISE) -> None:
    """Arm the point `name` in this process."""
    _armed[name] = FaultMode(mode)


def disarm(name: str | None = None) -> None:
    """Disarm one point, or every point when `name` is None."""
    if name is None:
        _armed.clear()
        _hits.clear()
    else:
        _armed.pop(name, None)
        _hits.pop(name, None)


def hits(name: str) -> int:
    """How many times the armed point `name` was reached since it was armed."""
    return _hits.get(name, 0)


@contextmanager
def armed(name: str, mode: FaultMode | str = FaultMode.RAISE) -> Iterator[None]:
    """Arm `name` for the duration of a with-block."""
    arm(name, mode)
    try:
        yield
    finally:
        disarm(name)


def environment_for(name: str, mode: FaultMode | str = FaultMode.RAISE) -> dict[str, str]:
    """The environment variables that arm `name` in a child process."""
    return {ENV_POINT: name, ENV_MODE: FaultMode(mode).value}


def load_from_environment(environ: Mapping[str, str] | None = None) -> None:
    """Arm the points named by SODA_FAULT_POINT (done once at import)."""
    source = os.environ if environ is None else environ
    names = [part.strip() for part in source.get(ENV_POINT, "").split(",") if part.strip()]
    if not names:
        return
    raw_mode = source.get(ENV_MODE, FaultMode.RAISE.value).strip().lower() or "raise"
    try:
        mode = FaultMode(raw_mode)
    except ValueError:
        raise ValueError(
            f"{ENV_MODE}={raw_mode!r} is not a fault mode; use 'raise' or 'kill'"
        ) from None
    for point in names:
        _armed[point] = mode


load_from_environment()
