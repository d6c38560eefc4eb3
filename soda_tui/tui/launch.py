"""Open the dashboard from the command line: config and token problems end in one line and exit 2."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from soda_tui.git.errors import GitError
from soda_tui.github.errors import GitHubError
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.loop.session import Session
from soda_tui.settings.errors import ConfigError
from soda_tui.settings.paths import Paths


class DashboardUnavailable(Exception):
    """The dashboard cannot start (no repositories, bad config, no token); the message says what to do."""


def run_dashboard(args: argparse.Namespace) -> int:
    """`soda-tui` with no subcommand: the dashboard for the configured repositories."""
    config = getattr(args, "config", None)
    return _launch(Path(config) if config else None, paths=None, title="soda-tui")


def run_dashboard_for(config_file: Path, *, paths: Paths, title: str) -> int:
    """The dashboard for one config file and set of paths (used by `soda-tui demo`)."""
    return _launch(config_file, paths=paths, title=title)


def open_session(config_file: Path | None, *, paths: Paths | None) -> Session:
    """Open the session the dashboard runs on; raises DashboardUnavailable with one clear line."""
    try:
        session = Session.open(config_file, paths=paths)
    except (ConfigError, GitHubError, GitError, ActionRefused) as error:
        message = error.message if isinstance(error, ActionRefused) else str(error)
        raise DashboardUnavailable(message) from None
    try:
        if not session.repo_names():
            raise DashboardUnavailable(
                f"no repositories are configured in {session.config_file}: "
                "run `soda-tui init OWNER/REPO` (or `soda-tui demo` to try it on localhub)"
            )
        session.paths.ensure()
    except (ConfigError, DashboardUnavailable) as error:
        asyncio.run(session.aclose())
        raise DashboardUnavailable(str(error)) from None
    return session


def _launch(config_file: Path | None, *, paths: Paths | None, title: str) -> int:
    try:
        session = open_session(config_file, paths=paths)
    except DashboardUnavailable as error:
        sys.stderr.write(f"soda-tui: {error}\n")
        return int(Exit.USAGE)
    # Imported here so a config error is reported without loading Textual at all.
    from soda_tui.tui.app import create_app

    app = create_app(session, title=title, keymap=session.config.keys)

    async def main() -> None:
        try:
            await app.run_async()
        finally:
            app.release_repositories()
            await session.aclose()

    asyncio.run(main())
    return int(app.return_code or 0)
