"""The recovery screen with Pilot, hosted in a tiny app, on real localhub data: select, inspect,
confirm, cancel, bulk, ignore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button
from tui_support import wait_until

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.recovery.ignore import IgnoreStore
from soda_tui.tui.screens.recovery import RecoveryScreen
from soda_tui.tui.widgets.recovery_confirm import RecoveryConfirm
from soda_tui.tui.widgets.recovery_details import RecoveryDetails
from soda_tui.tui.widgets.recovery_table import RecoveryTable
from tests.integration.test_recovery_support import RecoveryWorld, open_recovery_world


class Host(App[None]):
    """Hosts the recovery screen and keeps what it reports, as the dashboard would."""

    def __init__(self, world: RecoveryWorld) -> None:
        super().__init__()
        self.world = world
        self.counts: dict[RepoName, int] | None = None
        self.finished: list[Any] = []

    def on_mount(self) -> None:
        contexts = {str(name): self.world.ctx(name) for name in self.world.session.repo_names()}
        self.push_screen(
            RecoveryScreen(contexts, ignore=IgnoreStore(self.world.paths.ignored_file))
        )

    def on_recovery_screen_scanned(self, message: RecoveryScreen.Scanned) -> None:
        self.counts = message.counts

    def on_recovery_screen_actions_done(self, message: RecoveryScreen.ActionsDone) -> None:
        self.finished.append(message.results)


@pytest.fixture
async def world(localhub: LocalHub, hub_token: str, tmp_path: Path):
    recovery_world = open_recovery_world(localhub, hub_token, tmp_path, ["acme/api", "acme/web"])
    crafter = recovery_world.crafter()
    crafter.branch("agent001/10-work", 2)
    crafter.branch("agent001/11-empty", 0)
    crafter.branch("agent001/12-empty", 0)
    recovery_world.crafter(RepoName("acme", "web")).branch("work-4", 1)
    yield recovery_world
    await recovery_world.session.aclose()


def screen(pilot: Any) -> RecoveryScreen:
    current = pilot.app.screen
    assert isinstance(current, RecoveryScreen), type(current)
    return current


async def scanned(pilot: Any, rows: int) -> RecoveryScreen:
    await wait_until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, RecoveryScreen)
            and pilot.app.screen.scan is not None
            and pilot.app.screen.busy is None
            and pilot.app.screen.query_one(RecoveryTable).row_count == rows
        ),
        what=f"a scan with {rows} rows",
    )
    return screen(pilot)


async def highlight(pilot: Any, key: str) -> None:
    table = screen(pilot).query_one(RecoveryTable)
    table.move_cursor(row=table.keys.index(key))
    await pilot.pause()


async def test_the_scan_fills_the_table_and_reports_counts(world: RecoveryWorld) -> None:
    app = Host(world)
    async with app.run_test(size=(160, 40)) as pilot:
        recovery = await scanned(pilot, 4)
        table = recovery.query_one(RecoveryTable)
        assert table.keys == [
            "acme/api:agent001/10-work",
            "acme/api:agent001/11-empty",
            "acme/api:agent001/12-empty",
            "acme/web:work-4",
        ]
        assert app.counts == {RepoName("acme", "api"): 3, RepoName("acme", "web"): 1}
        summary = str(recovery.query_one("#recovery-summary").render())
        assert "4 item(s) in 2 repositories (1 GitHub requests)" in summary
        details = recovery.query_one(RecoveryDetails)
        assert details.shown_key == "acme/api:agent001/10-work"
        assert "2 commit(s) ahead and no open pull request" in details.text


async def test_enter_inspects_commits_and_diffstat(world: RecoveryWorld) -> None:
    async with Host(world).run_test(size=(160, 40)) as pilot:
        recovery = await scanned(pilot, 4)
        await pilot.press("enter")
        details = recovery.query_one(RecoveryDetails)
        await wait_until(pilot, lambda: "commits ahead: 2" in details.text, what="details")
        assert "diffstat: 2 file(s), +4 -0" in details.text
        assert "agent001/10-work: step 1" in details.text


async def test_archive_asks_and_cancel_changes_nothing(world: RecoveryWorld) -> None:
    before = world.hub.state.refs_snapshot("acme", "api")
    head = world.refs()["agent001/11-empty"]
    async with Host(world).run_test(size=(160, 40)) as pilot:
        await scanned(pilot, 4)
        await highlight(pilot, "acme/api:agent001/11-empty")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RecoveryConfirm), what="modal")
        modal = pilot.app.screen
        assert modal.steps == [
            f"archive agent001/11-empty: push tag archive/agent001/11-empty at "
            f"{head[:10]}, then delete the branch"
        ]
        assert pilot.app.focused is modal.query_one("#no", Button)  # enter would say no
        await pilot.press("n")
        recovery = await scanned(pilot, 4)
        assert "Cancelled" in str(recovery.query_one("#recovery-summary").render())
    assert world.hub.state.refs_snapshot("acme", "api") == before


async def test_archive_confirmed_tags_then_deletes(world: RecoveryWorld) -> None:
    head = world.refs()["agent001/11-empty"]
    app = Host(world)
    async with app.run_test(size=(160, 40)) as pilot:
        await scanned(pilot, 4)
        await highlight(pilot, "acme/api:agent001/11-empty")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RecoveryConfirm), what="modal")
        await pilot.press("y")
        recovery = await scanned(pilot, 3)
        assert "acme/api:agent001/11-empty" not in recovery.query_one(RecoveryTable).keys
        assert [r.ok for r in app.finished[0]] == [True]
    tags = world.refs("refs/tags/")
    assert tags["archive/agent001/11-empty"] == head
    assert "agent001/11-empty" not in world.refs()


async def test_bulk_marks_then_one_confirmation_for_all(world: RecoveryWorld) -> None:
    async with Host(world).run_test(size=(160, 40)) as pilot:
        recovery = await scanned(pilot, 4)
        await highlight(pilot, "acme/api:agent001/11-empty")
        await pilot.press("space")
        await highlight(pilot, "acme/web:work-4")
        await pilot.press("space")
        assert recovery.marked == {"acme/api:agent001/11-empty", "acme/web:work-4"}
        table = recovery.query_one(RecoveryTable)
        marks = [table.get_cell(key, "mark").plain for key in table.keys]
        assert marks == ["", "●", "", "●"]
        assert "2 marked" in str(recovery.query_one("#recovery-summary").render())
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RecoveryConfirm), what="modal")
        assert len(pilot.app.screen.steps) == 2
        await pilot.press("y")
        recovery = await scanned(pilot, 2)
        assert recovery.marked == set()
    assert "agent001/11-empty" not in world.refs()
    assert "work-4" not in world.refs(repo=RepoName("acme", "web"))
    assert "archive/work-4" in world.refs("refs/tags/", repo=RepoName("acme", "web"))
    assert "agent001/12-empty" in world.refs()


async def test_an_action_that_does_not_apply_is_refused_without_asking(
    world: RecoveryWorld,
) -> None:
    async with Host(world).run_test(size=(160, 40)) as pilot:
        recovery = await scanned(pilot, 4)
        await highlight(pilot, "acme/api:agent001/11-empty")
        await pilot.press("p")  # an empty branch has nothing to open a pull request with
        await pilot.pause()
        assert pilot.app.screen is recovery
        assert any("pr does not apply" in n.message for n in pilot.app._notifications)


async def test_ignore_hides_and_h_shows_again(world: RecoveryWorld) -> None:
    async with Host(world).run_test(size=(160, 40)) as pilot:
        await scanned(pilot, 4)
        await highlight(pilot, "acme/web:work-4")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RecoveryConfirm), what="modal")
        await pilot.press("y")
        recovery = await scanned(pilot, 3)
        assert "1 ignored (h shows them)" in str(recovery.query_one("#recovery-summary").render())
        await pilot.press("h")
        await pilot.pause()
        assert recovery.query_one(RecoveryTable).row_count == 4
    assert IgnoreStore(world.paths.ignored_file).keys() == {"acme/web:work-4"}


async def test_a_failed_scan_is_shown_and_r_scans_again(world: RecoveryWorld) -> None:
    world.hub.faults.update(error_rate_502=1.0, only_paths=("graphql",))
    async with Host(world).run_test(size=(160, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, RecoveryScreen)
                and pilot.app.screen.query_one("#recovery-summary").has_class("-problem")
            ),
            what="the scan failure",
        )
        recovery = screen(pilot)
        assert "scan failed:" in str(recovery.query_one("#recovery-summary").render())
        assert any("Recovery failed" in n.message for n in pilot.app._notifications)
        world.hub.faults.clear()
        await pilot.press("r")
        recovery = await scanned(pilot, 4)
        assert not recovery.query_one("#recovery-summary").has_class("-problem")
