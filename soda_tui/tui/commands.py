"""The command palette: every action on every repository, plus the screens; unavailable ones say why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from soda_tui.tui.model import REPO_ACTIONS

if TYPE_CHECKING:
    from soda_tui.tui.app import SodaApp

ACTION_TITLES = {
    "pop": ("Pop", "claim the next queued issue"),
    "run": ("Run", "run the agent on the claimed issue"),
    "bottle": ("Bottle", "push, open the pull request, mark in review"),
    "land": ("Land", "merge the open pull request once its gate holds"),
    "autopilot": ("Toggle autopilot", "turn the unattended loop on or off"),
    "cancel": ("Cancel agent", "stop the running agent"),
    "unpark": ("Unpark", "cancel a usage-limit park now"),
}


@dataclass(frozen=True)
class PaletteEntry:
    """One palette line: its text, its help (or why it cannot run now) and what it does."""

    text: str
    help: str
    run: Callable[[], object]


class DashboardCommands(Provider):
    """Repository actions (`Pop · acme/api`) and the dashboard's screens."""

    @property
    def soda(self) -> SodaApp:
        """The app, typed."""
        return cast("SodaApp", self.app)

    def entries(self) -> list[PaletteEntry]:
        """Everything the palette offers now, the focused repository's actions first."""
        app = self.soda
        focused = app.focused_repo()
        repos = sorted(app.repos, key=lambda repo: repo != focused)
        found: list[PaletteEntry] = []
        for repo in repos:
            for action in REPO_ACTIONS:
                title, description = ACTION_TITLES[action]
                reason = app.refusal(action, repo)
                found.append(
                    PaletteEntry(
                        f"{title} · {repo}",
                        f"unavailable: {reason}" if reason else description,
                        # Through the palette a refused action still runs `request`, which says why.
                        partial(app.request, action, repo),
                    )
                )
        found += [
            PaletteEntry(
                "Refresh", "read every repository from GitHub now", app.action_refresh_board
            ),
            PaletteEntry(
                "Queue", "every repository's queue; pop a chosen issue", app.action_open_queue
            ),
            PaletteEntry(
                "Metrics",
                "issues landed, time to land, success and blocked rates, API use",
                app.action_open_metrics,
            ),
            PaletteEntry(
                "Traces", "recent traces of every repository, as span trees", app.open_traces
            ),
            PaletteEntry(
                "Recover",
                "left-behind branches and claims, with actions that archive before deleting",
                app.action_open_recovery,
            ),
            PaletteEntry("Help", "every key and what the badges mean", app.action_open_help),
        ]
        found += [
            PaletteEntry(
                f"Logs · {repo}",
                "the live output of this repository's run",
                partial(app.open_logs, repo),
            )
            for repo in repos
        ]
        return found

    async def discover(self) -> Hits:
        for entry in self.entries():
            yield DiscoveryHit(entry.text, entry.run, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self.entries():
            score = matcher.match(entry.text)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.text), entry.run, help=entry.help)
