"""Deterministic sample dashboards, built from the real dataclasses, for snapshots and screenshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from soda_tui.agents.events import AgentEvent, LogLine, RunStarted, TokenUsage
from soda_tui.core.clock import FakeClock
from soda_tui.core.models import Issue, RepoName
from soda_tui.github.budget import RateBudget
from soda_tui.loop.autopilot import WorkerUpdate
from soda_tui.loop.board import OpenPull, RepoBoard
from soda_tui.loop.session import Session
from soda_tui.loop.status import BoardSnapshot
from soda_tui.settings.models import Config
from soda_tui.settings.paths import Paths
from soda_tui.tui.app import SodaApp, create_app
from soda_tui.tui.messages import BudgetChanged, Progressed, WorkerReported
from soda_tui.tui.screens.queue import QueueScreen

SCENE_NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
SCENE_TOKEN = "scene-token-not-a-real-one"
# Nothing listens here: scenes never poll, and a stray request fails fast instead of leaving.
SCENE_API_URL = "http://127.0.0.1:9/graphql"


@dataclass(frozen=True)
class ScenePane:
    """One sample repository: its board and what its agent is doing."""

    board: RepoBoard
    autopilot: bool = False
    agent_lines: tuple[str, ...] = ()
    step: tuple[str, timedelta] | None = None
    """What the autopilot said it is doing, and how long ago it started."""
    progress: str | None = None
    error: str | None = None
    parked_for: timedelta | None = None


def _ago(**delta: float) -> str:
    return (SCENE_NOW - timedelta(**delta)).isoformat()


def _pull(
    number: int, title: str, checks: str | None, issue: int, mergeable: str = "MERGEABLE"
) -> OpenPull:
    slug = "-".join(title.lower().split()[:4])
    return OpenPull(
        number,
        title,
        f"https://github.com/acme/x/pull/{number}",
        f"agent001/{issue}-{slug}",
        checks,
        mergeable,
        False,
    )


def _board(name: str, **fields: object) -> RepoBoard:
    return RepoBoard(repo=RepoName.parse(name), found=True, **fields)  # type: ignore[arg-type]


AGENT_LINES = (
    "Reading the issue and the repository layout",
    "[tool] Grep: def login in src/",
    "[tool] Read: src/auth/login.py",
    "Adding a sliding-window limiter: five attempts a minute per account",
    "[tool] Edit: src/auth/login.py (+38 -4)",
    "[tool] Bash: pytest tests/auth -q",
    "........................                       [100%]",
    "24 passed in 1.92s",
    "[tool] Bash: git commit -am 'Rate-limit the login endpoint'",
    "[main 3f2a9c1] Rate-limit the login endpoint",
)

SCENE_PANES: tuple[ScenePane, ...] = (
    ScenePane(
        _board(
            "acme/api",
            queued=3,
            working=(42, "Add rate limiting to the login endpoint"),
            working_since=_ago(minutes=7, seconds=12),
            next_issue=(43, "Return 404 for unknown routes"),
        ),
        autopilot=True,
        agent_lines=AGENT_LINES,
        step=("run: working on #42", timedelta(minutes=7, seconds=12)),
    ),
    ScenePane(
        _board(
            "acme/web",
            queued=2,
            review=1,
            review_issues=((17, "Add a dark mode toggle"),),
            agent_pulls=(_pull(18, "Add a dark mode toggle", "SUCCESS", 17),),
        ),
        autopilot=True,
    ),
    ScenePane(
        _board("acme/analytics", queued=4, next_issue=(5, "Export the weekly report as CSV")),
        autopilot=True,
        step=("pop: 4 queued", timedelta(seconds=14)),
        progress="Receiving objects:  45% (9/20)",
    ),
    ScenePane(
        _board(
            "acme/mobile",
            queued=1,
            working=(9, "Fix the crash on rotation"),
            working_since=_ago(hours=2, minutes=4),
        ),
        parked_for=timedelta(hours=1, minutes=23),
    ),
    ScenePane(_board("acme/docs", queued=0)),
    ScenePane(
        _board(
            "acme/cli",
            queued=2,
            working=(8, "Add a --version flag"),
            working_since=_ago(minutes=41),
            next_issue=(11, "Colour the error messages"),
        )
    ),
    ScenePane(_board("acme/billing", queued=0, blocked=2)),
    ScenePane(
        _board("acme/infra", queued=1, next_issue=(3, "Pin the Terraform provider")),
        autopilot=True,
        error="push of agent001/3-pin-the-terraform failed: the remote refused the token (403)",
    ),
    ScenePane(
        _board(
            "acme/search",
            queued=5,
            review=1,
            review_issues=((21, "Stem plural queries"),),
            agent_pulls=(_pull(22, "Stem plural queries", "PENDING", 21),),
        )
    ),
    ScenePane(
        _board(
            "acme/auth",
            queued=0,
            review=1,
            review_issues=((30, "Rotate session keys"),),
            agent_pulls=(_pull(31, "Rotate session keys", "FAILURE", 30, "CONFLICTING"),),
        )
    ),
    ScenePane(_board("acme/design", queued=6, next_issue=(12, "Tokens for the new colour scale"))),
    ScenePane(RepoBoard(repo=RepoName.parse("acme/email"), found=False)),
)

SCENE_QUEUES: dict[str, tuple[tuple[int, str, tuple[str, ...], float], ...]] = {
    "acme/api": (
        (43, "Return 404 for unknown routes", ("route:ready", "route:priority-low"), 50),
        (44, "Log slow queries", ("route:ready",), 20),
        (40, "Unblock the release: pin the TLS library", ("route:unblocker",), 3),
    ),
    "acme/web": (
        (19, "Show stock levels on product pages", ("route:ready", "route:priority-high"), 8),
        (20, "Fix the typo on the checkout page", ("route:ready", "route:priority-low"), 30),
    ),
    "acme/cli": (
        (11, "Colour the error messages", ("route:ready",), 12),
        (12, "Add shell completions", ("route:ready", "route:priority-medium"), 2),
    ),
    "acme/design": (
        (12, "Tokens for the new colour scale", ("route:ready", "route:priority-very-high"), 1),
    ),
}


def scene_config(repos: list[str], autopilot: set[str]) -> Config:
    """A config for the sample repositories (demo agent, no polling needed)."""
    return Config.model_validate(
        {
            "github": {"api_url": SCENE_API_URL},
            "defaults": {"agent": "demo", "poll_seconds": 30},
            "repos": [{"name": name, "autopilot": name in autopilot} for name in repos],
        }
    )


def open_scene_session(root: Path, panes: int) -> Session:
    """A real session over the first `panes` sample repositories, rooted in `root`, on a fixed clock."""
    chosen = SCENE_PANES[:panes]
    repos = [str(pane.board.repo) for pane in chosen]
    config = scene_config(repos, {str(pane.board.repo) for pane in chosen if pane.autopilot})
    return Session.open(
        root / "config.toml",
        environ={"GH_TOKEN": SCENE_TOKEN},
        clock=FakeClock(SCENE_NOW),
        paths=Paths.under(root),
        config=config,
    )


def scene_app(session: Session) -> SodaApp:
    """The dashboard on a scene session: no polling, times in UTC."""
    return create_app(session, poll=False, tz=UTC, title="soda-tui")


def stage(app: SodaApp) -> None:
    """Feed the app every sample fact through its real entry points (boards, events, messages)."""
    chosen = [pane for pane in SCENE_PANES if str(pane.board.repo) in app.repos]
    parks = {
        str(p.board.repo): (SCENE_NOW + p.parked_for, "agent usage limit") if p.parked_for else None
        for p in chosen
    }
    app.feed_board(BoardSnapshot([pane.board for pane in chosen], 4870, 5000, None), parks)
    app.post_message(
        BudgetChanged(
            RateBudget(
                limit=5000,
                remaining=4870,
                used=130,
                reset_at=SCENE_NOW + timedelta(minutes=42),
                requests=37,
                points_used=37,
            )
        )
    )
    for pane in chosen:
        repo = str(pane.board.repo)
        if pane.step:
            text, ago = pane.step
            app.post_message(WorkerReported(WorkerUpdate(repo, "step", text, SCENE_NOW - ago)))
        if pane.agent_lines:
            for event in _run_events(pane):
                app.feed_agent_event(repo, event)
        if pane.progress:
            app.post_message(Progressed(repo, pane.progress))
        if pane.error:
            app.post_message(
                WorkerReported(WorkerUpdate(repo, "error", pane.error, SCENE_NOW, ok=False))
            )


def _run_events(pane: ScenePane) -> list[AgentEvent]:
    events: list[AgentEvent] = [RunStarted(4242, "soda-demo-agent --issue 42")]
    for index, line in enumerate(pane.agent_lines):
        events.append(LogLine("stdout", line, SCENE_NOW - timedelta(seconds=60 - index)))
    events.append(TokenUsage(input_tokens=18_230, output_tokens=2_614, cost_usd=0.41))
    return events


def scene_queues() -> dict[RepoName, list[Issue]]:
    """Sample queues for the queue screen, in pop order."""
    queues: dict[RepoName, list[Issue]] = {}
    for repo, issues in SCENE_QUEUES.items():
        queued = [
            Issue(
                node_id=f"I_{repo}_{number}",
                number=number,
                title=title,
                created_at=SCENE_NOW - timedelta(days=days),
                labels=frozenset(labels),
            )
            for number, title, labels, days in issues
        ]
        queues[RepoName.parse(repo)] = sorted(
            queued, key=lambda issue: (issue.rank, issue.created_at)
        )
    return queues


def show_queue_scene(app: SodaApp) -> None:
    """Open the queue screen on the sample queues (without reading GitHub)."""
    screen = QueueScreen()
    app.push_screen(screen, wait_for_dismiss=False)
    app.call_after_refresh(screen.show_queues, scene_queues(), SCENE_NOW)
