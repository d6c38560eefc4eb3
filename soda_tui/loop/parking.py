"""A repository parked until an agent usage limit resets (visible countdown, one key to cancel)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from soda_tui.core.files import write_atomically
from soda_tui.core.models import RepoName


def _park_file(state_dir: Path, repo: RepoName) -> Path:
    return state_dir / "parked" / f"{repo.owner}__{repo.name}.json"


def park(state_dir: Path, repo: RepoName, until: datetime, reason: str) -> None:
    """Park `repo` until `until` (the worker skips it; the dashboard counts down)."""
    write_atomically(
        _park_file(state_dir, repo), json.dumps({"until": until.isoformat(), "reason": reason})
    )


def unpark(state_dir: Path, repo: RepoName) -> bool:
    """Cancel a park; True when there was one."""
    path = _park_file(state_dir, repo)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def parked_until(state_dir: Path, repo: RepoName, now: datetime) -> tuple[datetime, str] | None:
    """The reset time and reason when `repo` is parked now; an expired or unreadable park is dropped."""
    path = _park_file(state_dir, repo)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        until = datetime.fromisoformat(record["until"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, OSError):
        path.unlink(missing_ok=True)  # a damaged park must not hold a repository forever
        return None
    if until <= now:
        path.unlink(missing_ok=True)
        return None
    return until, str(record.get("reason", "usage limit"))
