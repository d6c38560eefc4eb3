"""Each subcommand as a function of parsed arguments, over the same core the dashboard uses."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from soda_tui.agents.journal import JournalError
from soda_tui.agents.presets import AgentConfigError
from soda_tui.git.errors import GitError
from soda_tui.github.errors import BadCredentials, GitHubError, MissingToken, NotFound
from soda_tui.headless.crashlog import unexpected_message, write_crash_log
from soda_tui.headless.output import emit, emit_error, emit_json, printable
from soda_tui.headless.progress import StderrProgress
from soda_tui.loop.context import RepoContext
from soda_tui.loop.holding import hold_repo
from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.loop.session import Session
from soda_tui.settings.errors import ConfigError, UnknownRepo

RepoAction = Callable[[RepoContext, argparse.Namespace], Awaitable[ActionResult]]


def _config_arg(args: argparse.Namespace) -> Path | None:
    return Path(args.config) if getattr(args, "config", None) else None


def exit_code_for(error: BaseException) -> Exit:
    """Map a typed failure to PRODUCT.md's exit codes."""
    if isinstance(error, ActionRefused):
        return error.exit_code
    if isinstance(
        error,
        ConfigError | UnknownRepo | MissingToken | BadCredentials | NotFound | AgentConfigError,
    ):
        return Exit.USAGE
    if isinstance(error, JournalError):
        return Exit.FAILURE
    return Exit.FAILURE


async def _with_session(
    args: argparse.Namespace, command: str, body: Callable[[Session], Awaitable[int]]
) -> int:
    as_json = bool(getattr(args, "json", False))
    progress = StderrProgress()
    session: Session | None = None
    try:
        session = Session.open(_config_arg(args))
        session.progress = progress
        return await body(session)
    except (
        ActionRefused,
        ConfigError,
        UnknownRepo,
        GitHubError,
        GitError,
        JournalError,
        AgentConfigError,
    ) as error:
        message = error.message if isinstance(error, ActionRefused) else str(error)
        if isinstance(error, ActionRefused) and error.exit_code == Exit.NOTHING:
            result = ActionResult(
                command, getattr(args, "repo", None) or "", Exit.NOTHING, message, dict(error.data)
            )
            return emit(result, as_json=as_json)
        return emit_error(message, exit_code_for(error), as_json=as_json, command=command)
    except Exception as error:  # never a traceback to the user
        state_dir = session.paths.state_dir if session is not None else None
        log_path = write_crash_log(error, state_dir)
        return emit_error(
            unexpected_message(error, log_path), Exit.FAILURE, as_json=as_json, command=command
        )
    finally:
        progress.close()
        if session is not None:
            await session.aclose()


def run_repo_action(args: argparse.Namespace, command: str, action: RepoAction) -> int:
    """Run one action on the chosen repository and print its result."""

    async def body(session: Session) -> int:
        ctx = session.choose(getattr(args, "repo", None))
        if command == "peek":  # reads only: no need to hold the repository
            return emit(await action(ctx, args), as_json=bool(getattr(args, "json", False)))
        with hold_repo(session.paths, ctx.repo, holder=f"soda-tui {command}"):
            result = await action(ctx, args)
        return emit(result, as_json=bool(getattr(args, "json", False)))

    return asyncio.run(_with_session(args, command, body))


def cmd_peek(args: argparse.Namespace) -> int:
    """`soda-tui peek`."""
    from soda_tui.loop.pop import peek

    return run_repo_action(args, "peek", lambda ctx, _a: peek(ctx))


def cmd_pop(args: argparse.Namespace) -> int:
    """`soda-tui pop`."""
    from soda_tui.loop.pop import pop

    return run_repo_action(args, "pop", lambda ctx, a: pop(ctx, a.issue))


def cmd_run(args: argparse.Namespace) -> int:
    """`soda-tui run`: the agent's output streams to stderr unless --quiet."""
    from soda_tui.agents.events import LogLine
    from soda_tui.loop.run import run

    def show(event: object) -> None:
        if isinstance(event, LogLine) and not args.quiet and not args.json:
            import sys

            sys.stderr.write(event.text + "\n")

    return run_repo_action(args, "run", lambda ctx, a: run(ctx, a.issue, on_event=show))


