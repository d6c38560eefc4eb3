"""`soda-tui recover`, `sync` and `doctor` as functions of parsed arguments, over the same core
the recovery screen uses."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from soda_tui.loop.results import ActionRefused, ActionResult, Exit
from soda_tui.recovery.models import (
    DESTRUCTIVE_ACTIONS,
    OrphanItem,
    OrphanKind,
    RecoveryAction,
    Scan,
)

if TYPE_CHECKING:
    from soda_tui.loop.context import RepoContext
    from soda_tui.loop.session import Session
    from soda_tui.recovery.bulk import PlannedStep
    from soda_tui.recovery.ignore import IgnoreStore

SCAN, SHOW, UNIGNORE = "scan", "show", "unignore"
RECOVER_ACTIONS = (SCAN, SHOW, *(a.value for a in RecoveryAction), UNIGNORE)
AddCommand = Callable[[str, str, str], argparse.ArgumentParser]
Common = Callable[..., None]


def add_recovery_commands(add: AddCommand, common: Common) -> None:
    """Register `recover`, `sync` and `doctor` on the CLI (called from cli.build_parser)."""
    recover = add(
        "recover",
        "find left-behind work (orphaned branches, stale claims) and act on it safely",
        "soda_tui.headless.recovery_commands:cmd_recover",
    )
    common(recover, repo=False)
    recover.add_argument(
        "action",
        nargs="?",
        default=SCAN,
        choices=RECOVER_ACTIONS,
        help="scan (default), show an item, or act: pr, requeue, archive, ignore, unignore",
    )
    recover.add_argument(
        "targets",
        nargs="*",
        metavar="ITEM",
        help="branch name, #ISSUE or OWNER/REPO:BRANCH of the item(s) to act on",
    )
    recover.add_argument(
        "--repo", action="append", metavar="OWNER/REPO", help="only these (repeatable)"
    )
    recover.add_argument(
        "--match",
        action="append",
        metavar="GLOB",
        default=[],
        help="bulk: act on every item whose branch, #issue or key matches (repeatable)",
    )
    recover.add_argument(
        "--kind",
        action="append",
        default=[],
        choices=[kind.value for kind in OrphanKind],
        help="bulk: only items of this kind (repeatable)",
    )
    recover.add_argument(
        "--pattern",
        action="append",
        metavar="GLOB",
        default=[],
        help="agent branch patterns (default: the config's defaults.recovery_patterns, "
        "agent001/*, agent*/* and work-*)",
    )
    recover.add_argument("--include-ignored", action="store_true", help="show ignored items too")
    recover.add_argument(
        "--apply", action="store_true", help="bulk: act (the default is a dry run)"
    )
    recover.add_argument("--dry-run", action="store_true", help="only list what would be done")
    recover.add_argument(
        "--yes", action="store_true", help="confirm destructive actions (archive, requeue)"
    )
    sync = add(
        "sync",
        "reconcile journals, parks and locks with GitHub and report every difference",
        "soda_tui.headless.recovery_commands:cmd_sync",
    )
    common(sync, repo=False)
    sync.add_argument(
        "--repo", action="append", metavar="OWNER/REPO", help="only these (repeatable)"
    )
    sync.add_argument(
        "--resolve",
        choices=("github-wins", "local-wins"),
        default="github-wins",
        help="who wins a disagreement: GitHub (default; unfinished actions are dropped) or "
        "local state (unfinished actions are resumed)",
    )
    doctor = add(
        "doctor",
        "check the token, endpoint, access, labels, config, workspaces, git and agents",
        "soda_tui.headless.recovery_commands:cmd_doctor",
    )
    common(doctor, repo=False)


def say(text: str) -> None:
    """Print plain output: secrets masked, control characters from user data made visible."""
    from soda_tui.core.secrets import redact
    from soda_tui.headless.output import printable

    for line in text.splitlines() or [""]:
        sys.stdout.write(printable(redact(line)) + "\n")
    sys.stdout.flush()


def _contexts(session: Session, requested: list[str] | None) -> list[RepoContext]:
    if requested:
        return [session.context(name) for name in requested]
    names = session.repo_names()
    if not names:
        raise ActionRefused(
            "no repositories are configured: run `soda-tui init OWNER/REPO`", Exit.USAGE
        )
    return [session.context(name) for name in names]


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def item_line(item: OrphanItem, now: datetime) -> str:
    """One plain line per item: kind, what, issue, PR, age, author, why, and what can be done."""
    what = item.branch or f"#{item.issue_number}"
    parts = [f"[{item.kind.value}] {what}"]
    if item.branch:
        parts.append(f"{item.ahead} ahead")
    if item.unpushed:
        parts.append(f"{item.unpushed} only local")
    if item.issue and item.branch:
        parts.append(f"#{item.issue.number}" + (f" {item.issue.title}" if item.issue.title else ""))
    elif item.issue and item.issue.title:
        parts.append(item.issue.title)
    if item.pull:
        parts.append(
            f"PR #{item.pull.number} {'merged' if item.pull.merged else item.pull.state.lower()}"
        )
    parts.append(f"age {_age(item.age_seconds(now))}")
    if item.author:
        parts.append(item.author)
    ignored = " (ignored)" if item.ignored else ""
    actions = "/".join(action.value for action in item.actions)
    return f"  {' · '.join(parts)}{ignored}\n      {item.reason}; can: {actions}"


def _print_scan(scan: Scan) -> None:
    for repo_scan in scan.repos:
        shown = list(repo_scan.items)
        say(f"{repo_scan.repo}: {len(shown)} item(s) in {repo_scan.branches_seen} branches")
        for problem in repo_scan.problems:
            say(f"  note: {problem}")
        for item in shown:
            say(item_line(item, scan.scanned_at))
    say(f"({scan.requests} GitHub requests)")


def _find(scan: Scan, target: str, repos: list[RepoContext]) -> OrphanItem:
    candidates = [
        item
        for item in scan.items
        if target in (item.key, item.branch, f"#{item.issue_number}" if item.issue_number else None)
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ActionRefused(
            f"no item {target!r} in the scan of {', '.join(str(c.repo) for c in repos)}; "
            "run `soda-tui recover` to list them",
            Exit.USAGE,
        )
    raise ActionRefused(
        f"{target!r} names {len(candidates)} items ({', '.join(i.key for i in candidates)}): "
        "use OWNER/REPO:BRANCH",
        Exit.USAGE,
    )


def cmd_recover(args: argparse.Namespace) -> int:
    """`soda-tui recover`: scan, show, or act on items (bulk runs are dry runs unless --apply)."""
    from soda_tui.headless.commands import _with_session
    from soda_tui.headless.output import emit, emit_json
    from soda_tui.recovery import bulk
    from soda_tui.recovery.details import inspect_item
    from soda_tui.recovery.ignore import IgnoreFileError, IgnoreStore
    from soda_tui.recovery.scan import scan_repositories

    async def body(session: Session) -> int:
        contexts = _contexts(session, args.repo)
        store = IgnoreStore(session.paths.ignored_file)
        try:
            if args.action == UNIGNORE:
                return _unignore(store, args, contexts)
            scan = await scan_repositories(
                contexts,
                patterns=tuple(args.pattern) or session.config.defaults.recovery_patterns,
                ignore=store,
                progress=session.progress,
            )
        except IgnoreFileError as error:
            raise ActionRefused(str(error), Exit.USAGE) from None
        if args.action == SCAN:
            return _report_scan(scan, args)
        by_repo = {str(ctx.repo): ctx for ctx in contexts}
        if args.action == SHOW:
            if len(args.targets) != 1:
                raise ActionRefused(
                    "show needs one item: a branch, #ISSUE or OWNER/REPO:BRANCH", Exit.USAGE
                )
            item = _find(scan, args.targets[0], contexts)
            repo_scan = next(r for r in scan.repos if r.repo == item.repo)
            detail = await inspect_item(by_repo[str(item.repo)], item, repo_scan.default_branch)
            if args.json:
                emit_json({"action": "recover", "ok": True, **detail.to_json()})
            else:
                say("\n".join(detail.lines()))
            return 0
        action = RecoveryAction(args.action)
        if args.targets:
            items = [_find(scan, target, contexts) for target in args.targets]
            steps = bulk.plan(items, action)
            dry_run = args.dry_run
        else:
            if not args.match and not args.kind:
                raise ActionRefused(
                    f"{action.value} needs items: name them, or choose with --match/--kind",
                    Exit.USAGE,
                )
            items = bulk.select(
                scan,
                match=args.match,
                kinds=[OrphanKind(k) for k in args.kind],
                include_ignored=args.include_ignored,
            )
            steps = bulk.plan(items, action)
            dry_run = args.dry_run or not args.apply
        if not steps:
            return emit(
                ActionResult(
                    "recover", "", Exit.NOTHING, f"no item matches that {action.value} applies to"
                ),
                as_json=args.json,
            )
        if dry_run:
            return _report_plan(steps, args)
        if action in DESTRUCTIVE_ACTIONS and not args.yes:
            raise ActionRefused(
                f"{action.value} of {len(steps)} item(s) needs --yes: "
                + "; ".join(step.description for step in steps[:3]),
                Exit.USAGE,
            )
        results = await bulk.apply(by_repo, steps, confirmed=args.yes, ignore=store)
        return _report_results(results, args)

    return asyncio.run(_with_session(args, "recover", body))


def _unignore(store: IgnoreStore, args: argparse.Namespace, contexts: list[RepoContext]) -> int:
    from soda_tui.headless.output import emit

    if not args.targets:
        raise ActionRefused(
            "unignore needs an item: OWNER/REPO:BRANCH or OWNER/REPO:#N", Exit.USAGE
        )
    keys = store.keys()
    removed = []
    for target in args.targets:
        matches = [key for key in keys if key == target or key.split(":", 1)[-1] == target]
        if len(contexts) == 1 and not matches:
            matches = (
                [f"{contexts[0].repo}:{target}"] if f"{contexts[0].repo}:{target}" in keys else []
            )
        removed += [key for key in matches if store.remove(key)]
    if not removed:
        return emit(
            ActionResult("recover", "", Exit.NOTHING, "none of those items was ignored"),
            as_json=args.json,
        )
    return emit(
        ActionResult(
            "recover",
            "",
            Exit.DONE,
            f"no longer ignored: {', '.join(removed)}",
            {"unignored": removed},
        ),
        as_json=args.json,
    )


def _report_scan(scan: Scan, args: argparse.Namespace) -> int:
    from soda_tui.headless.output import emit_json

    shown = scan.items if args.include_ignored else scan.visible_items
    code = Exit.DONE if shown else Exit.NOTHING
    if args.json:
        payload = scan.to_json()
        if not args.include_ignored:
            for repo in payload["repos"]:
                repo["items"] = [item for item in repo["items"] if not item["ignored"]]
        emit_json({"action": "recover", "ok": True, "exit_code": int(code), **payload})
        return int(code)
    if not args.include_ignored:
        visible = tuple(
            replace(repo_scan, items=tuple(i for i in repo_scan.items if not i.ignored))
            for repo_scan in scan.repos
        )
        scan = replace(scan, repos=visible)
    _print_scan(scan)
    return int(code)


def _report_plan(steps: list[PlannedStep], args: argparse.Namespace) -> int:
    from soda_tui.headless.output import emit_json

    if args.json:
        emit_json(
            {
                "action": "recover",
                "ok": True,
                "dry_run": True,
                "exit_code": 0,
                "steps": [step.to_json() for step in steps],
            }
        )
    else:
        say(f"dry run: {len(steps)} step(s) would be taken (add --apply to act):")
        for step in steps:
            say(f"  {step.description}")
    return 0


def _report_results(results: list[ActionResult], args: argparse.Namespace) -> int:
    from soda_tui.headless.output import emit_json

    code = max((int(result.exit_code) for result in results), default=0)
    if args.json:
        emit_json(
            {
                "action": "recover",
                "ok": code == 0,
                "exit_code": code,
                "results": [result.to_json() for result in results],
            }
        )
    else:
        for result in results:
            say(("" if result.ok else "! ") + result.message)
    return code


def cmd_sync(args: argparse.Namespace) -> int:
    """`soda-tui sync`: reconcile local state with GitHub and report every difference."""
    from soda_tui.headless.commands import _with_session
    from soda_tui.headless.output import emit_json
    from soda_tui.loop.sync import sync

    async def body(session: Session) -> int:
        report = await sync(_contexts(session, args.repo), resolve=args.resolve)
        if args.json:
            emit_json(report.to_json())
        else:
            say("\n".join(report.lines()))
        return int(report.exit_code)

    return asyncio.run(_with_session(args, "sync", body))


def cmd_doctor(args: argparse.Namespace) -> int:
    """`soda-tui doctor`: every check with a one-line fix for each failure; exit 1 on any."""
    from soda_tui.doctor.run import run_doctor
    from soda_tui.headless.commands import _config_arg
    from soda_tui.headless.output import emit_json

    report = asyncio.run(run_doctor(_config_arg(args)))
    if args.json:
        emit_json(report.to_json())
    else:
        say("\n".join(report.lines()))
    return int(report.exit_code)
