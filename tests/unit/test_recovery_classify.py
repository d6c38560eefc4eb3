"""Classification of branches and claims into recovery items, from GitHub-shaped data (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from soda_tui.core.models import RepoName
from soda_tui.recovery.classify import LocalBranch, RepoFacts, Rules, classify
from soda_tui.recovery.models import (
    IssueRef,
    OrphanItem,
    OrphanKind,
    RecoveryAction,
    RepoScan,
    Scan,
    orphan_counts,
)
from soda_tui.recovery.patterns import is_agent_branch, issue_number_of

REPO = RepoName("acme", "api")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OLD = (NOW - timedelta(days=3)).isoformat()
RECENT = (NOW - timedelta(minutes=10)).isoformat()


def ref(name: str, *, ahead: int = 1, oid: str = "a" * 40, when: str = OLD, pulls=()) -> dict:
    return {
        "name": name,
        "target": {
            "oid": oid,
            "committedDate": when,
            "messageHeadline": f"work on {name}",
            "author": {"name": "Ada", "email": "ada@example.com", "date": when},
        },
        "compare": {"aheadBy": 0, "behindBy": ahead},
        "associatedPullRequests": {"nodes": list(pulls)},
    }


def pull(number: int, state: str, *, merged: bool = False, head: str = "a" * 40, closes=()) -> dict:
    return {
        "number": number,
        "url": f"https://example.test/pull/{number}",
        "title": "t",
        "state": state,
        "merged": merged,
        "headRefOid": head,
        "createdAt": OLD,
        "closedAt": None,
        "author": {"login": "soda-dev"},
        "closingIssuesReferences": {
            "nodes": [{"number": n, "title": "i", "state": s, "url": ""} for n, s in closes]
        },
    }


def claim(number: int, labels: list[str], *, updated: str = OLD, open_pulls: int = 0) -> dict:
    return {
        "number": number,
        "title": f"issue {number}",
        "url": "",
        "state": "OPEN",
        "createdAt": OLD,
        "updatedAt": updated,
        "author": {"login": "reporter"},
        "labels": {"nodes": [{"name": name} for name in labels]},
        "closedByPullRequestsReferences": {
            "nodes": [{"number": 99, "state": "OPEN", "headRefName": "x"}] * open_pulls
        },
    }


def run(refs=(), claims=(), local=None, **rules) -> dict[str, OrphanItem]:
    facts = RepoFacts(REPO, "main", [ref("main", ahead=0), *refs], list(claims), local or {})
    items = classify(facts, Rules(now=NOW, stale_after=timedelta(hours=24), **rules))
    return {item.key: item for item in items}


def test_each_branch_class_is_recognised() -> None:
    items = run(
        refs=[
            ref("agent001/1-work", ahead=2),
            ref("agent001/2-empty", ahead=0),
            ref("agent001/3-landed", ahead=1, pulls=[pull(10, "MERGED", merged=True)]),
            ref("agent001/4-gone", pulls=[pull(11, "OPEN", closes=[(4, "CLOSED")])]),
            ref("agent001/5-review", pulls=[pull(12, "OPEN", closes=[(5, "OPEN")])]),
            ref("feature/human", ahead=3),
        ]
    )
    kinds = {key.split(":", 1)[1]: item.kind for key, item in items.items()}
    assert kinds == {
        "agent001/1-work": OrphanKind.RECOVERABLE,
        "agent001/2-empty": OrphanKind.EMPTY,
        "agent001/3-landed": OrphanKind.LANDED_LEFTOVER,
        "agent001/4-gone": OrphanKind.CLOSED_ELSEWHERE,
    }
    assert items["acme/api:agent001/1-work"].ahead == 2
    assert items["acme/api:agent001/3-landed"].pull.number == 10
    assert items["acme/api:agent001/4-gone"].issue.number == 4


def test_a_squash_merged_branch_is_landed_by_merged_state_not_reachability() -> None:
    # Squash merges leave the branch "ahead": only the PR's merged state tells it landed.
    items = run(refs=[ref("agent001/7-sq", ahead=3, pulls=[pull(20, "MERGED", merged=True)])])
    assert items["acme/api:agent001/7-sq"].kind is OrphanKind.LANDED_LEFTOVER


def test_commits_pushed_after_the_merge_make_it_recoverable() -> None:
    moved = ref("agent001/8-more", ahead=4, oid="b" * 40, pulls=[pull(21, "MERGED", merged=True)])
    item = run(refs=[moved])["acme/api:agent001/8-more"]
    assert item.kind is OrphanKind.RECOVERABLE
    assert "after pull request #21 merged" in item.reason


def test_a_branch_whose_pr_closed_unmerged_is_recoverable() -> None:
    item = run(refs=[ref("agent001/9-x", ahead=1, pulls=[pull(22, "CLOSED")])])[
        "acme/api:agent001/9-x"
    ]
    assert item.kind is OrphanKind.RECOVERABLE and "closed unmerged" in item.reason


def test_my_little_soda_branches_and_custom_patterns() -> None:
    items = run(refs=[ref("agent7/3"), ref("work-12"), ref("bot/5-x")])
    assert {item.branch for item in items.values()} == {"agent7/3", "work-12"}
    custom = run(refs=[ref("agent7/3"), ref("bot/5-x")], patterns=("bot/*",))
    assert {item.branch for item in custom.values()} == {"bot/5-x"}
    assert issue_number_of("work-12") == 12 and issue_number_of("agent001/4-fix-it") == 4
    assert issue_number_of("agent001/feature") is None
    assert is_agent_branch("agent001/4-x") and not is_agent_branch("main")


def test_stale_claims_need_age_and_no_owner() -> None:
    items = run(
        claims=[
            claim(30, ["agent001"]),
            claim(31, ["agent001"], updated=RECENT),
            claim(32, ["route:review"]),
            claim(33, ["route:review"], open_pulls=1),
            claim(34, ["agent001"]),
        ],
        owned=lambda number: number == 34,
    )
    assert set(items) == {"acme/api:#30", "acme/api:#32"}
    assert all(item.kind is OrphanKind.STALE_CLAIM for item in items.values())
    assert "route:review without an open PR" in items["acme/api:#32"].reason


def test_a_stale_claim_speaks_for_its_branch_and_a_recent_commit_keeps_it_fresh() -> None:
    items = run(refs=[ref("agent001/40-x", ahead=2)], claims=[claim(40, ["agent001"])])
    assert list(items) == ["acme/api:agent001/40-x"]
    item = items["acme/api:agent001/40-x"]
    assert item.kind is OrphanKind.STALE_CLAIM and item.issue.number == 40 and item.ahead == 2
    assert item.actions == (
        RecoveryAction.PR,
        RecoveryAction.REQUEUE,
        RecoveryAction.ARCHIVE,
        RecoveryAction.IGNORE,
    )
    busy = run(refs=[ref("agent001/40-x", when=RECENT)], claims=[claim(40, ["agent001"])])
    assert busy == {}


def test_a_branch_a_live_worker_owns_is_not_listed() -> None:
    assert run(refs=[ref("agent001/50-x")], owned=lambda number: number == 50) == {}


def test_unpushed_local_work_is_attached_or_listed_on_its_own() -> None:
    local = {
        "agent001/1-work": LocalBranch("agent001/1-work", "c" * 40, unpushed=2, ahead=4),
        "agent001/60-new": LocalBranch("agent001/60-new", "d" * 40, unpushed=1, ahead=1),
        "agent001/61-done": LocalBranch("agent001/61-done", "e" * 40, unpushed=0, ahead=0),
    }
    items = run(refs=[ref("agent001/1-work", ahead=2)], local=local)
    assert items["acme/api:agent001/1-work"].unpushed == 2
    only_local = items["acme/api:agent001/60-new"]
    assert only_local.location == "local" and only_local.unpushed == 1
    assert only_local.kind is OrphanKind.RECOVERABLE
    assert RecoveryAction.PR in only_local.actions
    assert "acme/api:agent001/61-done" not in items


def test_ignored_items_are_flagged_and_left_out_of_counts() -> None:
    items = run(
        refs=[ref("agent001/1-a"), ref("agent001/2-b", ahead=0)],
        ignored=frozenset({"acme/api:agent001/2-b"}),
    )
    assert items["acme/api:agent001/2-b"].ignored
    scan = Scan((RepoScan(REPO, items=tuple(items.values())),), NOW)
    assert orphan_counts(scan) == {REPO: 1}
    assert [item.key for item in scan.visible_items] == ["acme/api:agent001/1-a"]


def test_actions_follow_the_kind() -> None:
    landed = run(refs=[ref("agent001/3-l", pulls=[pull(10, "MERGED", merged=True)])])
    assert landed["acme/api:agent001/3-l"].actions == (
        RecoveryAction.ARCHIVE,
        RecoveryAction.IGNORE,
    )
    bare = OrphanItem(REPO, OrphanKind.STALE_CLAIM, "r", issue=IssueRef(5, state="CLOSED"))
    assert bare.actions == (RecoveryAction.IGNORE,)
    assert bare.key == "acme/api:#5"
