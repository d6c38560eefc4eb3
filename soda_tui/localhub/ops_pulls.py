"""Pull requests: opening, live heads, mergeability, reviews, merging and closing keywords."""

from __future__ import annotations

from collections.abc import Sequence

from soda_tui.localhub import store_activity as activity_db
from soda_tui.localhub import store_items as items_db
from soda_tui.localhub import store_repos as repos_db
from soda_tui.localhub.closing import IssueReference, closing_references
from soda_tui.localhub.gitstore import (
    commit_info,
    commits_between,
    count_between,
    delete_ref,
    resolve_ref,
    set_ref,
)
from soda_tui.localhub.hub import Hub
from soda_tui.localhub.merging import MergePlan, is_mergeable, perform_merge
from soda_tui.localhub.models import (
    HubUnprocessable,
    ItemRecord,
    RefChange,
    RepoRecord,
    ReviewRecord,
    UserRecord,
)
from soda_tui.localhub.ops_refs import BRANCH_PREFIX, refs_changed

# Old (base, head) pairs are useless once branches move; the cache is simply reset when full.
MERGEABLE_CACHE_SIZE = 10_000
_REVIEW_STATES = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}
_METHOD_ALLOWED = {
    "MERGE": ("merge_commit_allowed", "Merge commits are not allowed on this repository."),
    "SQUASH": ("squash_merge_allowed", "Squash merges are not allowed on this repository."),
    "REBASE": ("rebase_merge_allowed", "Rebase merges are not allowed on this repository."),
}


def _reload(hub: Hub, item_id: int) -> ItemRecord:
    item = items_db.item_by_id(hub.store, item_id)
    if item is None:
        raise LookupError(f"item {item_id} vanished")
    return item


def head_oid(hub: Hub, repo: RepoRecord, pull: ItemRecord) -> str:
    """An open PR follows its head branch; a closed or merged one keeps its last head."""
    if pull.state == "OPEN" and pull.head_ref:
        live = resolve_ref(hub.repo_git(repo), BRANCH_PREFIX + pull.head_ref)
        if live is not None:
            return live
    return pull.head_oid or ""


def base_oid(hub: Hub, repo: RepoRecord, pull: ItemRecord) -> str:
    """An open PR's base is its base branch now; a merged one keeps the base it merged into."""
    if pull.state == "OPEN" and pull.base_ref:
        live = resolve_ref(hub.repo_git(repo), BRANCH_PREFIX + pull.base_ref)
        if live is not None:
            return live
    return pull.base_oid or ""


def commit_oids(hub: Hub, repo: RepoRecord, pull: ItemRecord) -> list[str]:
    """The PR's commits, oldest first: on its head and not on its base."""
    head = head_oid(hub, repo, pull)
    if not head:
        return []
    return commits_between(hub.repo_git(repo), head, base_oid(hub, repo, pull) or None)


def mergeable_state(hub: Hub, repo: RepoRecord, pull: ItemRecord) -> str:
    """MERGEABLE or CONFLICTING for an open PR (a real three-way merge); UNKNOWN otherwise."""
    if pull.state != "OPEN":
        return "UNKNOWN"
    head, base = head_oid(hub, repo, pull), base_oid(hub, repo, pull)
    if not head or not base:
        return "UNKNOWN"
    key = (repo.id, base, head)
    if key not in hub.mergeable_cache:
        if len(hub.mergeable_cache) >= MERGEABLE_CACHE_SIZE:
            hub.mergeable_cache.clear()
        hub.mergeable_cache[key] = is_mergeable(hub.git_dir(repo), base, head)
    return "MERGEABLE" if hub.mergeable_cache[key] else "CONFLICTING"


def review_decision(hub: Hub, repo: RepoRecord, pull: ItemRecord) -> str | None:
    """None unless reviews are required; else from each reviewer's latest opinionated review."""
    if repo.required_approvals <= 0:
        return None
    latest: dict[int, str] = {}
    for review in activity_db.reviews_of(hub.store, pull.id):
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.author_id] = review.state
    if "CHANGES_REQUESTED" in latest.values():
        return "CHANGES_REQUESTED"
    approvals = sum(1 for state in latest.values() if state == "APPROVED")
    return "APPROVED" if approvals >= repo.required_approvals else "REVIEW_REQUIRED"


def _branch_name(value: str, repo: RepoRecord) -> str:
    if value.startswith(BRANCH_PREFIX):
        return value[len(BRANCH_PREFIX) :]
    owner, colon, branch = value.partition(":")
    if colon and owner.lower() == repo.owner_login.lower():
        return branch
    return value


