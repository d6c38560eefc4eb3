"""The dashboard: one pane per repository, a status line, every action one key away."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header

from soda_tui.tui.model import REPO_ACTIONS
from soda_tui.tui.widgets.pane_grid import PaneGrid
from soda_tui.tui.widgets.repo_pane import RepoPane
from soda_tui.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from soda_tui.tui.app import SodaApp


def pane_id(index: int) -> str:
    """The DOM id of the pane at `index` (repository names are not valid ids)."""
    return f"pane-{index}"


class DashboardScreen(Screen[None]):
    """The grid; its keys act on the focused pane's repository."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "repo('pop')", "Pop", id="pop", tooltip="Claim the next queued issue"),
        Binding("r", "repo('run')", "Run", id="run", tooltip="Run the agent on the claimed issue"),
        Binding(
            "b",
            "repo('bottle')",
            "Bottle",
            id="bottle",
            tooltip="Push the branch, open the pull request, mark the issue in review",
        ),
        Binding(
            "l",
            "repo('land')",
            "Land",
            id="land",
            tooltip="Merge the open pull request once its gate holds (asks first)",
        ),
        Binding(
            "a",
            "repo('autopilot')",
            "Autopilot",
            id="autopilot",
            tooltip="Turn this repository's unattended loop on or off",
        ),
        Binding(
            "c",
            "repo('cancel')",
            "Cancel",
            id="cancel",
            tooltip="Stop the running agent (asks first)",
        ),
        Binding(
            "u", "repo('unpark')", "Unpark", id="unpark", tooltip="Cancel a usage-limit park now"
        ),
        Binding(
            "ctrl+r",
            "app.refresh_board",
            "Refresh",
            id="refresh",
            key_display="^r",
            tooltip="Read every repository from GitHub now (one request)",
        ),
        Binding(
            "q",
            "app.open_queue",
            "Queue",
            id="queue",
            tooltip="Every repository's queue; pop a chosen issue",
        ),
        Binding(
            "t",
            "traces",
            "Traces",
            id="traces",
            tooltip="The trace of this repository's current or last run (span tree, timings, errors)",
        ),
        Binding(
            "m",
            "app.open_metrics",
            "Metrics",
            id="metrics",
            show=False,
            tooltip="Issues landed, time to land, success and blocked rates, agent runs, API use",
        ),
        Binding(
            "o",
            "app.open_recovery",
            "Recover",
            id="recover",
            tooltip="Left-behind branches and claims across repositories, with safe actions",
        ),
        Binding(
            "enter",
            "logs",
            "Logs",
            id="logs",
            key_display="⏎",
            tooltip="The live output of this repository's run",
        ),
        Binding(
            "question_mark,f1",
            "app.open_help",
            "Help",
            id="help",
            key_display="?",
            tooltip="Every key and what the badges mean",
        ),
        Binding("left", "move(-1, 0)", "Left", show=False, id="focus.left"),
        Binding("right", "move(1, 0)", "Right", show=False, id="focus.right"),
        Binding("up", "move(0, -1)", "Up", show=False, id="focus.up"),
        Binding("down", "move(0, 1)", "Down", show=False, id="focus.down"),
    ]

    def __init__(self, repos: list[str]) -> None:
        super().__init__()
        self.repos = repos

    @property
    def soda(self) -> SodaApp:
        """The app, typed."""
        return cast("SodaApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with PaneGrid(id="grid"):
            for index, repo in enumerate(self.repos):
                yield RepoPane(repo, id=pane_id(index))
        yield StatusLine(tz=self.soda.tz, id="status")
        yield Footer()

    def on_mount(self) -> None:
        panes = list(self.query(RepoPane))
        if panes:
            panes[0].focus()
        self.soda.dashboard_ready()

    def on_unmount(self) -> None:
        self.soda.dashboard_gone()

    @property
    def focused_repo(self) -> str | None:
        """The repository of the focused pane (the first one when focus is elsewhere)."""
        if isinstance(self.focused, RepoPane):
            return self.focused.repo
        return self.repos[0] if self.repos else None

    def pane(self, repo: str) -> RepoPane | None:
        """The pane of `repo`, or None while the screen is being built or torn down."""
        found = self.query(f"#{pane_id(self.repos.index(repo))}")
        pane = found.first() if found else None
        return pane if isinstance(pane, RepoPane) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None shows the key dimmed in the footer; pressing it then says why (see on_key).
        if action == "repo" and parameters:
            name = str(parameters[0])
            repo = self.focused_repo
            if repo is None or self.soda.refusal(name, repo):
                return None
        return True

    def on_key(self, event: events.Key) -> None:
        active = self.active_bindings.get(event.key)
        if active is None or active.node is not self or active.enabled:
            return
        name = active.binding.id
        repo = self.focused_repo
        if name in REPO_ACTIONS and repo is not None:
            event.stop()
            reason = self.soda.refusal(name, repo)
            if reason:
                self.notify(
                    reason,
                    title=f"{active.binding.description}: not now",
                    severity="warning",
                    markup=False,
                )

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # The footer's enabled keys depend on which repository has focus.
        self.refresh_bindings()

    def action_repo(self, name: str) -> None:
        """Run a repository action on the focused pane."""
        repo = self.focused_repo
        if repo is not None:
            self.soda.request(name, repo)

    def action_logs(self) -> None:
        """Open the focused repository's logs."""
        repo = self.focused_repo
        if repo is not None:
            self.soda.open_logs(repo)

    def action_traces(self) -> None:
        """Open the focused repository's current or last run trace."""
        self.soda.open_traces(self.focused_repo)

    def action_move(self, dx: int, dy: int) -> None:
        """Move focus to the neighbouring pane in the grid."""
        panes = list(self.query(RepoPane))
        if not panes:
            return
        current = panes.index(self.focused) if self.focused in panes else 0
        columns = self.query_one(PaneGrid).columns
        target = current + dx + dy * columns
        if 0 <= target < len(panes):
            panes[target].focus()
