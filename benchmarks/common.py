"""Shared set-up for benchmarks: localhub on a temp dir, a Session against it, tables, process meters."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from soda_tui.core.models import RepoName
from soda_tui.localhub import LocalHub
from soda_tui.loop.session import Session
from soda_tui.loop.setup import LABELS
from soda_tui.settings.loading import parse_config
from soda_tui.settings.paths import Paths

TOKEN_ENV = "SODA_BENCH_TOKEN"
TOKEN = "bench-token-0123456789"
FAST_DEMO_AGENT = 'agent = { preset = "demo", env = { SODA_DEMO_FAST = "1" } }'
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine() -> str:
    """One line describing where the figures were taken."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except (OSError, ValueError):
        pass
    return (
        f"{platform.node()} {platform.machine()} {os.cpu_count()} cores ({cpu}){memory}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


@contextmanager
def bench_hub(**options: object) -> Iterator[LocalHub]:
    """A started localhub in a temp dir (CI off unless asked)."""
    with tempfile.TemporaryDirectory(prefix="soda-bench-") as directory:
        options.setdefault("ci", False)
        hub = LocalHub(Path(directory) / "hub", token=TOKEN, **options)
        hub.start()
        try:
            yield hub
        finally:
            hub.stop()


def seed(
    hub: LocalHub,
    repo: str,
    *,
    queued: int = 0,
    files: dict[str, str] | None = None,
    body: str = "",
) -> RepoName:
    """A repository with the protocol labels and `queued` ready issues."""
    name = RepoName.parse(repo)
    hub.state.create_repository(name.owner, name.name, files=files or {"README.md": "# bench\n"})
    for label, (color, _description) in LABELS.items():
        hub.state.ensure_label(name.owner, name.name, label, color)
    if queued:
        hub.state.create_issues_bulk(
            name.owner,
            name.name,
            [
                {"title": f"Task {i}", "body": body, "labels": ["route:ready"]}
                for i in range(queued)
            ],
        )
    return name


def config_text(
    api_url: str, repos: Sequence[str], *, agent: str = FAST_DEMO_AGENT, extra: str = ""
) -> str:
    """A config for `repos` on `api_url`: the given agent, checks not required, token from TOKEN_ENV."""
    lines = [
        "[github]",
        f'api_url = "{api_url}"',
        f'token_env = "{TOKEN_ENV}"',
        "",
        "[defaults]",
        agent,
        "allow_no_checks = true",
        extra,
        "",
    ]
    for repo in repos:
        lines += ["[[repos]]", f'name = "{repo}"', ""]
    return "\n".join(lines)


def open_session(
    hub: LocalHub | str,
    repos: Sequence[str],
    root: Path,
    *,
    extra: str = "",
    agent: str = FAST_DEMO_AGENT,
) -> Session:
    """A Session over `hub` (or a GraphQL URL) for `repos`, checks not required."""
    api_url = hub if isinstance(hub, str) else hub.graphql_url
    text = config_text(api_url, repos, agent=agent, extra=extra)
    config = parse_config(tomllib.loads(text), source="benchmark")
    environ = {"PATH": os.environ.get("PATH", ""), TOKEN_ENV: TOKEN, "HOME": str(root)}
    return Session.open(
        root / "config.toml", environ=environ, paths=Paths.under(root / "soda"), config=config
    )


# -- printing -------------------------------------------------------------------------------


class Table:
    """A Markdown table printed row by row, so a long benchmark shows progress and pastes into docs."""

    def __init__(
        self, title: str, columns: Sequence[str], widths: Mapping[str, int] | None = None
    ) -> None:
        self.columns = list(columns)
        wanted = widths or {}
        self.widths = [max(len(column), 6, wanted.get(column, 0)) for column in self.columns]
        print(f"\n### {title}\n", flush=True)
        self._line(self.columns)
        print("|" + "|".join("-" * (width + 2) for width in self.widths) + "|", flush=True)

    def row(self, *cells: object) -> None:
        """Print one row (floats get a sensible precision, None prints as a dash)."""
        self._line([format_cell(cell) for cell in cells])

    def _line(self, cells: Sequence[str]) -> None:
        padded = [
            cell.ljust(width) if index < 2 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, self.widths, strict=False))
        ]
        print("| " + " | ".join(padded) + " |", flush=True)


def format_cell(cell: object) -> str:
    """How a figure is shown in a table."""
    if cell is None:
        return "—"
    if isinstance(cell, float):
        if abs(cell) >= 100:
            return f"{cell:,.0f}"
        if abs(cell) >= 10:
            return f"{cell:.1f}"
        return f"{cell:.2f}"
    if isinstance(cell, int):
        return f"{cell:,}"
    return str(cell)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` fall (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    """The median, 0 for no values."""
    return statistics.median(values) if values else 0.0


# -- process meters -------------------------------------------------------------------------


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size of a process in KiB, from /proc/<pid>/status (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of another process, from /proc/<pid>/stat (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
