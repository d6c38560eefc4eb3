"""Usage-limit messages of the agent CLIs become a reset time (AGENT-CLIS.md, Claude and Codex)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from soda_tui.agents.usage_limits import mentions_usage_limit, parse_usage_limit, reset_time

ROME = ZoneInfo("Europe/Rome")
CALCUTTA = ZoneInfo("Asia/Calcutta")


def test_wall_clock_reset_later_today() -> None:
    now = datetime(2026, 3, 10, 1, 0, tzinfo=ROME)
    limit = parse_usage_limit("You've hit your limit · resets 4:50am (Europe/Rome)", now)
    assert limit is not None
    assert limit.reset_at == datetime(2026, 3, 10, 4, 50, tzinfo=ROME)
    assert limit.reset_at.tzinfo is not None
    assert limit.message == "You've hit your limit · resets 4:50am (Europe/Rome)"


def test_wall_clock_reset_already_past_means_tomorrow() -> None:
    now = datetime(2026, 3, 10, 9, 0, tzinfo=ROME)
    limit = parse_usage_limit("You've hit your limit · resets 4:50am (Europe/Rome)", now)
    assert limit is not None
    assert limit.reset_at == datetime(2026, 3, 11, 4, 50, tzinfo=ROME)


def test_reset_just_behind_now_is_rounding_not_tomorrow() -> None:
    now = datetime(2026, 3, 10, 13, 5, tzinfo=UTC)
    assert reset_time("You've hit your limit · resets 1pm (UTC)", now) == datetime(
        2026, 3, 10, 13, 0, tzinfo=UTC
    )


def test_session_limit_and_curly_apostrophe() -> None:
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    limit = parse_usage_limit("You’ve hit your session limit · resets 3pm (Europe/Berlin)", now)
    assert limit is not None
    assert limit.reset_at == datetime(2026, 6, 1, 15, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_reset_with_a_date() -> None:
    now = datetime(2026, 1, 28, 12, 0, tzinfo=UTC)
    text = "You've hit your limit · resets Jan 30, 11:30am (Asia/Calcutta)"
    assert reset_time(text, now) == datetime(2026, 1, 30, 11, 30, tzinfo=CALCUTTA)


def test_reset_date_earlier_in_the_year_means_next_year() -> None:
    now = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
    text = "You've hit your limit · resets Jan 2, 9am (Asia/Calcutta)"
    assert reset_time(text, now) == datetime(2027, 1, 2, 9, 0, tzinfo=CALCUTTA)


def test_reset_keeps_wall_clock_across_a_dst_change() -> None:
    # Rome moves to summer time on 2026-03-29 at 02:00.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=ROME)
    reset = reset_time("You've hit your limit · resets 4:50am (Europe/Rome)", now)
    assert reset is not None
    assert reset.astimezone(ROME).replace(tzinfo=None) == datetime(2026, 3, 29, 4, 50)


def test_legacy_epoch_form() -> None:
    now = datetime(2025, 11, 24, 12, 0, tzinfo=UTC)
    limit = parse_usage_limit("Claude AI usage limit reached|1764003600", now)
    assert limit is not None
    assert limit.reset_at == datetime.fromtimestamp(1764003600, tz=UTC)


def test_codex_relative_form() -> None:
    now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    text = (
        "You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing) "
        "or try again in 2 days 17 hours 14 minutes."
    )
    assert reset_time(text, now) == now + timedelta(days=2, hours=17, minutes=14)


def test_api_spend_cap_form() -> None:
    now = datetime(2026, 3, 20, tzinfo=UTC)
    text = (
        "You have reached your specified API usage limits. "
        "You will regain access on 2026-04-01 at 00:00 UTC."
    )
    assert reset_time(text, now) == datetime(2026, 4, 1, tzinfo=UTC)


def test_limit_without_a_parsable_reset_is_still_a_limit() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    limit = parse_usage_limit("You've hit your limit · resets 4pm (Mars/Olympus_Mons)", now)
    assert limit is not None and limit.reset_at is None
    assert parse_usage_limit("You've hit your limit", now) is not None


@pytest.mark.parametrize(
    "text",
    [
        "All tests pass.",
        "I will add a rate limit to the endpoint that resets at 4pm.",
        "The limit resets 4:50am (Europe/Rome)",
    ],
)
def test_ordinary_text_is_not_a_limit(text: str) -> None:
    assert not mentions_usage_limit(text)
    assert parse_usage_limit(text, datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_message_is_the_line_with_the_limit() -> None:
    text = "some output\nYou've hit your limit · resets 1pm (Europe/Lisbon)\nmore"
    limit = parse_usage_limit(text, datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    assert limit is not None
    assert limit.message == "You've hit your limit · resets 1pm (Europe/Lisbon)"
    assert limit.reset_at == datetime(2026, 7, 1, 13, 0, tzinfo=ZoneInfo("Europe/Lisbon"))
