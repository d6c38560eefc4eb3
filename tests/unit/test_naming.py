"""Slugs and branch names follow PRODUCT.md section 3 exactly."""

from __future__ import annotations

import pytest

from soda_tui.core.naming import archive_tag, branch_name, issue_number_from_branch, slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Fix the login bug", "fix-the-login-bug"),
        ("Crash when opening settings on a small screen", "crash-when-opening-settings-on"),
        ("Ünïcödé tïtlé", "unicode-title"),
        ("$(touch pwned); `rm -rf /`", "touch-pwned-rm-rf"),
        ("日本語のみ", ""),
        ("", ""),
        ("a" * 50, "a" * 30),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slugify(title)) <= 30


def test_branch_name_with_and_without_slug() -> None:
    assert branch_name(12, "Add a --json flag") == "agent001/12-add-a-json-flag"
    assert branch_name(7, "日本語") == "agent001/7"
    with pytest.raises(ValueError, match="positive"):
        branch_name(0, "x")


def test_branch_round_trip_and_archive_tag() -> None:
    assert issue_number_from_branch("agent001/12-add-a-json-flag") == 12
    assert issue_number_from_branch("agent001/7") == 7
    assert issue_number_from_branch("agent002/3-x") == 3
    assert issue_number_from_branch("feature/12-x") is None
    assert archive_tag("agent001/12-x") == "archive/agent001/12-x"


def test_pull_request_body_stays_within_githubs_limit() -> None:
    from soda_tui.loop.bottle import pull_request_body

    body = pull_request_body(7, [(f"{i:040x}", "x" * 500) for i in range(2000)])
    assert body.startswith("Fixes #7\n")
    assert len(body) < 65536
    assert "more commits" in body
