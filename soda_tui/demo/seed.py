"""Seed localhub with realistic demo repositories (priorities, blocked, human-only, failing CI, a conflict)."""

from __future__ import annotations

from dataclasses import dataclass

from soda_tui.core.naming import (
    BLOCKED_LABEL,
    HUMAN_ONLY_LABELS,
    PRIORITY_LABELS,
    READY_LABEL,
    UNBLOCKER_LABEL,
)
from soda_tui.loop.setup import LABELS

PASSING_CI = "#!/usr/bin/env bash\nset -e\necho 'running the demo test suite'\nsleep 1\necho 'all tests passed'\n"
FAILING_CI = (
    "#!/usr/bin/env bash\necho 'running the demo test suite'\n"
    "if [ -f BROKEN.txt ]; then echo 'FAILED: BROKEN.txt breaks the build'; exit 1; fi\n"
    "echo 'all tests passed'\n"
)
HIGH, MEDIUM, LOW = PRIORITY_LABELS[1], PRIORITY_LABELS[2], PRIORITY_LABELS[3]


@dataclass(frozen=True)
class DemoIssue:
    """One seeded issue."""

    title: str
    body: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class DemoRepo:
    """One seeded repository with its files and issues."""

    owner: str
    name: str
    files: dict[str, str]
    issues: tuple[DemoIssue, ...]


DEMO_REPOS: tuple[DemoRepo, ...] = (
    DemoRepo(
        "demo",
        "webshop",
        {
            "README.md": "# webshop\n\nA tiny demo shop.\n",
            ".localhub/ci": PASSING_CI,
        },
        (
            DemoIssue(
                "Add a dark mode toggle",
                "Users want a dark theme in the header.",
                (READY_LABEL, HIGH),
            ),
            DemoIssue(
                "Fix the typo on the checkout page", "It says 'chekout'.", (READY_LABEL, LOW)
            ),
            DemoIssue(
                "Show stock levels on product pages",
                "Display 'only 3 left' when stock is low.",
                (READY_LABEL,),
            ),
            DemoIssue(
                "Migrate to the new payment provider",
                "Waiting on the vendor's sandbox.",
                (READY_LABEL, BLOCKED_LABEL),
            ),
            DemoIssue(
                "Decide the summer pricing",
                "Needs a human decision.",
                (READY_LABEL, HUMAN_ONLY_LABELS[0]),
            ),
        ),
    ),
    DemoRepo(
        "demo",
        "api",
        {
            "README.md": "# api\n\nThe demo HTTP API.\n",
            ".localhub/ci": FAILING_CI,
        },
        (
            DemoIssue(
                "Unblock the release: pin the TLS library",
                "The release is stuck on this.",
                (UNBLOCKER_LABEL,),
            ),
            DemoIssue(
                "Add rate limiting to the login endpoint",
                "Five attempts a minute.\n\nsoda-demo: edit BROKEN.txt this change breaks the tests",
                (READY_LABEL, MEDIUM),
            ),
            DemoIssue("Return 404 for unknown routes", "Instead of a 500.", (READY_LABEL, LOW)),
        ),
    ),
    DemoRepo(
        "demo",
        "docs",
        {
            "README.md": "# docs\n\nStatus: draft\n",
            ".localhub/ci": PASSING_CI,
        },
        (
            DemoIssue(
                "Mark the docs as reviewed",
                "soda-demo: edit README.md Status: reviewed",
                (READY_LABEL, HIGH),
            ),
            DemoIssue(
                "Mark the docs as published",
                "soda-demo: edit README.md Status: published",
                (READY_LABEL, HIGH),
            ),
            DemoIssue(
                "Write a getting-started guide", "Cover install and first run.", (READY_LABEL,)
            ),
        ),
    ),
    DemoRepo(
        "demo",
        "cli",
        {"README.md": "# cli\n\nA command-line tool without CI.\n"},
        (
            DemoIssue("Add a --version flag", "Print the version and exit.", (READY_LABEL, MEDIUM)),
            DemoIssue(
                "Colour the error messages", "Red for errors, yellow for warnings.", (READY_LABEL,)
            ),
        ),
    ),
)
NO_CI_REPOS = {"demo/cli"}


def seed(state) -> list[str]:
    """Create every demo repository that does not exist yet; return the names of all of them."""
    names = []
    for repo in DEMO_REPOS:
        full = f"{repo.owner}/{repo.name}"
        names.append(full)
        if state.bare_repo_path(repo.owner, repo.name) is not None:
            continue
        state.create_repository(repo.owner, repo.name, default_branch="main", files=repo.files)
        for label, (color, _description) in LABELS.items():
            state.ensure_label(repo.owner, repo.name, label, color)
        for issue in repo.issues:
            state.create_issue(
                repo.owner, repo.name, issue.title, body=issue.body, labels=issue.labels
            )
    return names
