"""The metrics screen shows the figures computed from a real run's traces and journals."""

from __future__ import annotations

from pathlib import Path

from soda_tui.localhub import LocalHub
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.pop import pop
from soda_tui.loop.run import run
from soda_tui.tui.app import create_app
from soda_tui.tui.screens.metrics import MetricsScreen
from tests.integration.loop_support import open_world, seed_repo

FAST_DEMO = '{ preset = "demo", env = { SODA_DEMO_FAST = "1" } }'


async def test_m_opens_the_metrics_of_a_landed_issue(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/figures")
    world = open_world(localhub, hub_token, tmp_path, ["acme/figures"], agent=FAST_DEMO)
    localhub.state.create_issue("acme", "figures", "Count", labels=["route:ready"])
    ctx = world.ctx()
    try:
        await pop(ctx)
        await run(ctx)
        await bottle(ctx)
        assert localhub.ci.wait_idle(60)
        assert (await land(ctx)).ok
        app = create_app(world.session, poll=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("m")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MetricsScreen)
            body = str(screen.query_one("#metrics-body").render())
            lines = body.splitlines()
            assert "issues landed          1" in lines
            assert any(line.startswith("integration success    100%") for line in lines)
            assert any(line.startswith("acme/figures: landed 1") for line in lines)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, MetricsScreen)
    finally:
        await world.session.aclose()


async def test_keys_from_the_config_remap_actions_and_unknown_ids_are_reported(
    localhub: LocalHub, hub_token: str, tmp_path: Path
) -> None:
    seed_repo(localhub, "acme/keys")
    world = open_world(localhub, hub_token, tmp_path, ["acme/keys"], agent=FAST_DEMO)
    try:
        app = create_app(world.session, poll=False, keymap={"metrics": "f9", "nonsense": "x"})
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            notices = [n.message for n in app._notifications]
            assert any("no such action: nonsense" in message for message in notices)
            await pilot.press("f9")
            await pilot.pause()
            assert isinstance(app.screen, MetricsScreen)
    finally:
        await world.session.aclose()
