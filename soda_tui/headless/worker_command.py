"""`soda-tui worker`: the headless autopilot for a server; stops cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from soda_tui.core.models import RepoName
from soda_tui.core.secrets import redact
from soda_tui.headless.commands import _with_session
from soda_tui.headless.output import emit_json, printable
from soda_tui.loop.autopilot import Autopilot, UpdateSink, WorkerUpdate
from soda_tui.loop.holding import hold_repo
from soda_tui.loop.results import ActionRefused, Exit
from soda_tui.loop.session import Session


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the autopilot over the configured (or chosen) repositories until signalled."""

    async def body(session: Session) -> int:
        names = session.repo_names()
        if args.repo:
            names = [session.context(name).repo for name in args.repo]
        if not names:
            raise ActionRefused(
                "no repositories are configured: run `soda-tui init OWNER/REPO`", Exit.USAGE
            )

        def show(update: WorkerUpdate) -> None:
            if args.json:
                emit_json(
                    {
                        "at": update.at.isoformat(),
                        "repo": update.repo,
                        "kind": update.kind,
                        "issue": update.issue,
                        "ok": update.ok,
                        "message": update.message,
                        **update.data,
                    }
                )
            elif update.kind != "board":
                mark = "" if update.ok else "! "
                line = f"{update.at:%H:%M:%S} {update.repo}: {mark}{update.message}"
                print(printable(redact(line)), flush=True)

        with contextlib.ExitStack() as held:
            # One agent per repository: refuse to start while another process runs any of them.
            locks = {
                str(name): held.enter_context(
                    hold_repo(session.paths, name, holder="soda-tui worker", refusal=Exit.USAGE)
                )
                for name in names
            }

            def show_and_beat(update: WorkerUpdate) -> None:
                if update.kind == "step" and update.repo in locks:
                    locks[update.repo].beat(issue=update.issue)
                show(update)

            await serve(session, names, show_and_beat, args.ticks)
        return 0

    return asyncio.run(_with_session(args, "worker", body))


async def serve(session: Session, names: list[RepoName], sink: UpdateSink, ticks: int) -> None:
    """Run the autopilot until its ticks are done or SIGINT/SIGTERM asks it to stop."""
    autopilot = Autopilot(session, names, sink)
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def request_stop() -> None:
        sys.stderr.write("soda-tui worker: stopping after the current step\n")
        stopping.append(loop.create_task(autopilot.shutdown()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop)
    try:
        await autopilot.run_forever(ticks)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
