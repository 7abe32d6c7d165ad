"""When the method lets a conference be planned, who is invited, and when they are reminded.

Pure rules over parties and times, so the case card, the planning and the reminders agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.models import Party
from bot.vocabulary import Outcome, Reminder, Role

EVENING = time(18, 0)  # the reminder the day before, local time
MORNING = time(8, 0)  # no reminder earlier than this on the day itself
HOURS_BEFORE = timedelta(hours=3)
TOO_CLOSE = timedelta(minutes=30)  # a reminder this close to the start is not worth sending
VICTIM_READY = frozenset({"trusted_person", "own_story"})  # comes not, but takes part so


def blockers(parties: Sequence[Party]) -> list[str]:
    """What still stands in the way of planning, as catalogue keys (`block.<key>`): an
    offender has acknowledged (or the coordinator released the victim's talk with a reason),
    and a victim said yes, sends a trusted person, or gives their story."""
    offenders = [p for p in parties if p.role == Role.OFFENDER]
    victims = [p for p in parties if p.role == Role.VICTIM]
    found = []
    if not offenders:
        found.append("no_offender")
    elif not any(p.acknowledged == "yes" for p in offenders) and not any(
            v.released_at is not None for v in victims):
        found.append("no_acknowledgement")
    if not victims:
        found.append("no_victim")
    elif not any(v.willing == "yes" or v.instead in VICTIM_READY for v in victims):
        found.append("victim_not_ready")
    return found


def invitable(party: Party, outcome: str | None) -> bool:
    """A party comes to the conference: prepared (their talk completed), reachable, and for a
    victim, one who said they will come."""
    if party.telegram_user_id is None or party.unreachable_at is not None:
        return False
    if outcome != Outcome.COMPLETED:
        return False
    return party.role != Role.VICTIM or party.willing == "yes"


def reminder_times(starts_at: datetime, timezone: str) -> dict[Reminder, datetime]:
    """The two reminders in UTC, at reasonable local hours: the evening before at 18:00, and
    three hours before on the day but not before 08:00 (none if that is too close)."""
    zone = ZoneInfo(timezone)
    local = starts_at.astimezone(zone)
    evening = datetime.combine(local.date() - timedelta(days=1), EVENING, tzinfo=zone)
    times = {Reminder.DAY_BEFORE: evening.astimezone(starts_at.tzinfo)}
    morning = datetime.combine(local.date(), MORNING, tzinfo=zone)
    before = max(local - HOURS_BEFORE, morning)
    if local - before >= TOO_CLOSE:
        times[Reminder.HOURS_BEFORE] = before.astimezone(starts_at.tzinfo)
    return times
