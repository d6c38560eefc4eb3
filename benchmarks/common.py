"""Shared set-up for benchmarks: a localhub on a temp dir and a Session configured against it."""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.loop.session import Session
from soda_tui.loop.setup import LABELS
from soda_tui.settings.loading import parse_config
from soda_tui.settings.paths import Paths

TOKEN_ENV = "SODA_BENCH_TOKEN"
TOKEN = "bench-token-0123456789"


def machine() -> str:
    """One line describing where the figures were taken."""
    return f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


@contextmanager
def bench_hub(**options: object) -> Iterator[LocalHub]:
    """A started localhub in a temp dir (CI off unless asked)."""
    with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        options.setdefault("ci", False)
        hub = LocalHub(Path(directory) / "hub", token=TOKEN, **options)
        hub.start()
        try:
            yield hub
        finally:
            hub.stop()


def seed(
    hub: LocalHub, repo: str, *, queued: int = 0, files: dict[str, str] | None = None
) -> RepoName:
    """A repository with the protocol labels and `queued` ready issues."""
    name = RepoName.parse(repo)
    hub.state.create_repository(name.owner, name.name, files=files or {"README.md": "# bench\n"})
    for label, (color, _description) in LABELS.items():
        hub.state.ensure_label(name.owner, name.name, label, color)
    if queued:
        hub.state.create_issues_bulk(
            name.owner,
            name.name,
            [{"title": f"Task {i}", "labels": ["route:ready"]} for i in range(queued)],
        )
    return name


def open_session(hub: LocalHub, repos: list[str], root: Path, *, extra: str = "") -> Session:
    """A Session over `hub` for `repos`, the demo agent in fast mode, checks not required."""
    lines = [
        "[github]",
        f'api_url = "{hub.graphql_url}"',
        f'token_env = "{TOKEN_ENV}"',
        "",
        "[defaults]",
        'agent = { preset = "demo", env = { SODA_DEMO_FAST = "1" } }',
        "allow_no_checks = true",
        extra,
        "",
    ]
    for repo in repos:
        lines += ["[[repos]]", f'name = "{repo}"', ""]
    import tomllib

    config = parse_config(tomllib.loads("\n".join(lines)), source="benchmark")
    environ = {"PATH": os.environ.get("PATH", ""), TOKEN_ENV: TOKEN, "HOME": str(root)}
    return Session.open(
        root / "config.toml", environ=environ, paths=Paths.under(root / "soda"), config=config
    )
