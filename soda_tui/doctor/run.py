"""doctor: run every check in order (config, git, token, endpoint, each repository) and report."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from soda_tui.core.clock import Clock
from soda_tui.core.endpoints import git_remote_url
from soda_tui.core.models import RepoName
from soda_tui.doctor.checks import (
    Check,
    DoctorReport,
    check_agent,
    check_git,
    check_labels,
    check_permission,
    check_workspace,
)
from soda_tui.github.client import GitHubClient
from soda_tui.github.errors import BadCredentials, GitHubError, MissingToken, TransportFailure
from soda_tui.github.operations import build_operation
from soda_tui.github.token import GH_COMMAND, find_token
from soda_tui.loop.batching import batched_document, batched_variables
from soda_tui.loop.setup import LABELS
from soda_tui.settings.errors import ConfigError
from soda_tui.settings.loading import config_path, load_config
from soda_tui.settings.paths import Paths, config_path_is_explicit

BATCH = 25  # repositories per request


async def run_doctor(
    explicit_config: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    paths: Paths | None = None,
    clock: Clock | None = None,
    gh_command: Sequence[str] = GH_COMMAND,
) -> DoctorReport:
    """Check the config, git, the token, the endpoint and every repository; never raises."""
    env = os.environ if environ is None else environ
    checks: list[Check] = []
    file = config_path(explicit_config, env)
    try:
        config = load_config(file, explicit=config_path_is_explicit(explicit_config, env))
        where = str(file) if file.exists() else f"{file} (absent: defaults)"
        checks.append(Check("config", True, f"valid: {where}, {len(config.repos)} repositories"))
    except ConfigError as error:
        checks.append(Check("config", False, error.message, f"edit {file}"))
        checks.append(check_git(env))
        return DoctorReport(tuple(checks))
    resolved_paths = paths or Paths.from_settings(config.paths, env, config_file=file)
    checks.append(check_git(env))
    if not config.repos:
        checks.append(
            Check("repositories", False, "none configured", "run `soda-tui init OWNER/REPO`")
        )
    try:
        found = find_token(config.github.token_env, env, gh_command)
        token = found.token
        checks.append(Check("token", True, f"found in {found.source.describe()}"))
    except MissingToken as error:
        checks.append(
            Check("token", False, error.summary, "export GH_TOKEN, or run `gh auth login`")
        )
        token = None
    api_url = config.github.api_url
    permissions: dict[str, Check] = {}
    if token is not None:
        client = GitHubClient(api_url, token, clock=clock, max_attempts=2, timeout=15.0)
        try:
            checks += await _github_checks(client, api_url, config.repo_names, permissions)
        finally:
            await client.aclose()
    for repo_config in config.repos:
        name = repo_config.name
        repo = RepoName.parse(name)
        checks += [check for check in permissions.values() if check.repo == name]
        workspace = resolved_paths.workspace(name)
        checks += check_workspace(
            repo, workspace, git_remote_url(api_url, repo), token, resolved_paths.state_dir
        )
        checks.append(check_agent(config.repo(name), workspace, env))
    return DoctorReport(tuple(checks))


async def _github_checks(
    client: GitHubClient, api_url: str, names: Sequence[str], per_repo: dict[str, Check]
) -> list[Check]:
    """The endpoint, the token's validity, and access and labels per repository."""
    try:
        viewer = await client.execute("Viewer")
    except BadCredentials as error:
        return [
            Check("endpoint", True, f"{api_url} answered"),
            Check("token valid", False, error.summary, "create a new token and export it"),
        ]
    except TransportFailure as error:
        return [Check("endpoint", False, error.summary, "check [github] api_url and the network")]
    except GitHubError as error:
        return [Check("endpoint", False, error.summary, "check [github] api_url")]
    login = (viewer.get("viewer") or {}).get("login", "?")
    checks = [
        Check("endpoint", True, f"{api_url} answered"),
        Check("token valid", True, f"signed in as {login}"),
    ]
    repos = [RepoName.parse(name) for name in names]
    for start in range(0, len(repos), BATCH):
        chunk = repos[start : start + BATCH]
        operation = build_operation("DoctorRepos", batched_document("DoctorRepos", len(chunk)))
        variables = batched_variables([{"owner": r.owner, "name": r.name} for r in chunk])
        try:
            data = await client.execute_operation(operation, variables, allow_partial=True)
        except GitHubError as error:
            for repo in chunk:
                per_repo[f"{repo}:access"] = Check(
                    "access", False, error.summary, "run doctor again", str(repo)
                )
            continue
        for index, repo in enumerate(chunk):
            node = data.get(f"r{index}_repo")
            name = str(repo)
            if node is None:
                per_repo[f"{name}:access"] = Check(
                    "access",
                    False,
                    "not found, or the token cannot see it",
                    "check the name in the config and the token's access",
                    name,
                )
                continue
            per_repo[f"{name}:access"] = check_permission(name, node.get("viewerPermission"))
            present = [n["name"] for n in (node.get("labels") or {}).get("nodes") or [] if n]
            per_repo[f"{name}:labels"] = check_labels(name, present, LABELS)
    return checks
