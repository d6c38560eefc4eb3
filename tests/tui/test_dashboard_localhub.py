"""The dashboard driving the real loop: localhub over loopback, real git, the demo agent."""

from __future__ import annotations

from collections.abc import Callable

from tui_support import HubWorld, wait_until

from soda_tui.tui.app import create_app

READY = ("route:ready",)


async def test_pop_from_the_dashboard_claims_the_issue_on_github(
    hub_world: Callable[..., HubWorld],
) -> None:
    world = hub_world({"acme/api": [("Add rate limiting", "Five a minute.", READY)]})
    app = create_app(world.session, poll=True)
    repo = world.repos[0]
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(
                pilot, lambda: app.states[str(repo)].board is not None, what="the first refresh"
            )
            assert app.states[str(repo)].board.queued == 1
            await pilot.press("p")
            await wait_until(
                pilot,
                lambda: not app.states[str(repo)].busy and "popped" in app.states[str(repo)].note,
                what="the pop to finish",
            )
            assert "agent001" in world.issue(repo, 1)["labels"]
    finally:
        await world.session.aclose()
