"""Recognise an agent's usage-limit message and work out when the limit lifts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from soda_tui.agents.events import UsageLimit

_LIMIT_PHRASES = re.compile(
    r"Claude AI usage limit reached"
    r"|You(?:'|’)ve hit your (?:[\w-]+ )?limit"
    r"|You have reached your specified API usage limits"
    r"|usage_limit_reached",
    re.IGNORECASE,
)
_LEGACY_EPOCH = re.compile(r"usage limit reached\|(\d{9,})", re.IGNORECASE)
_RESETS_AT = re.compile(
    r"resets\s+"
    r"(?:(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?:at\s+)?)?"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"(?:\s*\((?P<zone>[^)]+)\))?",
    re.IGNORECASE,
)
_TRY_AGAIN = re.compile(r"try again in\s+(?P<span>[\w\s,]+)", re.IGNORECASE)
_SPAN_PART = re.compile(
    r"(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b", re.IGNORECASE
)
_REGAIN_ON = re.compile(
    r"regain access on\s+(\d{4}-\d{2}-\d{2})(?:\s+at\s+(\d{1,2}:\d{2}))?\s*(UTC)?", re.IGNORECASE
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# The CLI shows the reset rounded for people; a time just behind "now" means it is about to
# lift (or just did), not that it lifts again tomorrow.
ROUNDING_TOLERANCE = timedelta(minutes=15)
MAX_MESSAGE_CHARS = 300


def mentions_usage_limit(text: str) -> bool:
    """True when `text` contains one of the agents' usage-limit phrases."""
    return _LIMIT_PHRASES.search(text) is not None


def parse_usage_limit(text: str, now: datetime) -> UsageLimit | None:
    """A UsageLimit when `text` is a usage-limit message, with the reset time when it names one.

    Only apply this to text the agent's CLI printed as an error (an `is_error` result, or the
    output of a process that exited non-zero), never to the model's own prose.
    """
    phrase = _LIMIT_PHRASES.search(text)
    if phrase is None:
        return None
    line_start = text.rfind("\n", 0, phrase.start()) + 1
    line_end = text.find("\n", phrase.end())
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    return UsageLimit(reset_at=reset_time(line, now), message=line[:MAX_MESSAGE_CHARS])


def reset_time(text: str, now: datetime) -> datetime | None:
    """The aware UTC time a usage-limit message says the limit lifts, or None when unstated."""
    if (legacy := _LEGACY_EPOCH.search(text)) is not None:
        return datetime.fromtimestamp(int(legacy.group(1)), tz=UTC)
    if (regain := _REGAIN_ON.search(text)) is not None:
        clock_time = time.fromisoformat(regain.group(2) or "00:00")
        day = date.fromisoformat(regain.group(1))
        return datetime.combine(day, clock_time, tzinfo=UTC)
    if (relative := _TRY_AGAIN.search(text)) is not None:
        seconds = sum(
            int(amount) * _UNIT_SECONDS[unit[0].lower()]
            for amount, unit in _SPAN_PART.findall(relative.group("span"))
        )
        if seconds:
            return now.astimezone(UTC) + timedelta(seconds=seconds)
    if (resets := _RESETS_AT.search(text)) is not None:
        return _wall_clock_reset(resets, now)
    return None


def _hour_24(hour: int, ampm: str | None) -> int | None:
    if ampm is None:
        return hour if 0 <= hour <= 23 else None
    if not 1 <= hour <= 12:
        return None
    afternoon = ampm.lower().startswith("p")
    return (hour % 12) + (12 if afternoon else 0)


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _wall_clock_reset(match: re.Match[str], now: datetime) -> datetime | None:
    hour = _hour_24(int(match.group("hour")), match.group("ampm"))
    minute = int(match.group("minute") or 0)
    zone = _zone(match.group("zone"))
    if hour is None or minute > 59 or zone is None:
        return None
    local_now = now.astimezone(zone)
    earliest = now - ROUNDING_TOLERANCE
    month_name = match.group("month")
    if month_name is not None:
        month = _MONTHS.get(month_name.lower())
        if month is None:
            return None
        for year in (local_now.year, local_now.year + 1):
            try:
                candidate = datetime(
                    year, month, int(match.group("day")), hour, minute, tzinfo=zone
                )
            except ValueError:
                return None
            if candidate >= earliest:
                return candidate.astimezone(UTC)
        return None
    day = local_now.date()
    for _ in range(2):
        # Combine per day rather than adding 24 hours, so a DST change keeps the wall-clock time.
        candidate = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if candidate >= earliest:
            return candidate.astimezone(UTC)
        day += timedelta(days=1)
    return None
