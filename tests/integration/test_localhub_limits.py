"""localhub refuses what GitHub's API refuses: bodies over 65,536 characters."""

from __future__ import annotations

from soda_tui.localhub import LocalHub


def test_a_body_over_githubs_limit_is_refused(localhub: LocalHub) -> None:
    repo = localhub.state.create_repository("acme", "limits")
    query = """mutation($repo: ID!, $body: String!) {
      createIssue(input: {repositoryId: $repo, title: "Long", body: $body}) { issue { number } } }"""
    refused = localhub.state.execute_graphql(query, {"repo": repo["id"], "body": "x" * 65537},
                                             None, "soda-dev").body
    assert refused["errors"][0]["type"] == "UNPROCESSABLE"
    assert "Body is too long (maximum is 65536 characters)" in refused["errors"][0]["message"]
    accepted = localhub.state.execute_graphql(query, {"repo": repo["id"], "body": "x" * 65536},
                                              None, "soda-dev").body
    assert accepted["data"]["createIssue"]["issue"]["number"] == 1
