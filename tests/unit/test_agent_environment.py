"""The agent environment is an allowlist; our GitHub credentials never leak unless asked for."""

from __future__ import annotations

from soda_tui.agents.environment import build_agent_env, soda_variables
from soda_tui.core.secrets import Secret

TOKEN = "ghp_environmentTestToken0123456789abcdef"

USER_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/home/dev",
    "USER": "dev",
    "LANG": "en_US.UTF-8",
    "LC_ALL": "en_US.UTF-8",
    "XDG_CONFIG_HOME": "/home/dev/.config",
    "SSL_CERT_FILE": "/etc/ssl/cert.pem",
    "TZ": "Europe/Rome",
    "GH_TOKEN": TOKEN,
    "GITHUB_TOKEN": TOKEN,
    "GITHUB_PAT": "pat-value-123456789",
    "GH_ENTERPRISE_TOKEN": "ent-value-123456789",
    "SSH_AUTH_SOCK": "/tmp/ssh-agent.sock",
    "GIT_ASKPASS": "/usr/bin/askpass",
    "GIT_DIR": "/elsewhere/.git",
    "GIT_WORK_TREE": "/elsewhere",
    "GIT_INDEX_FILE": "/elsewhere/index",
    "CLAUDECODE": "1",
    "SODA_CONFIG": "/home/dev/soda.toml",
    "SODA_SOMETHING_ELSE": "x",
    "ANTHROPIC_API_KEY": "sk-ant-123456789",
    "OPENAI_API_KEY": "sk-openai-123456789",
    "CODEX_HOME": "/home/dev/.codex",
    "AIDER_MODEL": "sonnet",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-123456789",
    "DATABASE_URL": "postgres://secret@db/prod",
    "MY_TOKEN_VAR": TOKEN,
}
SODA_VARS = soda_variables(
    issue_number=7,
    issue_title="Fix $(rm -rf /) now",
    prompt_file="/runs/7/prompt.md",
    branch="agent001/7-fix-rm-rf-now",
    workspace="/ws/acme/api",
    repo="acme/api",
    base_branch="main",
)


def _env(preset: str = "custom", *, extra: dict[str, str] | None = None, pass_token: bool = False):
    return build_agent_env(
        USER_ENV,
        extra=extra or {},
        soda_vars=SODA_VARS,
        github_token=Secret(TOKEN),
        pass_github_token=pass_token,
        preset=preset,
    )


def test_only_allowlisted_variables_pass() -> None:
    env = _env()
    for name in (
        "PATH",
        "HOME",
        "USER",
        "LANG",
        "LC_ALL",
        "XDG_CONFIG_HOME",
        "SSL_CERT_FILE",
        "TZ",
    ):
        assert env[name] == USER_ENV[name]
    for name in ("DATABASE_URL", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY"):
        assert name not in env
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["TERM"] == "dumb"


def test_credentials_and_repo_pointers_are_withheld() -> None:
    env = _env("claude-code", extra={"GH_TOKEN": "from-config", "GIT_DIR": "/x/.git"})
    denied = (
        "GH_TOKEN",
        "GITHUB_TOKEN",
        "GITHUB_PAT",
        "GH_ENTERPRISE_TOKEN",
        "SSH_AUTH_SOCK",
        "GIT_ASKPASS",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "CLAUDECODE",
        "SODA_CONFIG",
        "SODA_SOMETHING_ELSE",
    )
    for name in denied:
        assert name not in env, name
    assert TOKEN not in "".join(env.values())


def test_token_passed_only_when_the_repo_asks() -> None:
    env = _env(pass_token=True)
    assert env["GH_TOKEN"] == TOKEN
    assert env["GITHUB_TOKEN"] == TOKEN
    assert "GITHUB_PAT" not in env


def test_soda_variables_reach_the_agent_verbatim() -> None:
    env = _env()
    assert env["SODA_ISSUE_NUMBER"] == "7"
    assert env["SODA_ISSUE_TITLE"] == "Fix $(rm -rf /) now"
    assert env["SODA_PROMPT_FILE"] == "/runs/7/prompt.md"
    assert env["SODA_BRANCH"] == "agent001/7-fix-rm-rf-now"
    assert env["SODA_WORKSPACE"] == "/ws/acme/api"
    assert env["SODA_REPO"] == "acme/api"


def test_each_preset_gets_its_own_provider_keys() -> None:
    claude = _env("claude-code")
    assert claude["ANTHROPIC_API_KEY"] == USER_ENV["ANTHROPIC_API_KEY"]
    assert claude["AWS_SECRET_ACCESS_KEY"] == USER_ENV["AWS_SECRET_ACCESS_KEY"]
    assert "OPENAI_API_KEY" not in claude
    codex = _env("codex")
    assert codex["OPENAI_API_KEY"] == USER_ENV["OPENAI_API_KEY"]
    assert codex["CODEX_HOME"] == "/home/dev/.codex"
    assert "ANTHROPIC_API_KEY" not in codex
    aider = _env("aider")
    assert aider["AIDER_MODEL"] == "sonnet"
    assert aider["ANTHROPIC_API_KEY"] == USER_ENV["ANTHROPIC_API_KEY"]
    assert "AIDER_MODEL" not in _env("custom")


def test_config_env_is_added_but_cannot_override_soda_vars() -> None:
    env = _env(extra={"MY_AGENT_MODE": "fast", "SODA_ISSUE_NUMBER": "999"})
    assert env["MY_AGENT_MODE"] == "fast"
    assert env["SODA_ISSUE_NUMBER"] == "7"
