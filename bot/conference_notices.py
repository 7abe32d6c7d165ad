"""The conference's messages, made when the outbox sends them: the invitation with its answer
buttons, the calendar file, a move or cancellation, the reminders, the moments poll, and what
the coordinator hears (a no, a reminder dropped because the meeting had begun).

A reminder is sent only if it still holds when its moment comes: the conference is planned at
the time the reminder was made for, the party did not say no, and it has not begun. One sent
more than half an hour late says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.catalog import role_name
from bot.conference_rules import reminder_times
from bot.models import Attendance, Case, Conference, Coordinator, Outbox, Party
from bot.notifications import Message, Render, owe, renders
from bot.usecases.conference import REMINDERS, parties_of
from bot.usecases.moments import marked_moments
from bot.views.conference import (
    calendar_of,
    duration,
    first_name,
    local_time,
    long_moment,
    place_text,
    poll_keyboard,
    rsvp_keyboard,
    who_list,
)
from bot.vocabulary import ConferenceStatus, Notice, Rsvp

LATE = timedelta(minutes=30)
INVITED = (Notice.CONFERENCE_INVITATION, Notice.CONFERENCE_CALENDAR, Notice.CONFERENCE_MOVED,
           Notice.CONFERENCE_CANCELLED, Notice.REMINDER_DAY_BEFORE, Notice.REMINDER_HOURS_BEFORE,
           Notice.CONFERENCE_ANSWERED_NO, Notice.REMINDER_DROPPED)


@dataclass(frozen=True)
class Invited:
    attendance: Attendance
    party: Party
    conference: Conference
    case: Case


async def _invited(session: AsyncSession, row: Outbox) -> Invited | None:
    attendance = await session.get(Attendance, row.ref_id)
    party = await session.get(Party, attendance.party_id) if attendance else None
    conference = await session.get(Conference, attendance.conference_id) if attendance else None
    case = await session.get(Case, conference.case_id) if conference else None
    if attendance is None or party is None or conference is None or case is None:
        return None
    return Invited(attendance, party, conference, case)


async def _case_of_attendance(session: AsyncSession, row: Outbox) -> int | None:
    found = await _invited(session, row)
    return found.case.id if found else None


def _to_party(r: Render, found: Invited) -> bool:
    """The row still goes to the party's own account (not one that left the case)."""
    return found.party.telegram_user_id == r.row.chat_id


def _about(r: Render, found: Invited) -> dict[str, object]:
    language = found.party.language
    return {"name": first_name(found.party),
            "conference": r.catalog(f"conference.{found.case.variant}", language),
            "when": long_moment(r.catalog, language, found.conference.starts_at,
                                found.case.timezone),
            "place": place_text(r.catalog, language, found.conference),
            "coordinator": r.catalog("contact.generic", language)}


@renders(Notice.CONFERENCE_INVITATION, case_of=_case_of_attendance)
async def _invitation(r: Render) -> Message | None:
    found = await _invited(r.session, r.row)
    if (found is None or not _to_party(r, found)
            or found.conference.status != ConferenceStatus.PLANNED):
        return None
    language, case = found.party.language, found.case
    parties = await parties_of(r.session, case.id)
    coming_ids = set((await r.session.exec(select(Attendance.party_id).where(
        Attendance.conference_id == found.conference.id,
        or_(col(Attendance.answer).is_(None), col(Attendance.answer) != Rsvp.NO)))).all())
    coming = [p for p in parties if p.id in coming_ids or p.id == found.party.id]
    by_id = {p.id: p for p in parties}
    bring = found.conference.bring
    text = r.catalog("invite.conference", language, **_about(r, found),
                     duration=duration(r.catalog, language, found.conference),
                     who=who_list(r.catalog, language, found.party, coming, by_id),
                     bring=r.catalog("invite.bring", language, bring=bring) if bring else "")
    return Message(text, rsvp_keyboard(r.catalog, language, found.attendance.id or 0,
                                 found.conference.sequence))


@renders(Notice.CONFERENCE_CALENDAR, case_of=_case_of_attendance)
async def _calendar(r: Render) -> Message | None:
    found = await _invited(r.session, r.row)
    if found is None or not _to_party(r, found):
        return None
    language = found.party.language
    cancelled = found.conference.status == ConferenceStatus.CANCELLED
    caption = r.catalog("calendar.caption_cancelled" if cancelled else "calendar.caption",
                        language)
    return Message(caption, document=calendar_of(r.catalog, language, found.case,
                                                  found.conference, r.now))


