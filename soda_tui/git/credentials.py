"""Authenticated git transport: the token goes into request headers and nowhere else.

dulwich's HTTP client takes a username and password per client object and sends them as basic
auth to the remote's origin only; we build a fresh client for every operation, so the token is
never written to `.git/config`, the remote URL, a reflog message or any other file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast
from urllib.parse import urlsplit

import urllib3
import urllib3.exceptions
from dulwich.client import (
    GitClient,
    HTTPProxyUnauthorized,
    HTTPUnauthorized,
    default_urllib3_manager,
)
from dulwich.client import get_transport_and_path as _dulwich_transport
from dulwich.config import Config, StackedConfig
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository, SendPackError

from soda_tui.core.secrets import Secret
from soda_tui.git.errors import (
    AuthFailed,
    GitError,
    RemoteNotFound,
    TransportFailed,
    one_line,
    strip_credentials,
)

# GitHub's documented user name for token basic auth over HTTPS.
TOKEN_USERNAME = "x-access-token"
# Seconds of silence on a connection before a transfer is given up (not the total duration).
DEFAULT_TIMEOUT_SECONDS = 120.0


def checked_remote_url(remote_url: str) -> str:
    """The remote URL without a trailing slash; GitError when it embeds credentials."""
    url = remote_url.strip().rstrip("/")
    if not url:
        raise GitError("the workspace has no remote URL; configure the repository first")
    parts = urlsplit(url)
    if parts.scheme and (parts.username is not None or parts.password is not None):
        raise GitError(
            f"the remote URL {strip_credentials(url)} embeds credentials, which would be stored "
            f"in .git/config; remove them and let soda-tui pass the token per request"
        )
    return url


def is_http_url(url: str) -> bool:
    """Whether the remote is reached over HTTP(S), where the token applies."""
    return urlsplit(url).scheme in ("http", "https")


def open_transport(
    remote_url: str,
    token: Secret | None,
    config: Config | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> tuple[GitClient, str]:
    """A dulwich client for one operation on `remote_url`, authenticated with `token` if HTTP."""
    url = checked_remote_url(remote_url)
    config = config if config is not None else StackedConfig.default()
    username: str | None = None
    password: str | None = None
    pool_manager: urllib3.PoolManager | None = None
    if is_http_url(url):
        # Our own pool manager only to set a timeout: a stalled server must not hang a worker.
        # Without auth callbacks dulwich returns a plain urllib3 pool or proxy manager.
        pool_manager = cast(
            urllib3.PoolManager, default_urllib3_manager(config, base_url=url, timeout=timeout)
        )
        if token is not None and token:
            username, password = TOKEN_USERNAME, token.reveal()
    try:
        return _dulwich_transport(
            url, config=config, username=username, password=password, pool_manager=pool_manager
        )
    except ValueError as problem:
        raise GitError(f"cannot use the remote {strip_credentials(url)}: {problem}") from None


@contextmanager
def remote_errors(remote_url: str) -> Iterator[None]:
    """Turn dulwich's transport exceptions into our typed, credential-free errors."""
    url = strip_credentials(remote_url)
    try:
        yield
    except GitError:
        raise
    except HTTPUnauthorized:
        raise AuthFailed(url) from None
    except HTTPProxyUnauthorized:
        raise TransportFailed(url, "the HTTP proxy requires authentication") from None
    except NotGitRepository:
        raise RemoteNotFound(url) from None
    except SendPackError as problem:
        raise TransportFailed(
            url, f"the server could not take the pack ({_text(problem)})"
        ) from None
    except HangupException:
        raise TransportFailed(url, "the server hung up") from None
    except GitProtocolError as problem:
        detail = _text(problem)
        if "http resp 403" in detail:
            raise AuthFailed(url) from None
        if "http resp 404" in detail:
            raise RemoteNotFound(url) from None
        raise TransportFailed(url, detail) from None
    except (ConnectionError, TimeoutError, urllib3.exceptions.HTTPError) as problem:
        # urllib3 errors raised while a response streams are not wrapped by dulwich.
        raise TransportFailed(url, _text(problem)) from None


def _text(problem: BaseException) -> str:
    parts = [
        item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        for item in problem.args
    ]
    return one_line(" ".join(parts) or type(problem).__name__)
