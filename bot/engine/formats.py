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
MOMENT_FORM = "%Y-%m-%d %H:%M"
# 28-11-2026, 28/11/2026, 28.11.2026, 2026-11-28
_DATE_DAY_FIRST = re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})")
_DATE_YEAR_FIRST = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
# 15, 15,50, 15.5, € 15.50, €15, 15 euro, EUR 15,00 (no thousands separators)
_AMOUNT = re.compile(r"(?:€|eur|euro)?\s*(?P<whole>\d{1,7})(?:[.,](?P<frac>\d{1,2}))?\s*"
                     r"(?:€|eur|euro)?")
MAX_CENTS = 100_000_000  # a million euros: anything above is a typing error


def normalise(kind: TextFormat, text: str) -> str | None:
    """The answer in its stored form, or None when it cannot be read as `kind`."""
    if kind is TextFormat.MOMENT:
        moment = parse_moment(text)
        return moment.strftime(MOMENT_FORM) if moment else None
    if kind is TextFormat.DATE:
        day = parse_date(text)
        return day.isoformat() if day else None
    if kind is TextFormat.AMOUNT:
        cents = parse_cents(text)
        return str(cents) if cents is not None else None
    return None


def parse_date(text: str) -> date | None:
    """A local date (day first, or ISO), or None."""
    cleaned = text.strip()
    found = _DATE_DAY_FIRST.fullmatch(cleaned) or _DATE_YEAR_FIRST.fullmatch(cleaned)
    if found is None:
        return None
    try:
        return date(int(found["y"]), int(found["m"]), int(found["d"]))
    except ValueError:  # 31-02
        return None


def parse_cents(text: str) -> int | None:
    """An amount of euros as typed, in cents (more than zero), or None."""
    found = _AMOUNT.fullmatch(text.strip().lower())
    if found is None:
        return None
    fraction = (found["frac"] or "").ljust(2, "0")
    cents = int(found["whole"]) * 100 + int(fraction)
    return cents if 0 < cents <= MAX_CENTS else None


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
