"""Fixtures for the dashboard's tests: sample sessions, a localhub world and a condition waiter."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tui_support import TOKEN_ENV, HubWorld

from soda_tui.core.models import RepoName
from soda_tui.loop.session import Session
from soda_tui.loop.setup import LABELS
from soda_tui.settings.models import Config
from soda_tui.settings.paths import Paths
from soda_tui.tui.scenes import open_scene_session

PASSING_CI = "#!/usr/bin/env bash\necho 'all tests passed'\n"


@pytest.fixture
def scene_session(tmp_path: Path) -> Callable[[int], Session]:
    """`scene_session(n)`: a real session over the first n sample repositories, each in its own dir.

    Scene sessions point at a port where nothing listens and never poll; their clients only
    connect when a test makes them fail on purpose, so there is no connection left to close.
    """
    made = iter(range(1_000))

    def make(panes: int) -> Session:
        return open_scene_session(tmp_path / f"scene-{next(made)}", panes)

    return make


@pytest.fixture
def hub_world(localhub: Any, hub_token: str, tmp_path: Path) -> Callable[..., HubWorld]:
    """`hub_world({"acme/api": [(title, body, labels)]}, token=..., **defaults)`: seed and open.

    The test closes `world.session` when it is done with it.
    """

    def make(
        repos: dict[str, list[tuple[str, str, tuple[str, ...]]]],
        *,
        token: str | None = None,
        **defaults: Any,
    ) -> HubWorld:
        names = []
        for full, issues in repos.items():
            name = RepoName.parse(full)
            localhub.state.create_repository(
                name.owner,
                name.name,
                files={"README.md": f"# {name.name}\n", ".localhub/ci": PASSING_CI},
            )
            for label, (color, _description) in LABELS.items():
                localhub.state.ensure_label(name.owner, name.name, label, color)
            for title, body, labels in issues:
                localhub.state.create_issue(name.owner, name.name, title, body=body, labels=labels)
            names.append(name)
        config = Config.model_validate(
            {
                "github": {"api_url": localhub.graphql_url, "token_env": TOKEN_ENV},
                "defaults": {
                    "agent": "demo",
                    "poll_seconds": 5,
                    "allow_no_checks": False,
                    **defaults,
                },
                "repos": [{"name": str(name)} for name in names],
            }
        )
        paths = Paths.under(tmp_path / "soda")
        environ = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            TOKEN_ENV: token or hub_token,
        }
        session = Session.open(
            tmp_path / "config.toml", environ=environ, paths=paths, config=config
        )
        paths.ensure()
        return HubWorld(localhub, session, paths, names, environ)

    return make
