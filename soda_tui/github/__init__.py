"""The one shared async GitHub GraphQL client, its typed errors, rate budget and token discovery."""

from __future__ import annotations

from soda_tui.github.budget import RateBudget
from soda_tui.github.client import DEFAULT_ENDPOINT, GitHubClient, RequestInfo
from soda_tui.github.errors import (
    BadCredentials,
    Forbidden,
    GitHubError,
    GraphQLError,
    MissingToken,
    NotFound,
    RateLimited,
    SecondaryRateLimited,
    TransportFailure,
    UnexpectedResponse,
)
from soda_tui.github.operations import (
    Operation,
    all_operation_files,
    build_operation,
    load_operation,
)
from soda_tui.github.token import FoundToken, TokenSource, discover_token, find_token

__all__ = [
    "DEFAULT_ENDPOINT",
    "BadCredentials",
    "Forbidden",
    "FoundToken",
    "GitHubClient",
    "GitHubError",
    "GraphQLError",
    "MissingToken",
    "NotFound",
    "Operation",
    "RateBudget",
    "RateLimited",
    "RequestInfo",
    "SecondaryRateLimited",
    "TokenSource",
    "TransportFailure",
    "UnexpectedResponse",
    "all_operation_files",
    "build_operation",
    "discover_token",
    "find_token",
    "load_operation",
]
