"""`soda-tui demo`: start localhub, seed it, configure the demo agent and open the dashboard."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import sys
from pathlib import Path

from soda_tui.core.secrets import Secret
from soda_tui.demo.seed import NO_CI_REPOS, seed
from soda_tui.settings.paths import Paths

DEMO_TOKEN_ENV = "SODA_DEMO_TOKEN"


def demo_root() -> Path:
    """Where the demo keeps localhub's data and its own workspaces (reused unless --fresh)."""
    return Paths.default().data_dir / "demo"


def write_demo_config(path: Path, api_url: str, repos: list[str]) -> None:
    """The demo's config: every seeded repository on the demo agent, autopilot on, short polls."""
    lines = [
        "# Written by `soda-tui demo`: the demo repositories on localhub.",
        "[github]",
        f'api_url = "{api_url}"',
        f'token_env = "{DEMO_TOKEN_ENV}"',
        "",
        "[defaults]",
        'agent = "demo"',
        "autopilot = true",
        "poll_seconds = 5",
        "",
    ]
    for name in repos:
        lines += ["[[repos]]", f'name = "{name}"']
        if name in NO_CI_REPOS:
            lines.append("allow_no_checks = true")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """Start the demo; with --headless, run the autopilot and print what happens."""
    from soda_tui.localhub import LocalHub

    root = demo_root()
    if args.fresh and root.exists():
        shutil.rmtree(root)
    token = secrets.token_hex(20)
    hub = LocalHub(root / "localhub", token=Secret(token), login="demo-user", port=args.port)
    hub.start()
    try:
        names = seed(hub.state)
        config_file = root / "config.toml"
        write_demo_config(config_file, hub.graphql_url, names)
        print(f"localhub is serving the demo at {hub.graphql_url} (data in {root})", flush=True)
        # The token lives only in this process's environment; localhub keeps only its hash.
        os.environ[DEMO_TOKEN_ENV] = token
        os.environ.pop("GH_TOKEN", None)
        os.environ.pop("GITHUB_TOKEN", None)
        paths = Paths.under(root / "soda")
        from soda_tui.telemetry.setup import current_telemetry

        telemetry = current_telemetry()
        if telemetry is not None:
            # The demo keeps its own state dir: its traces belong beside its journals.
            telemetry.write_traces_to(paths.traces_dir)
        if args.headless:
            return _headless(config_file, paths, args.cycles)
        from soda_tui.tui.launch import run_dashboard_for

        return run_dashboard_for(config_file, paths=paths, title="soda-tui demo")
    finally:
        hub.stop()


def _headless(config_file: Path, paths: Paths, cycles: int) -> int:
    from soda_tui.loop.autopilot import Autopilot, WorkerUpdate
    from soda_tui.loop.session import Session

    async def main() -> int:
        session = Session.open(
            config_file, paths=paths, environ={**os.environ, "SODA_CONFIG": str(config_file)}
        )

        def show(update: WorkerUpdate) -> None:
            if update.kind not in ("board", "wait"):
                print(f"{update.at:%H:%M:%S} {update.repo}: {update.message}", flush=True)

        autopilot = Autopilot(session, session.repo_names(), show)
        loop = asyncio.get_running_loop()
        stopping: list[asyncio.Task[None]] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: stopping.append(loop.create_task(autopilot.shutdown())))
        try:
            await autopilot.run_forever(cycles)
        finally:
            await session.aclose()
        return 0

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        sys.stderr.write("soda-tui demo: stopped\n")
        return 130
