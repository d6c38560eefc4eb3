"""Pure checks behind the settings models: repository names, placeholders, URLs, token look-alikes.

Each `*_problem` function returns None for a good value, else one sentence saying what is wrong
and how to write it instead, so the models and `Paths` report the same thing in the same words.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

PLACEHOLDERS: tuple[str, ...] = (
    "issue_number",
    "issue_title",
    "prompt_file",
    "branch",
    "workspace",
    "repo",
)
# Keys that would hold a token; PRODUCT.md section 5: the file never does.
TOKEN_KEYS = frozenset(
    {"token", "github_token", "gh_token", "access_token", "api_token", "oauth_token"}
)
# Variables the agent would read our token from; `pass_github_token` is the one way to set them.
TOKEN_ENV_NAMES = frozenset(
    {"GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}
)

_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
_LEGACY_TOKEN = re.compile(r"[0-9a-f]{40}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# GitHub owners: letters, digits and hyphens, no leading or trailing hyphen, at most 39
# characters. Underscores appear in Enterprise Managed User logins (`name_shortcode`).
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,37}[A-Za-z0-9])?")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_PASTED_URL = re.compile(
    r"(?:https?://|ssh://)?(?:git@)?[^/:@\s]+\.[^/:@\s]+[/:]([^/\s]+)/([^/\s]+?)(?:\.git)?/?"
)
# A placeholder is `{identifier}`; agents/presets.py fills the known ones in one pass and leaves
# every other brace alone, so JSON such as `{"a": 1}` in an argument stays literal.
_PLACEHOLDER_SHAPE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def looks_like_token(value: str) -> bool:
    """True when a string has the shape of a GitHub token (so we refuse it and never echo it)."""
    return value.startswith(_TOKEN_PREFIXES) or _LEGACY_TOKEN.fullmatch(value) is not None


def shown(value: str, limit: int = 60) -> str:
    """A value quoted for an error message, hidden when it could be a secret, cut when long."""
    if looks_like_token(value):
        return "(a value that looks like a token, not shown)"
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return repr(value)


def env_name_problem(name: str) -> str | None:
    """Why `name` cannot be an environment variable name, or None."""
    if _ENV_NAME.fullmatch(name):
        return None
    return (
        f"{shown(name)} is not an environment variable name: use letters, digits and _, "
        "not starting with a digit"
    )


def url_problem(url: str) -> str | None:
    """Why `url` cannot be an HTTP endpoint, or None."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return (
            "the URL must not contain credentials: tokens never go in the config file "
            "(export GH_TOKEN instead)"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"expected an http(s) URL such as https://api.github.com/graphql, got {shown(url)}"
    return None


def repo_name_problem(name: str) -> str | None:
    """Why `name` is not a GitHub `OWNER/REPO`, or None."""
    pasted = "://" in name or name.startswith("git@") or "." in name.split("/")[0]
    match = _PASTED_URL.fullmatch(name) if pasted else None
    if match:
        owner, repo = match.groups()
        return f"write the repository as OWNER/REPO, e.g. {owner}/{repo}, not a URL"
    if name.count("/") != 1:
        return f"{shown(name)} is not a repository: expected OWNER/REPO, e.g. acme/api"
    owner, repo = name.split("/")
    if not _OWNER.fullmatch(owner) or "__" in owner:
        return (
            f"{shown(owner)} is not a GitHub owner: use letters, digits and hyphens, "
            "not starting or ending with a hyphen, at most 39 characters"
        )
    if repo in (".", "..") or not _REPO.fullmatch(repo):
        return (
            f"{shown(repo)} is not a GitHub repository name: use letters, digits, '.', '-' "
            "and '_', at most 100 characters"
        )
    if repo.lower().endswith(".git"):
        return f"drop the .git suffix: write {owner}/{repo[:-4]}"
    return None


def split_repo_name(name: str) -> tuple[str, str]:
    """`("owner", "repo")` from a name already checked by `repo_name_problem`."""
    owner, repo = name.split("/")
    return owner, repo


def placeholder_problem(argument: str) -> str | None:
    """Why an agent argument names a placeholder that does not exist, or None."""
    for match in _PLACEHOLDER_SHAPE.finditer(argument):
        name = match.group(1)
        if name not in PLACEHOLDERS:
            allowed = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
            return f"unknown placeholder {{{name}}} in {shown(argument)}: allowed are {allowed}"
    return None
