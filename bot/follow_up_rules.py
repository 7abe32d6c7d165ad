"""When a commitment's follow-up speaks: pure rules over dates and the case's time zone, so the
planning, the sender's renderers and the coordinator's view agree.

Every message of the follow-up is sent in the daytime of the case's time zone, never at night:
- the reminder, `lead_days` before the due date, at 10:00 local;
- the check-in on the due date itself, at 18:00 local (the day's work is done by then);
- one gentle repeat when the check-in had no answer, two days after it went out, at 18:00;
- then the coordinator, two days after the repeat went out, at 10:00. Never more than that.
Quiet hours are 20:00 to 09:00 local: a message that falls due then (only one that comes late,
after the bot was down) waits until 09:00. Local hours are made with `zoneinfo`, so a daylight
saving change neither shifts, doubles nor skips a message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.models import Commitment, CommitmentCheck

REMINDER_AT = time(10, 0)
CHECK_IN_AT = time(18, 0)
REPEAT_AT = time(18, 0)
COORDINATOR_AT = time(10, 0)
REPEAT_AFTER_DAYS = 2  # the one repeat, this many days after the check-in went out
COORDINATOR_AFTER_DAYS = 2  # the coordinator told, this many days after the repeat went out
DAY_STARTS = time(9, 0)  # quiet hours end
DAY_ENDS = time(20, 0)  # quiet hours begin
LATE = timedelta(minutes=30)  # a message this much after its moment says it comes late
TOO_LATE = timedelta(days=7)  # more than this: the coordinator is told instead
SNOOZES = (1, 3, 7)  # tomorrow, in three days, next week


def at_local(day: date, hour: time, timezone: str) -> datetime:
    """A local date and hour of the case's zone, as an aware UTC time."""
    return datetime.combine(day, hour, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def occurrences(commitment: Commitment) -> list[date]:
    """The due dates of a commitment: one, or every `every_days` days `times` times (a
    recurring one without a number of times has its first date only)."""
    if commitment.due_on is None:
        return []
    if not commitment.every_days or not commitment.times:
        return [commitment.due_on]
    step = timedelta(days=commitment.every_days)
    return [commitment.due_on + step * n for n in range(commitment.times)]


def effective_date(check: CommitmentCheck) -> date:
    """The day the check-in asks about: the due date, or the one it was moved to."""
    return check.snoozed_to or check.due_on


def reminder_at(check: CommitmentCheck, lead_days: int, timezone: str) -> datetime:
    return at_local(effective_date(check) - timedelta(days=max(lead_days, 1)), REMINDER_AT,
                    timezone)


def check_in_at(check: CommitmentCheck, timezone: str) -> datetime:
    return at_local(effective_date(check), CHECK_IN_AT, timezone)


def repeat_at(check_in_sent: datetime, timezone: str) -> datetime:
    day = local_date(check_in_sent, timezone) + timedelta(days=REPEAT_AFTER_DAYS)
    return at_local(day, REPEAT_AT, timezone)


def coordinator_at(repeat_sent: datetime, timezone: str) -> datetime:
    day = local_date(repeat_sent, timezone) + timedelta(days=COORDINATOR_AFTER_DAYS)
    return at_local(day, COORDINATOR_AT, timezone)


def is_quiet(moment: datetime, timezone: str) -> bool:
    """Night in the case's time zone: no message to anyone."""
    hour = moment.astimezone(ZoneInfo(timezone)).time()
    return hour < DAY_STARTS or hour >= DAY_ENDS


def next_daytime(moment: datetime, timezone: str) -> datetime:
    """The first moment at or after `moment` outside the quiet hours."""
    if not is_quiet(moment, timezone):
        return moment
    local = moment.astimezone(ZoneInfo(timezone))
    day = local.date() if local.time() < DAY_STARTS else local.date() + timedelta(days=1)
    return at_local(day, DAY_STARTS, timezone)


def is_overdue(check: CommitmentCheck, today: date) -> bool:
    """Its day has passed and it was not reported done (partly counts as not done)."""
    return check.answer != "done" and effective_date(check) < today
