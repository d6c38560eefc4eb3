"""The config file's shape: the PRODUCT.md example, defaults, agents and per-repo resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from soda_tui.settings import (
    AgentSpec,
    Config,
    ConfigError,
    RepoConfig,
    UnknownRepo,
    load_config,
    resolve_repos,
)

# Verbatim from PRODUCT.md section 5.
PRODUCT_EXAMPLE = """\
[github]
api_url = "https://api.github.com/graphql"   # GitHub Enterprise Server: https://HOST/api/graphql
token_env = "MY_TOKEN_VAR"                   # optional: one more variable to read the token from

[defaults]
agent = "claude-code"        # a preset name, or a table like the one below
merge_method = "squash"      # squash | merge | rebase
require_review = false       # land only when reviewDecision is APPROVED
allow_no_checks = false      # land a PR whose head has no status checks at all
autopilot = false
poll_seconds = 30

[[repos]]
name = "acme/api"
agent = "aider"

[[repos]]
name = "acme/web"
autopilot = true
[repos.agent]
command = ["my-agent", "--issue", "{issue_number}", "--prompt-file", "{prompt_file}"]
timeout_minutes = 60
"""


def load_text(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, explicit=True)


def test_product_example_parses_as_documented(tmp_path: Path) -> None:
    config = load_text(tmp_path, PRODUCT_EXAMPLE)

    assert config.github.api_url == "https://api.github.com/graphql"
    assert config.github.token_env == "MY_TOKEN_VAR"
    assert config.defaults.agent == AgentSpec(preset="claude-code")
    assert config.repo_names == ("acme/api", "acme/web")
    api, web = resolve_repos(config)
    assert api.agent.preset == "aider"
    assert api.autopilot is False
    assert web.autopilot is True
    assert web.agent.preset == "custom"
    assert web.agent.command == [
        "my-agent",
        "--issue",
        "{issue_number}",
        "--prompt-file",
        "{prompt_file}",
    ]
    assert web.agent.timeout_minutes == 60
    # The command takes the prompt by file, so nothing is piped to its stdin.
    assert web.agent.stdin == "none"


def test_every_default() -> None:
    config = Config()

    assert config.github.api_url == "https://api.github.com/graphql"
    assert config.github.token_env is None
    defaults = config.defaults
    assert defaults.agent == AgentSpec(preset="claude-code")
    assert defaults.merge_method == "squash"
    assert defaults.require_review is False
    assert defaults.allow_no_checks is False
    assert defaults.autopilot is False
    assert defaults.poll_seconds == 30
    assert defaults.stale_claim_hours == 24.0
    assert defaults.bell is False
    agent = defaults.agent
    assert (agent.timeout_minutes, agent.stall_minutes) == (60, 15)
    assert agent.stdin == "prompt"
    assert agent.pass_github_token is False
    assert (agent.env, agent.extra_args, agent.model, agent.command) == ({}, [], None, None)
    assert config.repos == []
    assert config.telemetry.otlp_endpoint is None
    assert config.telemetry.phoenix is False
    assert config.telemetry.project_name == "soda-tui"
    assert config.telemetry.headers == {}
    assert (config.paths.data_dir, config.paths.state_dir) == (None, None)


def test_missing_file_gives_defaults_unless_named_explicitly(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "config.toml"

    assert load_config(missing) == Config()
    with pytest.raises(ConfigError) as caught:
        load_config(missing, explicit=True)
    assert str(caught.value).startswith(f"config file not found: {missing}")


def test_overrides_resolve_per_repo(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
[defaults]
agent = "codex"
merge_method = "merge"
poll_seconds = 45
stale_claim_hours = 6

[[repos]]
name = "acme/plain"

[[repos]]
name = "acme/strict"
merge_method = "rebase"
require_review = true
allow_no_checks = true
autopilot = true
poll_seconds = 5
agent = "demo"
""",
    )

    plain, strict = resolve_repos(config)
    assert plain == RepoConfig(
        name="acme/plain",
        agent=AgentSpec(preset="codex"),
        merge_method="merge",
        require_review=False,
        allow_no_checks=False,
        autopilot=False,
        poll_seconds=45,
        stale_claim_hours=6.0,
    )
    assert strict == RepoConfig(
        name="acme/strict",
        agent=AgentSpec(preset="demo"),
        merge_method="rebase",
        require_review=True,
        allow_no_checks=True,
        autopilot=True,
        poll_seconds=5,
        stale_claim_hours=6.0,
    )
    assert (strict.owner, strict.repo_name) == ("acme", "strict")


