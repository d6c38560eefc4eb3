"""A stateful property test of the real loop: random actions with random crash points armed.

Hypothesis queues issues and calls pop, run, bottle, land and autopilot ticks against one
localhub, each with a random fault point armed in-process (the action dies there with
InjectedCrash, as a crash would leave it). After every step: at most one open pull request per
issue, at most one issue claimed per repository, no issue both claimed and in review, and every
commit the agent ever made kept on the hub or under a local ref.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from soda_tui.agents import faultpoints
from soda_tui.agents.faultpoints import InjectedCrash
from soda_tui.agents.journal import JournalError
from soda_tui.core.naming import AGENT_LABEL, REVIEW_LABEL, issue_number_from_branch
from soda_tui.localhub import LocalHub
from soda_tui.loop.autopilot import Autopilot
from soda_tui.loop.bottle import bottle
from soda_tui.loop.land import land
from soda_tui.loop.pop import pop
from soda_tui.loop.results import ActionRefused
from soda_tui.loop.run import run
from tests.integration.loop_support import open_world, seed_repo
from tests.proof.support import FAST_DEMO, NO_CHECKS, HubView, agent_commits, git, lost_commits

ACTIONS = {"pop": pop, "run": run, "bottle": bottle, "land": land}
POINTS = (
    "pop.before_claim",
    "pop.after_claim_request",
    "pop.after_claim",
    "pop.after_workspace",
    "run.after_agent",
    "bottle.before_push",
    "bottle.after_push_request",
    "bottle.after_push",
    "bottle.after_open_pull_request",
    "bottle.after_pull_request",
    "bottle.after_labels_request",
    "land.before_merge",
    "land.after_merge_request",
    "land.after_merge",
    "land.before_finish",
    "land.after_finish_request",
    "journal.before_replace",
    "journal.after_replace",
)


def test_the_loop_keeps_its_invariants_under_random_crashes(
    localhub_factory: Callable[..., LocalHub], hub_token: str, tmp_path: Path
) -> None:
    hub = localhub_factory(ci=False)
    numbering = itertools.count()
    crashes: Counter[str] = Counter()
    landed: Counter[str] = Counter()

    class LoopUnderCrashes(RuleBasedStateMachine):
        """One fresh repository per example, driven by random steps on the shared localhub."""

        def __init__(self) -> None:
            super().__init__()
            name = f"acme/prop-{next(numbering)}"
            root = tmp_path / name.replace("/", "-")
            root.mkdir()
            seed_repo(hub, name, ci=None)
            self.world = open_world(
                hub, hub_token, root, [name], agent=FAST_DEMO, extra_defaults=NO_CHECKS
            )
            self.view = HubView(hub, self.world.repo)
            self.workspace = self.world.paths.workspace(name)
            self.loop = asyncio.new_event_loop()
            self.autopilot = Autopilot(self.world.session, [self.world.repo], lambda _u: None)
            self.queued = 0

        def teardown(self) -> None:
            faultpoints.disarm()
            landed["issues"] += sum(i["state"] == "CLOSED" for i in self.view.issues())
            self.loop.run_until_complete(self.world.session.aclose())
            self.loop.close()

        def _attempt(self, point: str | None, coroutine_factory: Callable[[], object]) -> None:
            if point is not None:
                faultpoints.arm(point)
            try:
                self.loop.run_until_complete(coroutine_factory())
            except InjectedCrash as crash:
                crashes[crash.point] += 1
            except (ActionRefused, JournalError) as refusal:
                # A refusal is a normal answer to a step out of order; it must read as one line.
                assert "\n" not in str(refusal), refusal
            finally:
                faultpoints.disarm()

        @precondition(lambda self: self.queued < 3)
        @rule()
        def queue_an_issue(self) -> None:
            self.queued += 1
            repo = self.world.repo
            hub.state.create_issue(
                repo.owner, repo.name, f"Task {self.queued}", labels=["route:ready"]
            )

        @rule(action=st.sampled_from(sorted(ACTIONS)), data=st.data())
        def act(self, action: str, data: st.DataObject) -> None:
            # Arm a point this action can reach (or none), so most armed points really fire.
            reachable = [p for p in POINTS if p.startswith((f"{action}.", "journal."))]
            point = data.draw(st.none() | st.sampled_from(reachable), label="point")
            self._attempt(point, lambda: ACTIONS[action](self.world.ctx()))

        @rule(point=st.none() | st.sampled_from(POINTS))
        def autopilot_tick(self, point: str | None) -> None:
            self._attempt(point, self.autopilot.tick)

        @invariant()
        def one_open_pull_request_per_issue(self) -> None:
            open_heads = [p["headRefName"] for p in self.view.pulls() if p["state"] == "OPEN"]
            per_issue = Counter(issue_number_from_branch(head) for head in open_heads)
            assert all(count <= 1 for count in per_issue.values()), open_heads

        @invariant()
        def one_claim_and_never_claimed_and_in_review(self) -> None:
            open_issues = [i for i in self.view.issues() if i["state"] == "OPEN"]
            claimed = [i["number"] for i in open_issues if AGENT_LABEL in i["labels"]]
            assert len(claimed) <= 1, claimed
            both = [i for i in open_issues if {AGENT_LABEL, REVIEW_LABEL} <= i["labels"]]
            assert both == []

        @invariant()
        def every_agent_commit_is_kept(self) -> None:
            commits = agent_commits(self.workspace)
            for commit in lost_commits(self.view, commits):
                # Not on the hub yet (the crash came before the push): it must be under a ref.
                local = git(
                    "for-each-ref",
                    "--contains",
                    commit,
                    "refs/heads/",
                    "refs/soda/",
                    cwd=self.workspace,
                ).stdout
                assert local.strip(), f"agent commit {commit} is on no branch, tag or ref"

    run_state_machine_as_test(
        LoopUnderCrashes,
        settings=settings(
            max_examples=10,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
    # The run was not vacuous: armed points fired, and issues got all the way to landed.
    assert sum(crashes.values()) >= 3, crashes
    assert landed["issues"] > 0
