"""The Mutation root: each mutation takes GitHub's `input` and answers GitHub's payload."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from soda_tui.localhub import ops_issues, ops_pulls, ops_refs, ops_repos
from soda_tui.localhub.models import HubForbidden, HubUnprocessable, ItemRecord, RepoRecord
from soda_tui.localhub.ops_issues import checked_body
from soda_tui.localhub.pagination import encode_cursor
from soda_tui.localhub.resolvers_base import RequestContext, load_typed
from soda_tui.localhub.resolvers_git import ref_node
from soda_tui.localhub.resolvers_issue import IssueCommentNode
from soda_tui.localhub.resolvers_pull import PullRequestReviewNode
from soda_tui.localhub.resolvers_repository import LabelNode, RepositoryNode, item_node

Info = GraphQLResolveInfo
Payload = dict[str, Any]


class MutationRoot:
    """Root mutation fields."""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx
        self.hub = ctx.hub

    def _repo(self, node_id: str) -> RepoRecord:
        repo: RepoRecord = load_typed(self.ctx, node_id, "Repository").repo
        return repo

    def _item(self, node_id: str, *type_names: str) -> ItemRecord:
        item: ItemRecord = load_typed(self.ctx, node_id, *type_names).item
        return item

    def _label_ids(self, node_ids: list[str] | None) -> list[int]:
        return [load_typed(self.ctx, node_id, "Label").label.id for node_id in node_ids or []]

    def _payload(self, input_: dict[str, Any], **fields: Any) -> Payload:
        return {"clientMutationId": input_.get("clientMutationId"), **fields}

    def create_repository(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Create an empty repository owned by the viewer."""
        owner = self.ctx.viewer
        if input_.get("ownerId"):
            requested = load_typed(self.ctx, input_["ownerId"], "User").user
            if requested.id != owner.id:
                raise HubForbidden(
                    f"{owner.login} cannot create repositories for {requested.login}."
                )
        repo = ops_repos.create_repository(
            self.hub,
            owner,
            input_["name"],
            description=input_.get("description"),
            visibility=input_["visibility"],
            initial_commit=False,
        )
        return self._payload(input_, repository=RepositoryNode(self.ctx, repo))

    def create_issue(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Open an issue."""
        repo = self._repo(input_["repositoryId"])
        issue = ops_issues.create_issue(
            self.hub,
            repo,
            title=input_["title"],
            body=checked_body(input_.get("body") or ""),
            author=self.ctx.viewer,
            label_ids=self._label_ids(input_.get("labelIds")),
        )
        return self._payload(input_, issue=item_node(self.ctx, issue))

    def update_issue(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Change an issue's title, body or state."""
        issue = self._item(input_["id"], "Issue")
        updated = ops_issues.update_issue(
            self.hub,
            issue,
            title=input_.get("title"),
            body=checked_body(input_.get("body")),
            state=input_.get("state"),
        )
        return self._payload(input_, issue=item_node(self.ctx, updated))

    def create_label(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Create a label."""
        repo = self._repo(input_["repositoryId"])
        label = ops_issues.create_label(
            self.hub, repo, input_["name"], input_["color"], input_.get("description")
        )
        return self._payload(input_, label=LabelNode(self.ctx, label))

    def add_labels_to_labelable(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Add labels to an issue or pull request."""
        item = self._item(input_["labelableId"], "Issue", "PullRequest")
        updated = ops_issues.add_labels(self.hub, item, self._label_ids(input_["labelIds"]))
        return self._payload(input_, labelable=item_node(self.ctx, updated))

    def remove_labels_from_labelable(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Remove labels from an issue or pull request."""
        item = self._item(input_["labelableId"], "Issue", "PullRequest")
        updated = ops_issues.remove_labels(self.hub, item, self._label_ids(input_["labelIds"]))
        return self._payload(input_, labelable=item_node(self.ctx, updated))

    def add_comment(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Comment on an issue or pull request."""
        item = self._item(input_["subjectId"], "Issue", "PullRequest")
        comment = ops_issues.add_comment(self.hub, item, self.ctx.viewer, checked_body(input_["body"]))
        edge = {
            "cursor": encode_cursor((comment.created_at, comment.id)),
            "node": IssueCommentNode(self.ctx, comment),
        }
        subject = self._item(input_["subjectId"], "Issue", "PullRequest")
        return self._payload(input_, commentEdge=edge, subject=item_node(self.ctx, subject))

    def close_issue(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Close an issue (state reason COMPLETED unless given)."""
        issue = self._item(input_["issueId"], "Issue")
        with self.hub.store.transaction():
            closed = ops_issues.close_issue(self.hub, issue, input_.get("stateReason"))
        return self._payload(input_, issue=item_node(self.ctx, closed))

    def reopen_issue(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Reopen an issue."""
        issue = self._item(input_["issueId"], "Issue")
        with self.hub.store.transaction():
            reopened = ops_issues.reopen_issue(self.hub, issue)
        return self._payload(input_, issue=item_node(self.ctx, reopened))

    def create_pull_request(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Open a pull request from a branch of the same repository."""
        repo = self._repo(input_["repositoryId"])
        head_repo = input_.get("headRepositoryId")
        if head_repo and self._repo(head_repo).id != repo.id:
            raise HubUnprocessable(
                "localhub only opens pull requests between branches of one repository"
            )
        pull = ops_pulls.create_pull_request(
            self.hub,
            repo,
            author=self.ctx.viewer,
            base_ref=input_["baseRefName"],
            head_ref=input_["headRefName"],
            title=input_["title"],
            body=checked_body(input_.get("body") or ""),
            draft=bool(input_.get("draft")),
        )
        return self._payload(input_, pullRequest=item_node(self.ctx, pull))

    def merge_pull_request(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Merge a pull request (MERGE unless another method is given, like GitHub)."""
        pull = self._item(input_["pullRequestId"], "PullRequest")
        merged = ops_pulls.merge_pull_request(
            self.hub,
            self.ctx.repo(pull.repo_id),
            pull,
            merger=self.ctx.viewer,
            method=input_.get("mergeMethod") or "MERGE",
            expected_head_oid=input_.get("expectedHeadOid"),
            headline=input_.get("commitHeadline"),
            body=input_.get("commitBody"),
            author_email=input_.get("authorEmail"),
        )
        return self._payload(input_, pullRequest=item_node(self.ctx, merged))

    def close_pull_request(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Close a pull request without merging."""
        pull = self._item(input_["pullRequestId"], "PullRequest")
        with self.hub.store.transaction():
            closed = ops_pulls.close_pull_request(self.hub, pull)
        return self._payload(input_, pullRequest=item_node(self.ctx, closed))

    def reopen_pull_request(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Reopen a closed pull request."""
        pull = self._item(input_["pullRequestId"], "PullRequest")
        with self.hub.store.transaction():
            reopened = ops_pulls.reopen_pull_request(self.hub, self.ctx.repo(pull.repo_id), pull)
        return self._payload(input_, pullRequest=item_node(self.ctx, reopened))

    def mark_pull_request_ready_for_review(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Turn a draft into a pull request ready for review."""
        pull = self._item(input_["pullRequestId"], "PullRequest")
        with self.hub.store.transaction():
            ready = ops_pulls.mark_ready(self.hub, pull)
        return self._payload(input_, pullRequest=item_node(self.ctx, ready))

    def create_ref(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Create a ref (`refs/heads/x`, `refs/tags/y`) at a commit."""
        repo = self._repo(input_["repositoryId"])
        full_name = ops_refs.create_ref(self.hub, repo, input_["name"], input_["oid"])
        return self._payload(input_, ref=ref_node(self.ctx, repo, full_name))

    def update_ref(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Move a ref; a non-fast-forward needs `force: true`."""
        ref = load_typed(self.ctx, input_["refId"], "Ref")
        ops_refs.update_ref(
            self.hub,
            ref.repo,
            ref.full_name,
            input_["oid"],
            force=bool(input_.get("force")),
            node_id=input_["refId"],
        )
        return self._payload(input_, ref=ref_node(self.ctx, ref.repo, ref.full_name))

    def delete_ref(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Delete a ref."""
        ref = load_typed(self.ctx, input_["refId"], "Ref")
        ops_refs.remove_ref(self.hub, ref.repo, ref.full_name, node_id=input_["refId"])
        return self._payload(input_)

    def add_pull_request_review(self, info: Info, input_: dict[str, Any]) -> Payload:
        """Review a pull request: APPROVE, REQUEST_CHANGES or COMMENT (no event: pending)."""
        pull = self._item(input_["pullRequestId"], "PullRequest")
        review = ops_pulls.add_review(
            self.hub,
            self.ctx.repo(pull.repo_id),
            pull,
            reviewer=self.ctx.viewer,
            event=input_.get("event"),
            body=checked_body(input_.get("body")),
            commit_oid=input_.get("commitOID"),
        )
        return self._payload(input_, pullRequestReview=PullRequestReviewNode(self.ctx, review))
