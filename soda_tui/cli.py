"""The `soda-tui` entry point: the dashboard by default, a subcommand per action for scripts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from soda_tui import __version__

EPILOG = (
    "Exit codes: 0 done, 1 nothing to do or gate not met, 2 usage or config error, "
    "3 GitHub or git failure after retries. The token comes from GH_TOKEN, GITHUB_TOKEN, "
    "`gh auth token`, or the config's token_env."
)


def _common(parser: argparse.ArgumentParser, *, repo: bool = True, issue: bool = False) -> None:
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: SODA_CONFIG or the user config dir)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    if repo:
        parser.add_argument(
            "--repo",
            metavar="OWNER/REPO",
            help="the repository (optional when one is configured or the cwd's remote names one)",
        )
    if issue:
        parser.add_argument(
            "--issue", type=int, metavar="N", help="the issue (default: the one the agent holds)"
        )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="soda-tui",
        description="Run one coding agent per GitHub repository through its issues.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"soda-tui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file for the dashboard")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str, handler: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, epilog=EPILOG)
        sub.set_defaults(handler=handler)
        return sub

    demo = add(
        "demo",
        "start localhub with seeded repositories and open the dashboard on them",
        "soda_tui.demo.command:run",
    )
    demo.add_argument("--fresh", action="store_true", help="start from new demo data")
    demo.add_argument("--port", type=int, default=0, help="localhub port (default: a free one)")
    demo.add_argument(
        "--headless",
        action="store_true",
        help="run the demo's autopilot without the dashboard and print what happens",
    )
    demo.add_argument(
        "--cycles", type=int, default=0, help="with --headless: stop after N worker ticks"
    )

    init = add(
        "init",
        "create the labels in OWNER/REPO, check access and add it to the config",
        "soda_tui.headless.commands:cmd_init",
    )
    init.add_argument("name", metavar="OWNER/REPO")
    _common(init, repo=False)
    add_cmd = add("add", "add a repository to the config", "soda_tui.headless.commands:cmd_add")
    add_cmd.add_argument("name", metavar="OWNER/REPO")
    add_cmd.add_argument("--agent", help="agent preset for this repository")
    add_cmd.add_argument("--autopilot", action=argparse.BooleanOptionalAction, default=None)
    _common(add_cmd, repo=False)
    remove = add(
        "remove", "remove a repository from the config", "soda_tui.headless.commands:cmd_remove"
    )
    remove.add_argument("name", metavar="OWNER/REPO")
    _common(remove, repo=False)

    _common(add("peek", "show the issue pop would take", "soda_tui.headless.commands:cmd_peek"))
    pop = add(
        "pop",
        "claim the next issue, create its branch and workspace",
        "soda_tui.headless.commands:cmd_pop",
    )
    _common(pop)
    pop.add_argument(
        "--issue", type=int, metavar="N", help="pop this queued issue instead of the next one"
    )
    run = add("run", "run the agent on the claimed issue", "soda_tui.headless.commands:cmd_run")
    _common(run, issue=True)
    run.add_argument(
        "--quiet", action="store_true", help="do not echo the agent's output to stderr"
    )
    _common(
        add(
            "bottle",
            "push the branch, open the pull request, mark the issue in review",
            "soda_tui.headless.commands:cmd_bottle",
        ),
        issue=True,
    )
    _common(
        add(
            "land",
            "merge a bottled pull request once its gate holds",
            "soda_tui.headless.commands:cmd_land",
        ),
        issue=True,
    )
    status = add(
        "status",
        "every repository's queue, work and pull requests (one request)",
        "soda_tui.headless.commands:cmd_status",
    )
    _common(status, repo=False)
    status.add_argument(
        "--repo", action="append", metavar="OWNER/REPO", help="only these (repeatable)"
    )
    status.add_argument(
        "--metrics",
        action="store_true",
        help="loop metrics from the local traces and journals (landed, time to land, "
        "success and blocked rates, run durations, GitHub requests); no GitHub request",
    )

    # recovery, sync, doctor
    from soda_tui.headless.recovery_commands import add_recovery_commands

    add_recovery_commands(add, _common)

    worker = add(
        "worker",
        "headless autopilot for one or more repositories (for a server)",
        "soda_tui.headless.worker_command:cmd_worker",
    )
    _common(worker, repo=False)
    worker.add_argument(
        "--repo", action="append", metavar="OWNER/REPO", help="only these (repeatable)"
    )
    worker.add_argument(
        "--ticks", type=int, default=0, help="stop after N polls (default: run until signalled)"
    )

    from soda_tui.localhub.command import add_arguments as localhub_arguments

    localhub = add(
        "localhub", "run the embedded GitHub on its own", "soda_tui.localhub.command:run"
    )
    localhub_arguments(localhub)
    return parser


def _resolve(target: str) -> Callable[[argparse.Namespace], int]:
    module_name, _, attribute = target.partition(":")
    module = __import__(module_name, fromlist=[attribute])
    return getattr(module, attribute)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run it; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        handler = _resolve("soda_tui.tui.launch:run_dashboard")
    else:
        handler = _resolve(args.handler)
    from soda_tui.telemetry.entry import traced_cli

    try:
        # Tracing is set up here only (domain code uses the OpenTelemetry API) and shut down
        # within about two seconds when the command ends, whatever the collector does.
        with traced_cli(args.command, getattr(args, "config", None)) as note_exit:
            return note_exit(int(handler(args) or 0))
    except KeyboardInterrupt:
        sys.stderr.write("soda-tui: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