def _resolve_references(
    hub: Hub, repo: RepoRecord, references: Sequence[IssueReference]
) -> list[ItemRecord]:
    issues: list[ItemRecord] = []
    for reference in references:
        target = repo
        if reference.owner is not None and reference.name is not None:
            found = repos_db.repo_by_name(hub.store, reference.owner, reference.name)
            if found is None:
                continue
            target = found
        item = items_db.item_by_number(hub.store, target.id, reference.number)
        if item is not None and not item.is_pull:
            issues.append(item)
    return issues


def create_pull_request(
    hub: Hub,
    repo: RepoRecord,
    *,
    author: UserRecord,
    base_ref: str,
    head_ref: str,
    title: str,
    body: str,
    draft: bool,
) -> ItemRecord:
    """Open a PR; refused like GitHub without commits ahead or when one is already open."""
    base, head = _branch_name(base_ref, repo), _branch_name(head_ref, repo)
    git = hub.repo_git(repo)
    base_tip = resolve_ref(git, BRANCH_PREFIX + base)
    head_tip = resolve_ref(git, BRANCH_PREFIX + head)
    if base_tip is None:
        raise HubUnprocessable(
            f"Base sha can't be blank, Base ref must be a branch ({base!r} does not exist)"
        )
    if head_tip is None:
        raise HubUnprocessable(
            f"Head sha can't be blank, Head ref must be a branch ({head!r} does not exist)"
        )
    if not title.strip():
        raise HubUnprocessable("Title can't be blank")
    if head_tip == base_tip or count_between(git, head_tip, base_tip) == 0:
        raise HubUnprocessable(f"No commits between {base} and {head}")
    open_pulls = items_db.pulls_with_ref(hub.store, repo.id, head, states=("OPEN",))
    if any(pull.head_ref == head and pull.base_ref == base for pull in open_pulls):
        raise HubUnprocessable(f"A pull request already exists for {repo.owner_login}:{head}.")
    with hub.store.transaction():
        number = repos_db.allocate_numbers(hub.store, repo.id)
        now = hub.now()
        row = {
            "repo_id": repo.id,
            "number": number,
            "is_pull": 1,
            "title": title,
            "body": body,
            "state": "OPEN",
            "state_reason": None,
            "author_id": author.id,
            "created_at": now,
            "updated_at": now,
            "head_ref": head,
            "base_ref": base,
            "head_oid": head_tip,
            "base_oid": base_tip,
            "is_draft": int(draft),
        }
        items_db.insert_items(hub.store, [row])
        pull = items_db.item_by_number(hub.store, repo.id, number)
        if pull is None:
            raise LookupError(f"pull request #{number} was not stored")
        linked = _resolve_references(hub, repo, closing_references(body))
        activity_db.set_closing_links(hub.store, pull.id, [issue.id for issue in linked])
    hub.head_changed(repo, head_tip, number)
    return pull