def test_agent_string_and_table_mean_the_same(tmp_path: Path) -> None:
    as_string = load_text(tmp_path, '[[repos]]\nname = "a/b"\nagent = "aider"\n')
    as_table = load_text(tmp_path, '[[repos]]\nname = "a/b"\n[repos.agent]\npreset = "aider"\n')

    assert as_string.repo("a/b").agent == as_table.repo("a/b").agent == AgentSpec(preset="aider")


def test_partial_agent_table_adjusts_the_inherited_agent(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
[defaults.agent]
model = "opus"
env = { ANTHROPIC_BASE_URL = "http://127.0.0.1:9000" }

[[repos]]
name = "acme/slow"
[repos.agent]
timeout_minutes = 180

[[repos]]
name = "acme/other"
agent = "aider"
""",
    )

    # A defaults table without preset or command adjusts the default preset, claude-code.
    assert config.defaults.agent.preset == "claude-code"
    slow = config.repo("acme/slow").agent
    assert (slow.preset, slow.model, slow.timeout_minutes) == ("claude-code", "opus", 180)
    assert slow.env == {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9000"}
    # A repo that names a preset replaces the default agent entirely.
    other = config.repo("acme/other").agent
    assert (other.preset, other.model, other.env) == ("aider", None, {})


def test_custom_command_keeps_stdin_when_it_does_not_name_the_prompt_file(tmp_path: Path) -> None:
    config = load_text(tmp_path, '[defaults.agent]\ncommand = ["my-agent", "--repo", "{repo}"]\n')

    assert config.defaults.agent.preset == "custom"
    assert config.defaults.agent.stdin == "prompt"


def test_repo_lookup_is_case_insensitive_and_unknown_names_list_the_configured(
    tmp_path: Path,
) -> None:
    config = load_text(tmp_path, PRODUCT_EXAMPLE)

    assert config.repo("ACME/Web").name == "acme/web"
    with pytest.raises(UnknownRepo) as caught:
        config.repo("acme/nope")
    assert str(caught.value) == (
        "acme/nope is not configured (configured: acme/api, acme/web); "
        "add it with `soda-tui add acme/nope`"
    )
    assert isinstance(caught.value, ConfigError)


def test_agent_env_and_telemetry_headers_stay_out_of_reprs() -> None:
    agent = AgentSpec(preset="aider", env={"OPENAI_API_KEY": "sk-very-secret"})
    config = Config.model_validate({"telemetry": {"headers": {"api_key": "phoenix-secret"}}})

    assert "sk-very-secret" not in repr(agent)
    assert "phoenix-secret" not in repr(config)


def test_braces_that_are_not_placeholders_stay_literal(tmp_path: Path) -> None:
    # The runner fills only `{known_name}` and leaves other braces alone, so JSON is fine.
    command = ["my-agent", '--opts={"depth": 2}', "{}", "--issue={issue_number}"]

    text = """[defaults.agent]\ncommand = ["my-agent", '--opts={"depth": 2}', "{}", "--issue={issue_number}"]\n"""

    config = load_text(tmp_path, text)

    assert config.defaults.agent.command == command


def test_keys_remap_dashboard_actions_by_binding_id() -> None:
    import pytest as _pytest

    from soda_tui.settings.loading import parse_config

    config = parse_config({"keys": {"pop": "o", "land": " ctrl+l "}}, source="keys.toml")
    assert config.keys == {"pop": "o", "land": "ctrl+l"}
    from soda_tui.settings.errors import ConfigError

    with _pytest.raises(ConfigError, match=r"keys\.pop"):
        parse_config({"keys": {"pop": "two words"}}, source="keys.toml")
