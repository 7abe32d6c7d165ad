"""Typed answers with a shape (`format:` on a text step), read the way people write them and
stored in one plain form. Pure: no clock, no zone; the use case gives the moment its zone."""

from __future__ import annotations

import re
from datetime import date, datetime

from bot.flows.model import TextFormat

# 28-11-2026 19:30, 28/11/2026 19u30, 28.11.2026 19h, 2026-11-28 19:30, "28-11-2026 om 19:30"
_DAY_FIRST = re.compile(
    r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})\s*(?:om|at|,)?\s*"
    r"(?P<H>\d{1,2})(?:[:.uh](?P<M>\d{2})?)?\s*(?:uur|u|h)?")
_YEAR_FIRST = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})[ T]\s*(?P<H>\d{1,2})[:.uh](?P<M>\d{2})")
_DATE = re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})|"
                   r"(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})")
_MONEY = re.compile(r"(?:€|eur|euro)?\s*(?P<whole>\d{1,6})(?:[.,](?P<cents>\d{2}))?"
                    r"\s*(?:€|eur|euro)?")
MOMENT_FORM = "%Y-%m-%d %H:%M"


def normalise(kind: TextFormat, text: str) -> str | None:
    """The answer in its stored form, or None when it cannot be read as `kind`."""
    if kind is TextFormat.MOMENT:
        moment = parse_moment(text)
        return moment.strftime(MOMENT_FORM) if moment else None
    if kind is TextFormat.DATE:
        day = parse_date(text)
        return day.isoformat() if day else None
    if kind is TextFormat.COUNT:
        cleaned = text.strip()
        return cleaned.lstrip("0") if cleaned.isdigit() and 1 <= int(cleaned) <= 99 else None
    if kind is TextFormat.MONEY:
        found = _MONEY.fullmatch(text.strip().lower())
        if found is None:
            return None
        cents = int(found["whole"]) * 100 + int(found["cents"] or 0)
        return str(cents) if cents > 0 else None
    return None


def parse_date(text: str) -> date | None:
    """A date as people write it (28-11-2026, 28/11/2026, 2026-11-28), or None."""
    found = _DATE.fullmatch(text.strip())
    if found is None:
        return None
    y, m, d = ((found["y"], found["m"], found["d"]) if found["y"]
               else (found["y2"], found["m2"], found["d2"]))
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_moment(text: str) -> datetime | None:
    """A local date and time (naive), or None."""
    cleaned = text.strip().lower()
    found = _DAY_FIRST.fullmatch(cleaned) or _YEAR_FIRST.fullmatch(cleaned)
    if found is None:
        return None
    try:
        return datetime(int(found["y"]), int(found["m"]), int(found["d"]), int(found["H"]),
                        int(found["M"] or 0))
    except ValueError:  # 31-02, 25:00
        return None


def stored_moment(value: str) -> datetime:
    """A stored moment answer back as a naive local datetime."""
    return datetime.strptime(value, MOMENT_FORM)
