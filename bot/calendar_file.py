"""The conference as a calendar file (.ics, RFC 5545), for one tap into a phone's agenda.

The event is in the case's time zone (a VTIMEZONE is added, so a move across a daylight
saving change stays right), carries an alarm, and keeps one UID across moves with a growing
SEQUENCE, so a calendar replaces the event instead of adding a second one. A cancellation is
the same event with METHOD:CANCEL and STATUS:CANCELLED. The text in it is the summary and the
place only: no names, nothing about what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

PRODUCT = "-//herstelbot//conference//NL"
ALARM_BEFORE = timedelta(hours=2)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime  # aware
    minutes: int
    timezone: str  # IANA, the case's
    summary: str
    location: str
    description: str
    alarm_text: str
    stamp: datetime  # when this version was made (DTSTAMP)
    cancelled: bool = False


def calendar_file(event: CalendarEvent) -> bytes:
    zone = ZoneInfo(event.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if event.cancelled else "PUBLISH")
    entry = Event()
    entry.add("uid", event.uid)
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", event.stamp)
    start = event.starts_at.astimezone(zone)
    entry.add("dtstart", start)
    entry.add("dtend", start + timedelta(minutes=event.minutes))
    entry.add("summary", event.summary)
    entry.add("location", event.location)
    entry.add("description", event.description)
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if not event.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.alarm_text)
        alarm.add("trigger", -ALARM_BEFORE)
        entry.add_component(alarm)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