def cmd_bottle(args: argparse.Namespace) -> int:
    """`soda-tui bottle`."""
    from soda_tui.loop.bottle import bottle

    return run_repo_action(args, "bottle", lambda ctx, a: bottle(ctx, a.issue))


def cmd_land(args: argparse.Namespace) -> int:
    """`soda-tui land`."""
    from soda_tui.loop.land import land

    return run_repo_action(args, "land", lambda ctx, a: land(ctx, a.issue))


def cmd_status(args: argparse.Namespace) -> int:
    """`soda-tui status`: every configured repository in one request (`--metrics`: none)."""
    from soda_tui.loop.status import board_line, fetch_board

    if getattr(args, "metrics", False):
        from soda_tui.telemetry.entry import metrics_for_config
        from soda_tui.telemetry.views import metrics_lines

        try:
            report = metrics_for_config(_config_arg(args), repos=args.repo)
        except ConfigError as error:
            return emit_error(str(error), Exit.USAGE, as_json=args.json, command="status")
        if args.json:
            emit_json({"action": "status", "ok": True, "metrics": report.to_json()})
        else:
            for line in metrics_lines(report):
                print(printable(line))
        return int(Exit.DONE)

    async def body(session: Session) -> int:
        names = session.repo_names()
        if args.repo:
            names = [n for n in names if str(n) in set(args.repo)] or [
                session.context(args.repo[0]).repo
            ]
        if not names:
            raise ActionRefused(
                "no repositories are configured: run `soda-tui init OWNER/REPO`", Exit.USAGE
            )
        snapshot = await fetch_board(session.client, names)
        if args.json:
            emit_json(
                {
                    "action": "status",
                    "ok": True,
                    "repos": [board.to_json() for board in snapshot.boards],
                    "rate_limit": {
                        "remaining": snapshot.remaining,
                        "limit": snapshot.limit,
                        "reset_at": snapshot.reset_at,
                    },
                    "requests": session.client.request_count,
                }
            )
        else:
            for board in snapshot.boards:
                print(printable(board_line(board)))
            print(f"GitHub budget: {snapshot.remaining}/{snapshot.limit} points left")
        return 0 if all(board.found for board in snapshot.boards) else int(Exit.USAGE)

    return asyncio.run(_with_session(args, "status", body))


def cmd_init(args: argparse.Namespace) -> int:
    """`soda-tui init OWNER/REPO`."""
    from soda_tui.core.models import RepoName
    from soda_tui.loop.setup import init_repo

    async def body(session: Session) -> int:
        try:
            repo = RepoName.parse(args.name)
        except ValueError as error:
            raise ActionRefused(str(error), Exit.USAGE) from None
        return emit(await init_repo(session.client, repo, session.config_file), as_json=args.json)

    return asyncio.run(_with_session(args, "init", body))


def cmd_add(args: argparse.Namespace) -> int:
    """`soda-tui add OWNER/REPO`: add to the config without touching GitHub."""
    from soda_tui.core.models import RepoName
    from soda_tui.settings.editing import add_repo
    from soda_tui.settings.loading import config_path

    try:
        repo = RepoName.parse(args.name)
        file = config_path(_config_arg(args))
        overrides = {
            key: value
            for key, value in (("agent", args.agent), ("autopilot", args.autopilot))
            if value is not None
        }
        added = add_repo(file, str(repo), **overrides)
    except (ValueError, ConfigError) as error:
        return emit_error(str(error), Exit.USAGE, as_json=args.json, command="add")
    message = f"{repo} {'added to' if added else 'is already in'} {file}"
    return emit(
        ActionResult("add", str(repo), Exit.DONE, message, {"added": added}), as_json=args.json
    )


def cmd_remove(args: argparse.Namespace) -> int:
    """`soda-tui remove OWNER/REPO`."""
    from soda_tui.settings.editing import remove_repo
    from soda_tui.settings.loading import config_path

    try:
        file = config_path(_config_arg(args))
        remove_repo(file, args.name)
    except (ConfigError, UnknownRepo) as error:
        return emit_error(str(error), Exit.USAGE, as_json=args.json, command="remove")
    return emit(
        ActionResult("remove", args.name, Exit.DONE, f"{args.name} removed from {file}"),
        as_json=args.json,
    )
