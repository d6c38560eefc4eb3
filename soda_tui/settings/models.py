"""The configuration file's shape (PRODUCT.md section 5) as pydantic models, each key described."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from soda_tui.settings.rules import (
    PLACEHOLDERS,
    TOKEN_ENV_NAMES,
    TOKEN_KEYS,
    env_name_problem,
    looks_like_token,
    placeholder_problem,
    repo_name_problem,
    url_problem,
)

if TYPE_CHECKING:
    from soda_tui.settings.resolved import RepoConfig

AgentPreset = Literal["claude-code", "aider", "codex", "custom", "demo"]
MergeMethod = Literal["squash", "merge", "rebase"]
StdinMode = Literal["prompt", "none"]

AGENT_PRESETS: tuple[str, ...] = get_args(AgentPreset)

DEFAULT_API_URL = "https://api.github.com/graphql"
DEFAULT_AGENT_PRESET: AgentPreset = "claude-code"


def _problem(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is already the user-facing text."""
    return PydanticCustomError(kind, "{message}", {"message": message})


class _Settings(BaseModel):
    """Shared behaviour: unknown keys are errors, values are immutable, inputs never echo."""

    # strict: TOML has real types, so "30" for an integer is a typo worth reporting, not coercing.
    # hide_input_in_errors: a pydantic message must never carry a value the user pasted (a token).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, hide_input_in_errors=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_token_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in data:
                if isinstance(key, str) and key.lower() in TOKEN_KEYS:
                    raise PydanticCustomError(
                        "token_in_file",
                        "tokens never go in the config file: delete `{key}` and export GH_TOKEN "
                        "(or name your own variable with token_env under [github])",
                        {"key": key},
                    )
        return data


