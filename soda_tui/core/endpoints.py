"""Where a repository's git remote lives, given the GraphQL endpoint (github.com, GHES, localhub)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from soda_tui.core.models import RepoName

GITHUB_API = "https://api.github.com/graphql"


def git_remote_url(api_url: str, repo: RepoName) -> str:
    """The HTTPS clone URL (without credentials) of `repo` on the server behind `api_url`."""
    parts = urlsplit(api_url)
    if parts.hostname == "api.github.com":
        return f"https://github.com/{repo}.git"
    path = parts.path.rstrip("/")
    for suffix in ("/api/graphql", "/graphql"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return urlunsplit((parts.scheme, parts.netloc, f"{path}/{repo}.git", "", ""))


def rest_base_url(api_url: str) -> str:
    """The REST API root behind a GraphQL endpoint (for commit statuses and rate_limit)."""
    parts = urlsplit(api_url)
    if parts.hostname == "api.github.com":
        return "https://api.github.com"
    path = parts.path.rstrip("/")
    if path.endswith("/api/graphql"):
        return urlunsplit((parts.scheme, parts.netloc, path[: -len("/graphql")] + "/v3", "", ""))
    return urlunsplit((parts.scheme, parts.netloc, path[: -len("/graphql")], "", ""))
