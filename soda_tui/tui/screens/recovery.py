"""The recovery screen: every left-behind item across repositories, its details, and actions
(recovery PR, re-queue, archive, ignore) one at a time or in bulk, each confirmed first.

All I/O runs in workers that call the core (soda_tui.recovery) and post messages back; the
screen's handlers own its state. `Scanned` and `ActionsDone` bubble up so the app can refresh
its panes (orphan counts: soda_tui.recovery.models.orphan_counts).
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label
from textual.worker import Worker, WorkerState

from soda_tui.core.clock import Clock, SystemClock
from soda_tui.core.models import RepoName
from soda_tui.loop.context import RepoContext
from soda_tui.loop.results import ActionResult
from soda_tui.recovery import bulk
from soda_tui.recovery.details import ItemDetail, inspect_item
from soda_tui.recovery.ignore import IgnoreStore
from soda_tui.recovery.models import (
    DESTRUCTIVE_ACTIONS,
    OrphanItem,
    RecoveryAction,
    Scan,
    orphan_counts,
)
from soda_tui.recovery.patterns import DEFAULT_BRANCH_PATTERNS
from soda_tui.recovery.scan import scan_repositories
from soda_tui.tui.widgets.recovery_confirm import RecoveryConfirm
from soda_tui.tui.widgets.recovery_details import RecoveryDetails
from soda_tui.tui.widgets.recovery_table import RecoveryTable

WORKER_GROUP = "recovery"


class RecoveryScreen(Screen[None]):
    """Lists what a recovery scan found and acts on it after asking."""

    DEFAULT_CSS = """
    RecoveryScreen #recovery-summary {
        width: 100%;
        padding: 0 1;
        color: $text-muted;
    }
    RecoveryScreen #recovery-summary.-problem {
        color: $text-error;
    }
    RecoveryScreen #recovery-body {
        height: 1fr;
    }
    RecoveryScreen RecoveryTable {
        width: 2fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="recovery.back"),
        Binding("r", "rescan", "Rescan", id="recovery.rescan"),
        Binding("space", "toggle_mark", "Mark", id="recovery.mark", tooltip="Mark for bulk"),
        Binding("a", "mark_all", "Mark all", id="recovery.mark_all"),
        Binding("p", "act('pr')", "Recovery PR", id="recovery.pr"),
        Binding("u", "act('requeue')", "Re-queue", id="recovery.requeue"),
        Binding("x", "act('archive')", "Archive", id="recovery.archive"),
        Binding("i", "act('ignore')", "Ignore", id="recovery.ignore"),
        Binding("h", "toggle_ignored", "Show ignored", id="recovery.show_ignored"),
    ]

    class Scanned(Message):
        """A scan finished; `counts` are the per-repository orphan counts for the grid."""

        def __init__(self, scan: Scan) -> None:
            super().__init__()
            self.scan = scan
            self.counts: dict[RepoName, int] = orphan_counts(scan)

    class ScanProgress(Message):
        """A line of progress from a running scan (coalesced: only the newest matters)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RecoveryScreen.ScanProgress)

    class Inspected(Message):
        """An item's commits and diffstat were read."""

        def __init__(self, detail: ItemDetail) -> None:
            super().__init__()
            self.detail = detail

    class ActionsDone(Message):
        """Recovery actions finished (one result per item)."""

        def __init__(self, action: RecoveryAction, results: list[ActionResult]) -> None:
            super().__init__()
            self.action = action
            self.results = results

    def __init__(
        self,
        contexts: Mapping[str, RepoContext],
        *,
        ignore: IgnoreStore,
        patterns: Sequence[str] = DEFAULT_BRANCH_PATTERNS,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        if not contexts:
            raise ValueError("the recovery screen needs at least one repository")
        self.contexts = dict(contexts)
        self.ignore = ignore
        self.patterns = tuple(patterns)
        self.clock = clock or next(iter(self.contexts.values())).clock or SystemClock()
        self.scan: Scan | None = None
        self.marked: set[str] = set()
        self.show_ignored = False
        self.busy: str | None = None
        self.last_results: list[ActionResult] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Scanning…", id="recovery-summary", markup=False)
        with Horizontal(id="recovery-body"):
            yield RecoveryTable(id="recovery-table")
            yield RecoveryDetails(id="recovery-details")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "recovery"
        self.query_one(RecoveryTable).focus()
        self.action_rescan()

    # -- reading ------------------------------------------------------------------------------

    @property
    def visible_items(self) -> list[OrphanItem]:
        """The items the table lists, in order."""
        if self.scan is None:
            return []
        return self.scan.items if self.show_ignored else self.scan.visible_items

    @property
    def highlighted(self) -> OrphanItem | None:
        """The item under the cursor."""
        key = self.query_one(RecoveryTable).highlighted_key
        return self.scan.find(key) if self.scan is not None and key else None

    def _start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self.busy = name
        self.run_worker(work, name=name, group=WORKER_GROUP, exclusive=True, exit_on_error=False)

    def action_rescan(self) -> None:
        """Scan every repository again."""
        self._say("Scanning…")
        self._start(self._scan(), "recovery-scan")

    async def _scan(self) -> None:
        def progress(text: str) -> None:
            self.post_message(self.ScanProgress(text))

        scan = await scan_repositories(
            list(self.contexts.values()),
            patterns=self.patterns,
            ignore=self.ignore,
            progress=progress,
        )
        self.post_message(self.Scanned(scan))

    def on_recovery_screen_scan_progress(self, message: ScanProgress) -> None:
        if self.busy == "recovery-scan":
            self._say(message.text + "…")

    def on_recovery_screen_scanned(self, message: Scanned) -> None:
        self.busy = None
        self.scan = message.scan
        self.marked &= {item.key for item in self.visible_items}
        self._fill()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.query_one(RecoveryDetails).show_item(self.highlighted, self.clock.now())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.highlighted
        if item is None or item.branch is None:
            return
        self.query_one(RecoveryDetails).show_loading(item)
        self._start(self._inspect(item), "recovery-inspect")

    async def _inspect(self, item: OrphanItem) -> None:
        assert self.scan is not None
        repo_scan = next(r for r in self.scan.repos if r.repo == item.repo)
        ctx = self.contexts[str(item.repo)]
        self.post_message(self.Inspected(await inspect_item(ctx, item, repo_scan.default_branch)))

    def on_recovery_screen_inspected(self, message: Inspected) -> None:
        self.busy = None
        details = self.query_one(RecoveryDetails)
        if details.shown_key == message.detail.item.key:
            details.show_detail(message.detail)

    # -- choosing -----------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        """Mark or unmark the highlighted item for a bulk action."""
        item = self.highlighted
        if item is None:
            return
        if item.key in self.marked:
            self.marked.discard(item.key)
        else:
            self.marked.add(item.key)
        self.query_one(RecoveryTable).set_mark(item, item.key in self.marked)
        self._summarize()

    def action_mark_all(self) -> None:
        """Mark every listed item, or clear the marks when all are marked."""
        keys = {item.key for item in self.visible_items}
        self.marked = set() if keys and keys <= self.marked else keys
        self._fill()

    def action_toggle_ignored(self) -> None:
        """Show or hide the items you ignored."""
        self.show_ignored = not self.show_ignored
        self._fill()

    def action_back(self) -> None:
        """Return to where the screen was opened from."""
        self.dismiss(None)

    # -- acting -------------------------------------------------------------------------------

    def chosen_items(self) -> list[OrphanItem]:
        """The marked items (in list order), or the highlighted one when none is marked."""
        if self.marked:
            return [item for item in self.visible_items if item.key in self.marked]
        item = self.highlighted
        return [item] if item is not None else []

    def action_act(self, name: str) -> None:
        """Ask before carrying out `name` on the chosen items."""
        if self.busy is not None:
            self.notify("Wait for the current scan or action to finish", severity="warning")
            return
        action = RecoveryAction(name)
        items = self.chosen_items()
        steps = bulk.plan(items, action)
        if not steps:
            what = "the marked items" if self.marked else "this item"
            self.notify(f"{action.value} does not apply to {what}", severity="warning")
            return
        skipped = len(items) - len(steps)
        note = (
            f"{skipped} chosen item(s) are skipped: {action.value} does not apply."
            if skipped
            else ""
        )
        destructive = action in DESTRUCTIVE_ACTIONS
        if action is RecoveryAction.ARCHIVE:
            note = (
                note + " " if note else ""
            ) + "Each branch is tagged first; nothing else is lost."
        title = f"{action.value.capitalize()} {len(steps)} item(s)?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._say(f"{action.value}: working on {len(steps)} item(s)…")
                self._start(self._apply(action, steps), "recovery-apply")
            else:
                self._say("Cancelled: nothing was changed.")

        self.app.push_screen(
            RecoveryConfirm(
                title, [step.description for step in steps], note, destructive=destructive
            ),
            answered,
        )

    async def _apply(self, action: RecoveryAction, steps: list[bulk.PlannedStep]) -> None:
        results = await bulk.apply(self.contexts, steps, confirmed=True, ignore=self.ignore)
        self.post_message(self.ActionsDone(action, results))

    def on_recovery_screen_actions_done(self, message: ActionsDone) -> None:
        self.busy = None
        self.last_results = message.results
        failed = [result for result in message.results if not result.ok]
        done = len(message.results) - len(failed)
        text = f"{message.action.value}: {done} done"
        if failed:
            text += f", {len(failed)} failed: {failed[0].message}"
        self.notify(text, severity="error" if failed else "information")
        self.marked.clear()
        self.action_rescan()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or event.state != WorkerState.ERROR:
            return
        self.busy = None
        error = event.worker.error
        reason = getattr(error, "summary", None) or getattr(error, "message", None) or str(error)
        self._say(f"{event.worker.name.removeprefix('recovery-')} failed: {reason}", problem=True)
        self.notify(f"Recovery failed: {reason}", severity="error")

    # -- showing ------------------------------------------------------------------------------

    def _say(self, text: str, *, problem: bool = False) -> None:
        summary = self.query_one("#recovery-summary", Label)
        summary.update(text)
        summary.set_class(problem, "-problem")

    def _summarize(self) -> None:
        if self.scan is None:
            return
        items = self.visible_items
        repos = len(self.scan.repos)
        text = (
            f"{len(items)} item(s) in {repos} repositories ({self.scan.requests} GitHub requests)"
        )
        if self.marked:
            text += f" · {len(self.marked)} marked"
        hidden = len(self.scan.items) - len(self.scan.visible_items)
        if hidden and not self.show_ignored:
            text += f" · {hidden} ignored (h shows them)"
        problems = [p for r in self.scan.repos for p in r.problems]
        if problems:
            text += f" · note: {problems[0]}"
        self._say(text)

    def _fill(self) -> None:
        table = self.query_one(RecoveryTable)
        table.show(self.visible_items, self.marked, self.clock.now())
        self.query_one(RecoveryDetails).show_item(self.highlighted, self.clock.now())
        self._summarize()
