"""Where soda-tui keeps things on disk: the only place its file and directory paths are made."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from soda_tui.settings.errors import ConfigError
from soda_tui.settings.models import PathSettings
from soda_tui.settings.rules import repo_name_problem, shown, split_repo_name

APP_NAME = "soda-tui"
CONFIG_FILE_NAME = "config.toml"
ENV_CONFIG = "SODA_CONFIG"
ENV_HOME = "SODA_HOME"


def _absolute(path: Path) -> Path:
    return path.expanduser().absolute()


def config_path(
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    app: str = APP_NAME,
) -> Path:
    """The config file: `--config`, else `SODA_CONFIG`, else `SODA_HOME`, else platformdirs."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return _absolute(explicit)
    if environ.get(ENV_CONFIG):
        return _absolute(Path(environ[ENV_CONFIG]))
    if environ.get(ENV_HOME):
        return _absolute(Path(environ[ENV_HOME])) / CONFIG_FILE_NAME
    return platformdirs.user_config_path(app, appauthor=False) / CONFIG_FILE_NAME


def config_path_is_explicit(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> bool:
    """True when the user named the config file (flag or SODA_CONFIG), so it must exist."""
    environ = os.environ if environ is None else environ
    return explicit is not None or bool(environ.get(ENV_CONFIG))


@dataclass(frozen=True)
class Paths:
    """soda-tui's directories; every per-repository path is checked to stay inside its base."""

    config_file: Path
    data_dir: Path
    state_dir: Path
    cache_dir: Path

    def __post_init__(self) -> None:
        # Resolve once so containment checks compare like with like (no `..`, no symlinked base).
        for field in dataclasses.fields(self):
            value = Path(getattr(self, field.name)).expanduser()
            resolved = value.absolute() if field.name == "config_file" else value.resolve()
            object.__setattr__(self, field.name, resolved)

    @classmethod
    def default(
        cls,
        app: str = APP_NAME,
        *,
        config_file: Path | None = None,
        settings: PathSettings | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Paths:
        """The user's places: `SODA_HOME` (everything under it) or platformdirs, then overrides."""
        environ = os.environ if environ is None else environ
        config_file = config_file or config_path(None, environ, app=app)
        home = environ.get(ENV_HOME)
        if home:
            paths = cls.under(Path(home), config_file=config_file)
        else:
            paths = cls(
                config_file=config_file,
                data_dir=platformdirs.user_data_path(app, appauthor=False),
                state_dir=platformdirs.user_state_path(app, appauthor=False),
                cache_dir=platformdirs.user_cache_path(app, appauthor=False),
            )
        return paths.with_settings(settings) if settings is not None else paths

    @classmethod
    def from_settings(
        cls,
        settings: PathSettings,
        environ: Mapping[str, str] | None = None,
        *,
        config_file: Path | None = None,
        app: str = APP_NAME,
    ) -> Paths:
        """The user's places with a loaded config's `[paths]` overrides applied."""
        return cls.default(app, config_file=config_file, settings=settings, environ=environ)

    @classmethod
    def under(cls, root: Path, *, config_file: Path | None = None) -> Paths:
        """Everything below one directory (tests, demos, `SODA_HOME`)."""
        root = Path(root).expanduser().resolve()
        return cls(
            config_file=config_file or root / CONFIG_FILE_NAME,
            data_dir=root / "data",
            state_dir=root / "state",
            cache_dir=root / "cache",
        )

    def with_settings(self, settings: PathSettings) -> Paths:
        """These paths with the config file's `[paths]` overrides applied."""
        return dataclasses.replace(
            self,
            data_dir=settings.data_dir or self.data_dir,
            state_dir=settings.state_dir or self.state_dir,
        )

    @property
    def workspaces_dir(self) -> Path:
        """Parent of every repository's workspace clone."""
        return self.data_dir / "workspaces"

    @property
    def localhub_dir(self) -> Path:
        """Data of the embedded GitHub that `soda-tui demo` runs."""
        return self.data_dir / "localhub"

    @property
    def journals_dir(self) -> Path:
        """Parent of the per-repository action journals."""
        return self.state_dir / "journals"

    @property
    def runs_dir(self) -> Path:
        """Parent of the per-repository agent run logs."""
        return self.state_dir / "runs"

    @property
    def traces_dir(self) -> Path:
        """Where the local JSONL trace files go."""
        return self.state_dir / "traces"

    @property
    def ignored_file(self) -> Path:
        """The list of branches and issues the user chose to ignore."""
        return self.state_dir / "ignored.json"

    def workspace(self, repo: str) -> Path:
        """The clone soda-tui owns for `owner/repo`: `data_dir/workspaces/<owner>/<repo>`."""
        owner, name = self._parts(repo)
        return self._inside(self.workspaces_dir, self.workspaces_dir / owner / name)

    def journal(self, repo: str) -> Path:
        """The action journal of `owner/repo`: `state_dir/journals/<owner>__<repo>.json`."""
        owner, name = self._parts(repo)
        return self._inside(self.journals_dir, self.journals_dir / f"{owner}__{name}.json")

    def run_log_dir(self, repo: str) -> Path:
        """The directory of `owner/repo`'s run logs: `state_dir/runs/<owner>__<repo>/`."""
        owner, name = self._parts(repo)
        return self._inside(self.runs_dir, self.runs_dir / f"{owner}__{name}")

    def ensure(self) -> None:
        """Create every base directory (private to the user), or raise ConfigError saying why."""
        for directory in (
            self.data_dir,
            self.workspaces_dir,
            self.state_dir,
            self.journals_dir,
            self.runs_dir,
            self.traces_dir,
            self.cache_dir,
        ):
            try:
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                reason = error.strerror or type(error).__name__
                raise ConfigError(
                    f"cannot create {directory}: {reason}; point [paths] data_dir/state_dir "
                    "or SODA_HOME at a writable directory"
                ) from None

    @staticmethod
    def _parts(repo: str) -> tuple[str, str]:
        problem = repo_name_problem(repo)
        if problem:
            raise ConfigError(f"refusing to make a path for {shown(repo)}: {problem}")
        owner, name = split_repo_name(repo)
        # GitHub names are case-insensitive: one repository must map to one workspace and one
        # journal however it is spelt, or two spellings could run two agents in one repository.
        return owner.lower(), name.lower()

    @staticmethod
    def _inside(base: Path, candidate: Path) -> Path:
        resolved_base = base.resolve()
        resolved = candidate.resolve()
        if resolved == resolved_base or not resolved.is_relative_to(resolved_base):
            raise ConfigError(
                f"refusing {candidate}: it resolves to {resolved}, outside {resolved_base}; "
                "remove the symbolic link that points out of soda-tui's directories"
            )
        return resolved
