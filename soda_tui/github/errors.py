"""Typed errors of the GitHub client: each renders to one line, what happened and what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from soda_tui.core.secrets import redact

_TOKEN_HELP = "set a valid token with `export GH_TOKEN=...` or `gh auth login`"


def _one_line(text: str, limit: int = 200) -> str:
    """Collapse whitespace and cut long server text so a summary stays on one line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class GitHubError(Exception):
    """Base of every error the GitHub client raises; `summary` is the one line to show a user."""

    def __init__(self, summary: str) -> None:
        # Redact here, once, so no subclass can leak a registered secret into a message.
        self.summary = redact(_one_line(summary, limit=400))
        super().__init__(self.summary)

    def __str__(self) -> str:
        return self.summary

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary!r})"


class MissingToken(GitHubError):
    """No GitHub token was found in any of the places soda-tui looks."""

    def __init__(self, tried: list[str]) -> None:
        self.tried = list(tried)
        super().__init__(
            f"No GitHub token found (tried {', '.join(self.tried)}): "
            "run `export GH_TOKEN=...` or `gh auth login` (`soda-tui demo` needs no token)."
        )


class BadCredentials(GitHubError):
    """GitHub answered 401: the token is wrong, expired or revoked."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        super().__init__(
            f"GitHub rejected the token (401 Bad credentials) at {endpoint}: {_TOKEN_HELP}."
        )


class Forbidden(GitHubError):
    """GitHub refused the request (HTTP 403 or a GraphQL FORBIDDEN error)."""

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        self.message = _one_line(message)
        self.errors = list(errors or [])
        super().__init__(
            f"GitHub refused access: {self.message}. "
            "Check the token's scopes and your permissions on the repository."
        )


class NotFound(GitHubError):
    """GitHub found nothing (HTTP 404 or a GraphQL NOT_FOUND error)."""

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        self.message = _one_line(message)
        self.errors = list(errors or [])
        super().__init__(
            f"GitHub found nothing: {self.message}. "
            "Check the name and that the token can see the repository."
        )


class RateLimited(GitHubError):
    """The primary (hourly) rate limit is used up until `reset_at`."""

    def __init__(self, reset_at: datetime, *, summary: str | None = None) -> None:
        self.reset_at = reset_at
        super().__init__(
            summary
            or (
                f"GitHub's API rate limit is used up until {reset_at:%H:%M:%S} UTC: "
                "wait for the reset or use another token."
            )
        )

    def seconds_left(self, now: datetime) -> float:
        """Seconds from `now` until the limit resets (0 when it already has)."""
        return max(0.0, (self.reset_at - now).total_seconds())


class SecondaryRateLimited(RateLimited):
    """GitHub's secondary limit asked to wait `retry_after` seconds, and retries ran out."""

    def __init__(self, retry_after: float, *, reset_at: datetime | None = None) -> None:
        self.retry_after = float(retry_after)
        # A subclass of RateLimited so a worker that parks until `reset_at` handles both limits.
        resume_at = reset_at or datetime.now(UTC) + timedelta(seconds=self.retry_after)
        super().__init__(
            resume_at,
            summary=(
                f"GitHub's secondary rate limit asks to wait {self.retry_after:.0f} s: "
                "slow down (fewer repositories at once or a longer poll interval) and retry later."
            ),
        )


class GraphQLError(GitHubError):
    """GitHub answered with GraphQL errors that are not about auth, absence or rate limits."""

    def __init__(
        self,
        errors: list[dict[str, Any]],
        data: dict[str, Any] | None = None,
        *,
        operation: str | None = None,
    ) -> None:
        self.errors = [_keep_error_fields(error) for error in errors]
        self.data = data
        self.operation = operation
        first = self.errors[0] if self.errors else {"message": "unknown error"}
        kind = f" ({first['type']})" if first.get("type") else ""
        where = f" at {'.'.join(str(p) for p in first['path'])}" if first.get("path") else ""
        more = f" and {len(self.errors) - 1} more" if len(self.errors) > 1 else ""
        subject = f"{operation} failed" if operation else "GitHub returned an error"
        super().__init__(
            f"{subject}{kind}{where}: {_one_line(str(first.get('message', '')))}{more}. "
            "Check the request's arguments; if they look right, report this as a soda-tui bug."
        )


def _keep_error_fields(error: dict[str, Any]) -> dict[str, Any]:
    """Keep the fields of a GraphQL error that callers act on (type, message, path, locations)."""
    if not isinstance(error, dict):
        return {"message": str(error)}
    return {key: error[key] for key in ("type", "message", "path", "locations") if key in error}


class TransportFailure(GitHubError):
    """GitHub could not be reached or kept failing (refused, dropped, timed out, 5xx)."""

    def __init__(
        self, endpoint: str, reason: str, *, attempts: int = 1, retryable: bool = False
    ) -> None:
        self.endpoint = endpoint
        self.reason = _one_line(reason)
        self.attempts = attempts
        # Whether another attempt could succeed; the retry policy reads it.
        self.retryable = retryable
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(
            f"Could not reach GitHub at {endpoint}{tries} ({self.reason}): "
            "check the network or api_url."
        )


class UnexpectedResponse(GitHubError):
    """The endpoint answered, but not like GitHub's GraphQL API does."""

    def __init__(self, endpoint: str, status: int, detail: str) -> None:
        self.endpoint = endpoint
        self.status = status
        self.detail = _one_line(detail, limit=120)
        super().__init__(
            f"{endpoint} answered HTTP {status} that is not a GraphQL reply ({self.detail}): "
            "check api_url."
        )