@renders(Notice.CONFERENCE_MOVED, Notice.CONFERENCE_CANCELLED, case_of=_case_of_attendance)
async def _changed(r: Render) -> Message | None:
    found = await _invited(r.session, r.row)
    if found is None or not _to_party(r, found):
        return None
    language = found.party.language
    if r.row.kind == Notice.CONFERENCE_CANCELLED:
        return Message(r.catalog("cancelled.text", language, **_about(r, found)))
    if found.conference.status != ConferenceStatus.PLANNED:
        return None
    return Message(r.catalog("moved.text", language, **_about(r, found)),
                   rsvp_keyboard(r.catalog, language, found.attendance.id or 0,
                                 found.conference.sequence))


@renders(Notice.REMINDER_DAY_BEFORE, Notice.REMINDER_HOURS_BEFORE, case_of=_case_of_attendance)
async def _reminder(r: Render) -> Message | None:
    found = await _invited(r.session, r.row)
    if found is None or not _to_party(r, found):
        return None
    conference, case = found.conference, found.case
    due = {REMINDERS[k]: at for k, at in reminder_times(conference.starts_at,
                                                         case.timezone).items()}
    if (conference.status != ConferenceStatus.PLANNED or found.attendance.answer == Rsvp.NO
            or due.get(Notice(r.row.kind)) != r.row.due_at):
        return None  # cancelled, a no, or made for a moment the conference no longer has
    if r.now >= conference.starts_at:  # too late to remind: the coordinator hears of it
        coordinator_chat = await _coordinator_chat(r.session, case)
        told = (await r.session.exec(select(Outbox.id).where(
            Outbox.kind == Notice.REMINDER_DROPPED, Outbox.ref_id == found.attendance.id))).first()
        if coordinator_chat is not None and told is None:  # once a party, not once a reminder
            await owe(r.session, chat_id=coordinator_chat, kind=Notice.REMINDER_DROPPED,
                      ref_id=found.attendance.id, now=r.now)
        return None
    language = found.party.language
    key = ("remind.day_before" if r.row.kind == Notice.REMINDER_DAY_BEFORE
           else "remind.hours_before")
    zone = ZoneInfo(case.timezone)
    if key == "remind.day_before" and r.now.astimezone(zone).date() == (
            conference.starts_at.astimezone(zone).date()):  # late, and "tomorrow" is today
        hours = due.get(Notice.REMINDER_HOURS_BEFORE)
        if hours is not None and hours > r.now:
            return None  # the reminder of the day itself still comes
        key = "remind.hours_before"
    text = r.catalog(key, language, **_about(r, found),
                     time=local_time(conference.starts_at, case.timezone))
    if r.now - r.row.due_at > LATE:
        text = r.catalog("remind.late", language) + text
    return Message(text)


async def _coordinator_chat(session: AsyncSession, case: Case) -> int | None:
    coordinator = await session.get(Coordinator, case.coordinator_id)
    return coordinator.telegram_user_id if coordinator else None


@renders(Notice.CONFERENCE_ANSWERED_NO, Notice.REMINDER_DROPPED, case_of=_case_of_attendance)
async def _to_coordinator(r: Render) -> Message | None:
    found = await _invited(r.session, r.row)
    if found is None:
        return None
    return Message(r.t(f"notify.{r.row.kind}", name=found.party.name,
                       role=role_name(r.catalog, found.party.role, r.language),
                       reference=found.case.reference))


async def _case_of_party(session: AsyncSession, row: Outbox) -> int | None:
    party = await session.get(Party, row.ref_id)
    return party.case_id if party else None


@renders(Notice.MOMENT_POLL, case_of=_case_of_party)
async def _poll(r: Render) -> Message | None:
    party = await r.session.get(Party, r.row.ref_id)
    case = await r.session.get(Case, party.case_id) if party else None
    if party is None or case is None or party.telegram_user_id != r.row.chat_id:
        return None
    marked = await marked_moments(r.session, case.id, party.id)
    if not marked:
        return None  # a moment was picked, or the question replaced, before it went out
    return Message(r.catalog("poll.text", party.language, name=first_name(party),
                             conference=r.catalog(f"conference.{case.variant}", party.language)),
                   poll_keyboard(marked, r.catalog, party.language, case.timezone))