def merge_pull_request(
    hub: Hub,
    repo: RepoRecord,
    pull: ItemRecord,
    *,
    merger: UserRecord,
    method: str,
    expected_head_oid: str | None,
    headline: str | None,
    body: str | None,
    author_email: str | None,
) -> ItemRecord:
    """Merge with MERGE, SQUASH or REBASE, move the base branch and apply closing keywords."""
    if pull.state == "MERGED":
        raise HubUnprocessable("Pull request is already merged")
    if pull.state != "OPEN":
        raise HubUnprocessable("Pull request is closed")
    if pull.is_draft:
        raise HubUnprocessable("Pull request is still a draft")
    setting, refusal = _METHOD_ALLOWED[method]
    if not getattr(repo, setting):
        raise HubUnprocessable(refusal)
    git = hub.repo_git(repo)
    head, base = head_oid(hub, repo, pull), base_oid(hub, repo, pull)
    if expected_head_oid is not None and expected_head_oid != head:
        raise HubUnprocessable("Head branch was modified. Review and try the merge again.")
    if repo.required_approvals > 0 and review_decision(hub, repo, pull) != "APPROVED":
        plural = "s" if repo.required_approvals > 1 else ""
        raise HubUnprocessable(
            f"At least {repo.required_approvals} approving review{plural} is required by "
            "reviewers with write access."
        )
    if mergeable_state(hub, repo, pull) != "MERGEABLE":
        raise HubUnprocessable("Pull Request is not mergeable")
    pr_commits = commits_between(git, head, base)
    author = repos_db.user_by_id(hub.store, pull.author_id) if pull.author_id else None
    plan = MergePlan(
        method=method,
        base_tip=base,
        head_tip=head,
        number=pull.number,
        title=pull.title,
        head_label=f"{repo.owner_login}/{pull.head_ref}",
        merger_login=merger.login,
        author_login=author.login if author else merger.login,
        when=hub.clock.now(),
        commit_headline=headline,
        commit_body=body,
        author_email=author_email,
    )
    new_tip = perform_merge(git, hub.git_dir(repo), plan)
    base_name = BRANCH_PREFIX + (pull.base_ref or "")
    if not set_ref(git, base_name, new_tip, expected=base):
        raise HubUnprocessable("Base branch was modified. Review and try the merge again.")
    with hub.store.transaction():
        now = hub.now()
        items_db.update_item(
            hub.store,
            pull.id,
            state="MERGED",
            merged_at=now,
            closed_at=now,
            updated_at=now,
            merge_commit_oid=new_tip,
            merged_by_id=merger.id,
            head_oid=head,
            base_oid=base,
        )
        refs_changed(hub, repo, [RefChange(base_name, base, new_tip)], record=True)
        if pull.base_ref == repo.default_branch:
            texts = [pull.body, *(commit_info(git, oid).message for oid in pr_commits)]
            references = [ref for text in texts for ref in closing_references(text)]
            for issue in _resolve_references(hub, repo, references):
                if issue.state == "OPEN":
                    items_db.update_item(
                        hub.store,
                        issue.id,
                        state="CLOSED",
                        state_reason="COMPLETED",
                        closed_at=now,
                        updated_at=now,
                    )
    if (
        repo.delete_branch_on_merge
        and pull.head_ref
        and delete_ref(git, BRANCH_PREFIX + pull.head_ref, head)
    ):
        with hub.store.transaction():
            refs_changed(
                hub, repo, [RefChange(BRANCH_PREFIX + pull.head_ref, head, None)], record=True
            )
    return _reload(hub, pull.id)


def close_pull_request(hub: Hub, pull: ItemRecord) -> ItemRecord:
    """Close an open PR without merging it."""
    if pull.state == "MERGED":
        raise HubUnprocessable("Pull request is already merged")
    if pull.state == "OPEN":
        now = hub.now()
        items_db.update_item(hub.store, pull.id, state="CLOSED", closed_at=now, updated_at=now)
    return _reload(hub, pull.id)


def reopen_pull_request(hub: Hub, repo: RepoRecord, pull: ItemRecord) -> ItemRecord:
    """Reopen a closed PR whose branches still exist."""
    if pull.state == "MERGED":
        raise HubUnprocessable("Pull request is already merged")
    if pull.state == "CLOSED":
        git = hub.repo_git(repo)
        head = resolve_ref(git, BRANCH_PREFIX + (pull.head_ref or ""))
        if head is None or resolve_ref(git, BRANCH_PREFIX + (pull.base_ref or "")) is None:
            raise HubUnprocessable(
                "Could not reopen the pull request: its head or base branch is gone"
            )
        items_db.update_item(
            hub.store, pull.id, state="OPEN", closed_at=None, head_oid=head, updated_at=hub.now()
        )
        hub.head_changed(repo, head, pull.number)
    return _reload(hub, pull.id)


def mark_ready(hub: Hub, pull: ItemRecord) -> ItemRecord:
    """Turn a draft PR into one ready for review."""
    if pull.state != "OPEN":
        raise HubUnprocessable("Pull request is closed")
    items_db.update_item(hub.store, pull.id, is_draft=0, updated_at=hub.now())
    return _reload(hub, pull.id)


def add_review(
    hub: Hub,
    repo: RepoRecord,
    pull: ItemRecord,
    *,
    reviewer: UserRecord,
    event: str | None,
    body: str | None,
    commit_oid: str | None,
) -> ReviewRecord:
    """Submit a review (APPROVE, REQUEST_CHANGES, COMMENT) or start a pending one (no event)."""
    state = _REVIEW_STATES.get(event or "", "PENDING")
    if pull.author_id == reviewer.id and state == "APPROVED":
        raise HubUnprocessable("Review Can not approve your own pull request")
    if pull.author_id == reviewer.id and state == "CHANGES_REQUESTED":
        raise HubUnprocessable("Review Can not request changes on your own pull request")
    if state in ("CHANGES_REQUESTED", "COMMENTED") and not (body or "").strip():
        raise HubUnprocessable("Review body can't be blank when requesting changes or commenting")
    oid = commit_oid or head_oid(hub, repo, pull)
    with hub.store.transaction():
        review = activity_db.insert_review(
            hub.store, pull.id, reviewer.id, state, body or "", oid, hub.now()
        )
        items_db.update_item(hub.store, pull.id, updated_at=hub.now())
    return review
