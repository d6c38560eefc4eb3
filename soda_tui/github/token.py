"""Find the GitHub token: GH_TOKEN, GITHUB_TOKEN, `gh auth token`, then the configured variable."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from soda_tui.core.secrets import Secret
from soda_tui.github.errors import MissingToken

log = logging.getLogger(__name__)

GH_COMMAND: tuple[str, ...] = ("gh", "auth", "token")
GH_TIMEOUT_SECONDS = 5.0
STANDARD_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN")


@dataclass(frozen=True)
class TokenSource:
    """Where a token came from, for `doctor` (never the token itself)."""

    kind: Literal["env", "gh"]
    name: str
    """The environment variable's name, or the gh command line."""

    def describe(self) -> str:
        """A short phrase such as `$GH_TOKEN` or `gh auth token`."""
        return f"${self.name}" if self.kind == "env" else f"`{self.name}`"


@dataclass(frozen=True)
class FoundToken:
    """A discovered token together with the place it was found."""

    token: Secret
    source: TokenSource


def find_token(
    token_env: str | None = None,
    environ: Mapping[str, str] | None = None,
    gh_command: Sequence[str] = GH_COMMAND,
) -> FoundToken:
    """Look for a token in the documented order and say where it was found; raises MissingToken."""
    env = os.environ if environ is None else environ
    tried: list[str] = []
    for variable in STANDARD_VARIABLES:
        value = env.get(variable, "").strip()
        if value:
            return FoundToken(Secret(value), TokenSource("env", variable))
        tried.append(variable)

    gh_line = " ".join(gh_command)
    token, note = _ask_gh(gh_command, env)
    if token:
        return FoundToken(Secret(token), TokenSource("gh", gh_line))
    tried.append(f"`{gh_line}` ({note})")

    if token_env and token_env not in STANDARD_VARIABLES:
        value = env.get(token_env, "").strip()
        if value:
            return FoundToken(Secret(value), TokenSource("env", token_env))
        tried.append(f"{token_env} (token_env)")
    raise MissingToken(tried)


def discover_token(
    token_env: str | None = None,
    environ: Mapping[str, str] | None = None,
    gh_command: Sequence[str] = GH_COMMAND,
) -> Secret:
    """The user's GitHub token, looked up in the documented order; raises MissingToken."""
    return find_token(token_env, environ, gh_command).token


def _ask_gh(gh_command: Sequence[str], env: Mapping[str, str]) -> tuple[str | None, str]:
    """Run `gh auth token` without a shell; return (token or None, why there is none)."""
    try:
        # The environment is passed through so gh finds its own config (and PATH lookup uses it).
        result = subprocess.run(
            list(gh_command),
            capture_output=True,
            text=True,
            timeout=GH_TIMEOUT_SECONDS,
            check=False,
            env=dict(env),
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        return None, "gh not installed"
    except PermissionError:
        return None, "gh not executable"
    except subprocess.TimeoutExpired:
        log.warning("`%s` took longer than %g s; skipped", " ".join(gh_command), GH_TIMEOUT_SECONDS)
        return None, "timed out"
    if result.returncode != 0:
        # gh exits 1 on error and 4 when not logged in; its stderr may quote config, not tokens.
        return None, f"exit {result.returncode}"
    token = result.stdout.strip()
    return (token, "") if token else (None, "printed nothing")