class GitHubSettings(_Settings):
    """Where the GitHub GraphQL API is and where else the token may be read from."""

    api_url: str = Field(
        default=DEFAULT_API_URL,
        description="GraphQL endpoint; GitHub Enterprise Server is https://HOST/api/graphql.",
    )
    token_env: str | None = Field(
        default=None,
        description="Name of one more environment variable holding the token (never the token).",
    )

    @field_validator("api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise _problem("bad_url", problem)
        return value

    @field_validator("token_env")
    @classmethod
    def _check_token_env(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if looks_like_token(value):
            raise _problem(
                "token_in_file",
                "token_env takes the NAME of an environment variable, not the token: "
                "tokens never go in the config file (export it, then write its name here)",
            )
        problem = env_name_problem(value)
        if problem:
            raise _problem("bad_env_name", problem)
        return value


class AgentSpec(_Settings):
    """How one repository's agent is launched: a preset, or a custom command (preset "custom")."""

    preset: AgentPreset | None = Field(
        default=None,
        description="claude-code, aider, codex, demo, or custom (set by giving a command); "
        "None only in a partial table that overrides keys of the inherited agent.",
    )
    command: list[str] | None = Field(
        default=None,
        description="argv of a custom agent, run without a shell; may use placeholders "
        + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        + ".",
    )
    timeout_minutes: int = Field(default=60, ge=1, description="Kill the run after this long.")
    stall_minutes: int = Field(
        default=15, ge=0, description="Stop a run silent for this long; 0 turns stall checks off."
    )
    stdin: StdinMode = Field(
        default="prompt",
        description="'prompt' writes the prompt to the agent's stdin, 'none' gives it no stdin; "
        "a custom command that uses {prompt_file} defaults to 'none'.",
    )
    pass_github_token: bool = Field(
        default=False, description="Hand our GitHub token to the agent as GH_TOKEN (default off)."
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        repr=False,  # values may be API keys for the agent's model provider
        description="Extra environment variables for the agent, on top of the allowlist.",
    )
    extra_args: list[str] = Field(
        default_factory=list,
        description="Arguments appended to the agent's command line; may use the placeholders.",
    )
    model: str | None = Field(
        default=None, description="Model name passed to presets that accept one."
    )

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        command = data.get("command")
        if command is not None and "preset" not in data:
            data["preset"] = "custom"
        # The prompt already reaches a command that names {prompt_file}; piping it too is noise.
        if (
            "stdin" not in data
            and isinstance(command, list)
            and any(isinstance(part, str) and "{prompt_file}" in part for part in command)
        ):
            data["stdin"] = "none"
        return data

    @field_validator("command")
    @classmethod
    def _check_command(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value or not value[0].strip():
            raise _problem(
                "empty_command",
                "the command must be a non-empty list whose first item is the program, "
                'e.g. ["my-agent", "{prompt_file}"]',
            )
        cls._check_arguments(value)
        return value

    @field_validator("extra_args")
    @classmethod
    def _check_extra_args(cls, value: list[str]) -> list[str]:
        cls._check_arguments(value)
        return value

    @staticmethod
    def _check_arguments(arguments: list[str]) -> None:
        for argument in arguments:
            problem = placeholder_problem(argument)
            if problem:
                raise _problem("bad_placeholder", problem)

    @field_validator("env")
    @classmethod
    def _check_env(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name.upper() in TOKEN_ENV_NAMES:
                raise _problem(
                    "token_in_file",
                    f"{name} never goes in the config file: set pass_github_token = true "
                    "to hand the agent our token",
                )
            problem = env_name_problem(name)
            if problem:
                raise _problem("bad_env_name", problem)
        return value

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise _problem("empty_model", "model must not be empty; remove the key for the default")
        return value

    @model_validator(mode="after")
    def _check_preset_and_command(self) -> AgentSpec:
        if self.command is not None and self.preset != "custom":
            raise _problem(
                "command_with_preset",
                f"command is only for custom agents: remove preset = {self.preset!r}, or remove "
                "command to use the preset",
            )
        if self.preset == "custom" and self.command is None:
            raise _problem(
                "custom_without_command",
                'a custom agent needs a command, e.g. command = ["my-agent", "{prompt_file}"]',
            )
        return self

    @property
    def is_partial(self) -> bool:
        """True for a table that names neither preset nor command: it only adjusts another agent."""
        return self.preset is None

    def applied_to(self, base: AgentSpec) -> AgentSpec:
        """This spec if it is complete, else `base` with only the keys this partial table sets."""
        if not self.is_partial:
            return self
        updates = {name: getattr(self, name) for name in self.model_fields_set}
        return base.model_copy(update=updates)


def _agent_from_toml(value: Any) -> Any:
    """Turn `agent = "aider"` into the table form; tables pass through to AgentSpec."""
    if not isinstance(value, str):
        return value
    if value == "custom":
        raise _problem(
            "custom_without_command",
            'the custom agent needs a command: use a table, e.g. command = ["my-agent", '
            '"{prompt_file}"]',
        )
    if value not in AGENT_PRESETS:
        choices = ", ".join(name for name in AGENT_PRESETS if name != "custom")
        raise _problem(
            "unknown_preset",
            f"unknown agent preset {value!r}: expected one of {choices}, or a table with "
            "command = [...] for a custom agent",
        )
    return {"preset": value}


# `agent = "aider"` and `[...agent]` tables both arrive here and leave as an AgentSpec.
AgentField = Annotated[AgentSpec, BeforeValidator(_agent_from_toml)]


class Defaults(_Settings):
    """Settings every repository gets unless its own entry overrides them."""

    agent: AgentField = Field(
        default_factory=lambda: AgentSpec(preset=DEFAULT_AGENT_PRESET),
        description="A preset name or an agent table; a table without preset or command "
        "adjusts the claude-code preset.",
    )
    merge_method: MergeMethod = Field(default="squash", description="squash, merge or rebase.")
    require_review: bool = Field(
        default=False, description="Land only when the pull request's reviewDecision is APPROVED."
    )
    allow_no_checks: bool = Field(
        default=False, description="Land a pull request whose head has no status checks at all."
    )
    autopilot: bool = Field(default=False, description="Start each repository's unattended loop.")
    poll_seconds: int = Field(default=30, ge=5, description="Seconds between GitHub polls (>= 5).")
    stale_claim_hours: float = Field(
        default=24.0, gt=0, description="Claims older than this, with no live run, are recoverable."
    )
    bell: bool = Field(default=False, description="Ring the terminal bell on events that need you.")
    recovery_patterns: tuple[str, ...] = Field(
        default=("agent001/*", "agent*/*", "work-*"),
        min_length=1,
        description="Glob patterns of branches the recovery scan treats as agent work "
        "(`*` also matches `/`); My Little Soda's agent*/ and work-* by default.",
    )

    @field_validator("agent")
    @classmethod
    def _complete_agent(cls, value: AgentSpec) -> AgentSpec:
        return value.applied_to(AgentSpec(preset=DEFAULT_AGENT_PRESET))


class RepoSettings(_Settings):
    """One `[[repos]]` entry: the repository and any defaults it overrides."""

    name: str = Field(description="The repository as OWNER/REPO.")
    agent: AgentField | None = Field(
        default=None,
        description="Overrides the default agent; a table without preset or command adjusts it.",
    )
    merge_method: MergeMethod | None = Field(default=None, description="Overrides the default.")
    require_review: bool | None = Field(default=None, description="Overrides the default.")
    allow_no_checks: bool | None = Field(default=None, description="Overrides the default.")
    autopilot: bool | None = Field(default=None, description="Overrides the default.")
    poll_seconds: int | None = Field(default=None, ge=5, description="Overrides the default.")

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        problem = repo_name_problem(value)
        if problem:
            raise _problem("bad_repo_name", problem)
        return value


class TelemetrySettings(_Settings):
    """Where traces go besides the built-in recorder."""

    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces."
    )
    phoenix: bool = Field(
        default=False,
        description="Export to a local Arize Phoenix (http://127.0.0.1:6006/v1/traces).",
    )
    project_name: str = Field(default="soda-tui", min_length=1, description="Trace project name.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        repr=False,  # exporters' headers usually carry an API key
        description="Extra HTTP headers for the OTLP exporter.",
    )

    @field_validator("otlp_endpoint")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is not None:
            problem = url_problem(value)
            if problem:
                raise _problem("bad_url", problem)
        return value


class PathSettings(_Settings):
    """Optional overrides of where soda-tui keeps its data and state."""

    data_dir: Path | None = Field(
        default=None, strict=False, description="Workspaces live here (absolute, ~ allowed)."
    )
    state_dir: Path | None = Field(
        default=None,
        strict=False,
        description="Journals, run logs and traces live here (absolute, ~ allowed).",
    )

    @field_validator("data_dir", "state_dir")
    @classmethod
    def _check_absolute(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        expanded = value.expanduser()
        if not expanded.is_absolute():
            raise _problem(
                "relative_path",
                f"must be an absolute path, got {str(value)!r}: write the full path (~ is allowed)",
            )
        return expanded


class Config(_Settings):
    """The whole configuration file."""

    github: GitHubSettings = Field(
        default_factory=GitHubSettings, description="The GitHub API endpoint and token source."
    )
    defaults: Defaults = Field(default_factory=Defaults, description="Settings for every repo.")
    repos: list[RepoSettings] = Field(default_factory=list, description="The repositories.")
    telemetry: TelemetrySettings = Field(
        default_factory=TelemetrySettings, description="Trace export."
    )
    paths: PathSettings = Field(default_factory=PathSettings, description="Directory overrides.")
    keys: dict[str, str] = Field(
        default_factory=dict,
        description='Dashboard keys remapped by binding id, e.g. pop = "o" or land = "ctrl+l" '
        "(the ids are listed by the help screen's actions: pop, run, bottle, land, autopilot, "
        "cancel, unpark, refresh, queue, traces, metrics, recover, logs, help).",
    )

    @field_validator("keys")
    @classmethod
    def _check_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for binding_id, key in value.items():
            if not key.strip() or any(ch.isspace() for ch in key.strip()):
                raise _problem(
                    "bad_key",
                    f'keys.{binding_id} = {key!r} is not a key: use a name like "o" or "ctrl+l"',
                )
        return {binding_id: key.strip() for binding_id, key in value.items()}

    @field_validator("repos")
    @classmethod
    def _check_unique(cls, value: list[RepoSettings]) -> list[RepoSettings]:
        # GitHub names are case-insensitive, so Acme/API and acme/api are the same repository.
        first_index: dict[str, int] = {}
        for index, repo in enumerate(value):
            key = repo.name.lower()
            if key in first_index:
                raise _problem(
                    "duplicate_repo",
                    f"{repo.name} is listed twice (repos[{first_index[key]}] and repos[{index}]): "
                    "remove one entry",
                )
            first_index[key] = index
        return value

    @property
    def repo_names(self) -> tuple[str, ...]:
        """The configured repositories' names, in file order."""
        return tuple(repo.name for repo in self.repos)

    def repo(self, name: str) -> RepoConfig:
        """One repository's effective settings (matched case-insensitively); raises UnknownRepo."""
        from soda_tui.settings.resolved import find_repo

        return find_repo(self, name)
