"""The agent's environment: an allowlist of the user's variables, never our GitHub credentials."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from soda_tui.core.secrets import Secret

# Variables every agent may see: what a shell, git and a TLS client need to work at all.
BASE_ALLOWED = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TERM",
        "TZ",
        "TMPDIR",
        "SHELL",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "REQUESTS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
    }
)
BASE_ALLOWED_PREFIXES = ("LC_", "XDG_", "SSL_CERT_")

CLAUDE_KEYS = frozenset(
    {
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_MODEL",
        "ANTHROPIC_VERTEX_PROJECT_ID",
        "CLAUDE_CODE_OAUTH_TOKEN",
        "CLAUDE_CODE_USE_BEDROCK",
        "CLAUDE_CODE_USE_VERTEX",
        "CLAUDE_CONFIG_DIR",
        "CLOUD_ML_REGION",
        "AWS_REGION",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
    }
)
CODEX_KEYS = frozenset({"OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "CODEX_HOME"})
AIDER_KEYS = frozenset(
    {
        "OPENAI_API_KEY",
        "OPENAI_API_BASE",
        "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY",
        "OPENROUTER_API_KEY",
        "DEEPSEEK_API_KEY",
        "GROQ_API_KEY",
        "MISTRAL_API_KEY",
        "XAI_API_KEY",
        "COHERE_API_KEY",
        "AZURE_API_KEY",
        "AZURE_API_BASE",
        "AZURE_API_VERSION",
        "OLLAMA_API_BASE",
    }
)
PRESET_KEYS: Mapping[str, frozenset[str]] = {
    "claude-code": CLAUDE_KEYS,
    "codex": CODEX_KEYS,
    "aider": AIDER_KEYS,
}
# Every aider option can come from an AIDER_<NAME> variable, so they belong to that preset.
PRESET_PREFIXES: Mapping[str, tuple[str, ...]] = {"aider": ("AIDER_",)}

# Never passed, whatever the allowlist or the config says: our credentials, and variables that
# would point the agent's git at another repository or smuggle in a credential helper.
DENIED = frozenset(
    {
        "GH_TOKEN",
        "GITHUB_TOKEN",
        "GITHUB_PAT",
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "SSH_AUTH_SOCK",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_COMMON_DIR",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "CLAUDECODE",
        "SODA_CONFIG",
    }
)
DENIED_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")
# Our own variables: only the ones we set reach the agent, never stray ones from the user's shell.
SODA_PREFIX = "SODA_"
TOKEN_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN")


def _allowed(name: str, keys: frozenset[str], prefixes: Iterable[str]) -> bool:
    if name in BASE_ALLOWED or name in keys:
        return True
    return name.startswith((*BASE_ALLOWED_PREFIXES, *prefixes))


def is_denied(name: str) -> bool:
    """True for a variable that must never reach an agent unless a repo opts in to the token."""
    return name in DENIED or name.startswith(DENIED_PREFIXES)


def build_agent_env(
    base: Mapping[str, str],
    *,
    extra: Mapping[str, str],
    soda_vars: Mapping[str, str],
    github_token: Secret | None,
    pass_github_token: bool,
    preset: str = "custom",
) -> dict[str, str]:
    """Build the agent's environment: allowlisted `base`, then `extra`, our SODA_* variables.

    The denylist wins over everything; the GitHub token is added back only when
    `pass_github_token` is set, and any other variable holding the token's value is dropped.
    """
    keys = PRESET_KEYS.get(preset, frozenset())
    prefixes = PRESET_PREFIXES.get(preset, ())
    env = {
        name: value
        for name, value in base.items()
        if _allowed(name, keys, prefixes) and not name.startswith(SODA_PREFIX)
    }
    # The agent's output is a pipe read by soda-tui, not the user's terminal.
    env["TERM"] = "dumb"
    env["NO_COLOR"] = "1"
    env.update(extra)
    env.update(soda_vars)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env = {name: value for name, value in env.items() if not is_denied(name)}
    token = github_token.reveal() if github_token else ""
    # Short values would match by accident; real tokens are dozens of characters long.
    if len(token) >= 8:
        env = {name: value for name, value in env.items() if token not in value}
    if pass_github_token and token:
        for name in TOKEN_VARIABLES:
            env[name] = token
    return env


def soda_variables(
    *,
    issue_number: int,
    issue_title: str,
    prompt_file: str,
    branch: str,
    workspace: str,
    repo: str,
    base_branch: str,
) -> dict[str, str]:
    """The SODA_* variables that tell an agent what it works on (PRODUCT.md section 5)."""
    return {
        "SODA_ISSUE_NUMBER": str(issue_number),
        "SODA_ISSUE_TITLE": issue_title,
        "SODA_PROMPT_FILE": prompt_file,
        "SODA_BRANCH": branch,
        "SODA_WORKSPACE": workspace,
        "SODA_REPO": repo,
        "SODA_BASE_BRANCH": base_branch,
    }
