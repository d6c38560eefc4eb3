"""Queue order (PRODUCT.md section 3): unblocker, ready_to_merge, very high … low, none; oldest first."""

from __future__ import annotations

from pathlib import Path

from soda_tui.localhub import LocalHub
from soda_tui.loop.pop import peek, pop
from soda_tui.loop.queue_list import list_queues
from tests.integration.loop_support import open_world, seed_repo


async def test_queue_order_and_skips(localhub: LocalHub, hub_token: str, tmp_path: Path) -> None:
    seed_repo(localhub, "acme/q", ci=None)
    create = localhub.state.create_issue
    none_old = create("acme", "q", "No priority, oldest", labels=["route:ready"])
    low = create("acme", "q", "Low", labels=["route:ready", "route:priority-low"])
    blocked = create(
        "acme", "q", "Blocked", labels=["route:ready", "route:blocked", "route:priority-very-high"]
    )
    human = create("acme", "q", "Human", labels=["route:ready", "human-only", "route:unblocker"])
    human_mls = create("acme", "q", "Human MLS", labels=["route:ready", "route:human-only"])
    medium = create("acme", "q", "Medium", labels=["route:ready", "route:priority-medium"])
    very_high = create("acme", "q", "Very high", labels=["route:ready", "route:priority-very-high"])
    high_old = create("acme", "q", "High old", labels=["route:ready", "route:priority-high"])
    high_new = create("acme", "q", "High new", labels=["route:ready", "route:priority-high"])
    ready_to_merge = create("acme", "q", "Ready to merge alone", labels=["route:ready_to_merge"])
    unblocker = create("acme", "q", "Unblocker alone", labels=["route:unblocker"])
    expected = [unblocker, ready_to_merge, very_high, high_old, high_new, medium, low, none_old]

    world = open_world(localhub, hub_token, tmp_path, ["acme/q"])
    ctx = world.ctx()
    try:
        queues = await list_queues(world.session.client, [world.repo])
        assert [issue.number for issue in queues[world.repo]] == expected
        peeked = await peek(ctx)
        assert [c["number"] for c in peeked.data["candidates"]] == expected
        popped_order = []
        for _ in expected:
            result = await pop(ctx)
            popped_order.append(result.data["issue"]["number"])
            # Close the popped issue so the next pop is allowed (one agent per repository).
            world.graphql(
                "mutation($id: ID!) { closeIssue(input: {issueId: $id}) { clientMutationId } }",
                {"id": _issue_id(world, result.data["issue"]["number"])},
            )
        assert popped_order == expected
        assert {blocked, human, human_mls}.isdisjoint(popped_order)
    finally:
        await world.session.aclose()


def _issue_id(world, number: int) -> str:
    data = world.graphql(
        'query($i: Int!) { repository(owner: "acme", name: "q") { issue(number: $i) { id } } }',
        {"i": number},
    )
    return data["repository"]["issue"]["id"]
