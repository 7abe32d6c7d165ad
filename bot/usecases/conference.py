"""The conference: planned (or moved, or cancelled) by the coordinator when the method allows
it; every prepared party invited with a calendar file and reminders; their answers.

Everything owed to the parties is an outbox row written here, in the update's transaction;
the texts are made when the rows are sent (bot/conference_notices.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import buttons
from bot.access import allowed, own_case, own_party, refuse
from bot.audit import record
from bot.buttons import Attend, CaseTap, CaseVerb
from bot.conference_rules import blockers, invitable, reminder_times
from bot.engine.formats import stored_moment
from bot.models import Attendance, Case, Conference, Outbox, Party, ProposedMoment, Talk
from bot.notifications import owe, tell_coordinator
from bot.talk_store import party_talk
from bot.turn import Turn
from bot.usecases import forms
from bot.views.conference import long_moment
from bot.vocabulary import (
    ActorKind,
    AuditAction,
    ConferenceStatus,
    Notice,
    OutboxStatus,
    Reminder,
    Role,
    Rsvp,
)

REMINDERS = {Reminder.DAY_BEFORE: Notice.REMINDER_DAY_BEFORE,
             Reminder.HOURS_BEFORE: Notice.REMINDER_HOURS_BEFORE}


async def conference_of(session: AsyncSession, case_id: int | None) -> Conference | None:
    return (await session.exec(select(Conference).where(Conference.case_id == case_id))).first()


async def parties_of(session: AsyncSession, case_id: int | None) -> list[Party]:
    return list((await session.exec(select(Party).where(Party.case_id == case_id)
                                    .order_by(col(Party.id)))).all())


def local_moment(value: str, timezone: str) -> datetime:
    """A form's moment answer (local, as typed) as an aware UTC time."""
    return stored_moment(value).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


async def availability_of(ctx: Turn, parties: list[Party]) -> str:
    """What each party said about when they can come, for the coordinator's planning."""
    lines = []
    for party in parties:
        talk = await party_talk(ctx.session, party.id)
        said = talk.answers.get("availability") if talk is not None else None
        if said:
            lines.append(f"• {party.name}: {said}")
    return "\n".join(lines) or "-"


async def planning_values(ctx: Turn, case: Case, parties: list[Party]) -> dict[str, str]:
    return {"timezone": case.timezone, "availability": await availability_of(ctx, parties)}


async def still_blocked(ctx: Turn, case: Case, parties: list[Party]) -> bool:
    found = blockers(parties)
    if found:
        ctx.say("conference.blocked", blockers="\n".join(ctx.t(f"block.{key}") for key in found))
    return bool(found)


@allowed(ActorKind.COORDINATOR)
async def plan(ctx: Turn, *, ref: int) -> None:
    """Plan the conference, or move it when it is planned: the same form."""
    case = await own_case(ctx, ref)
    parties = await parties_of(ctx.session, case.id)
    if await still_blocked(ctx, case, parties):
        return
    conference = await conference_of(ctx.session, case.id)
    await forms.start_form(ctx, "plan_conference", case,
                           about_id=conference.id if conference else None,
                           values=await planning_values(ctx, case, parties))


async def plan_at(ctx: Turn, case: Case, moment: ProposedMoment) -> None:
    """The planning form with a proposed moment filled in (the coordinator picked it)."""
    parties = await parties_of(ctx.session, case.id)
    if await still_blocked(ctx, case, parties):
        return
    conference = await conference_of(ctx.session, case.id)
    typed = moment.starts_at.astimezone(ZoneInfo(case.timezone)).strftime("%d-%m-%Y %H:%M")
    await forms.start_form(ctx, "plan_conference", case,
                           about_id=conference.id if conference else None,
                           values=await planning_values(ctx, case, parties), typed=typed)


@forms.on_complete("plan_conference")
async def planned(ctx: Turn, talk: Talk) -> None:
    case = await own_case(ctx, talk.case_id or 0)
    parties = await parties_of(ctx.session, case.id)
    if await still_blocked(ctx, case, parties):
        return
    answers = talk.answers
    starts_at = local_moment(answers["moment"], case.timezone)
    if starts_at <= ctx.now:
        ctx.say("conference.moment_past")
        return
    conference = await conference_of(ctx.session, case.id)
    moving = conference is not None and conference.status == ConferenceStatus.PLANNED
    if conference is None:
        conference = Conference(case_id=case.id or 0, starts_at=starts_at, place="",
                                uid=f"{uuid.uuid4()}@herstelbot", created_at=ctx.now,
                                updated_at=ctx.now)
    else:
        conference.sequence += 1
    place = str(answers["place"]).strip()
    conference.starts_at, conference.minutes = starts_at, int(answers["minutes"])
    conference.place, conference.online = place, place.lower().startswith(("http://", "https://"))
    conference.bring = answers.get("bring") or None
    conference.status, conference.updated_at = ConferenceStatus.PLANNED, ctx.now
    ctx.session.add(conference)
    await ctx.session.flush()
    await _close_moments(ctx, case)
    when = long_moment(ctx.app.catalog, ctx.language, starts_at, case.timezone)
    # Whoever was invited before (to this moment, or to one cancelled) hears of the new one.
    await _tell_invited(ctx, conference, Notice.CONFERENCE_MOVED, reset=True)
    invited = await invite_ready(ctx, case, conference, parties)
    if moving:
        record(ctx, AuditAction.CONFERENCE_MOVED, case_id=case.id)
        ctx.say("conference.moved", _card_button(ctx, case), when=when)
        return
    record(ctx, AuditAction.CONFERENCE_PLANNED, case_id=case.id)
    names = ", ".join(p.name for p in invited) or ctx.t("conference.nobody")
    ctx.say("conference.planned", _card_button(ctx, case), when=when, names=names)


def _card_button(ctx: Turn, case: Case) -> buttons.Keyboard:
    return (((ctx.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, case.id or 0))),),)


async def invite_ready(ctx: Turn, case: Case, conference: Conference,
                       parties: list[Party]) -> list[Party]:
    """Invites every party who is ready and not invited yet; those newly invited."""
    invited = set((await ctx.session.exec(select(Attendance.party_id).where(
        Attendance.conference_id == conference.id))).all())
    newly = []
    for party in parties:
        if party.id in invited:
            continue
        talk = await party_talk(ctx.session, party.id)
        if invitable(party, talk.outcome if talk else None):
            await _invite(ctx, case, conference, party)
            newly.append(party)
    return newly


async def join_if_planned(ctx: Turn, party: Party, case: Case) -> None:
    """A party who finishes their talk after the conference was planned is invited too."""
    conference = await conference_of(ctx.session, case.id)
    if conference is None or conference.status != ConferenceStatus.PLANNED:
        return
    if conference.starts_at > ctx.now:
        await invite_ready(ctx, case, conference, [party])


async def _invite(ctx: Turn, case: Case, conference: Conference, party: Party) -> None:
    assert party.telegram_user_id is not None
    attendance = Attendance(conference_id=conference.id or 0, party_id=party.id or 0,
                            invited_at=ctx.now)
    ctx.session.add(attendance)
    await ctx.session.flush()
    for kind in (Notice.CONFERENCE_INVITATION, Notice.CONFERENCE_CALENDAR):
        await owe(ctx.session, chat_id=party.telegram_user_id, kind=kind,
                  ref_id=attendance.id, now=ctx.now)
    await _schedule_reminders(ctx, case, conference, attendance, party)


async def _schedule_reminders(ctx: Turn, case: Case, conference: Conference,
                              attendance: Attendance, party: Party) -> None:
    """The reminders still ahead, as outbox rows due at their moment (each sent once)."""
    if party.telegram_user_id is None:
        return
    for reminder, at in reminder_times(conference.starts_at, case.timezone).items():
        if at > ctx.now:
            await owe(ctx.session, chat_id=party.telegram_user_id, kind=REMINDERS[reminder],
                      ref_id=attendance.id, now=ctx.now, due_at=at)


async def _drop_reminders(session: AsyncSession, attendance_ids: list[int]) -> None:
    """Reminders not sent yet for these invitations are withdrawn (a move plans new ones)."""
    if attendance_ids:
        await session.exec(sa.delete(Outbox).where(
            col(Outbox.kind).in_(list(REMINDERS.values())),
            col(Outbox.ref_id).in_(attendance_ids), col(Outbox.status) == OutboxStatus.PENDING))


async def _tell_invited(ctx: Turn, conference: Conference, kind: Notice, *,
                        reset: bool) -> None:
    """Everyone invited hears of a move (answer again, new calendar file) or a cancellation."""
    rows = (await ctx.session.exec(select(Attendance, Party).join(
        Party, col(Party.id) == Attendance.party_id).where(
        Attendance.conference_id == conference.id))).all()
    await _drop_reminders(ctx.session, [a.id for a, _ in rows if a.id is not None])
    case = await ctx.session.get(Case, conference.case_id)
    assert case is not None
    for attendance, party in rows:
        if party.telegram_user_id is None or party.unreachable_at is not None:
            continue
        if reset:
            attendance.answer, attendance.answered_at = None, None
            ctx.session.add(attendance)
            await _schedule_reminders(ctx, case, conference, attendance, party)
        for notice in (kind, Notice.CONFERENCE_CALENDAR):
            await owe(ctx.session, chat_id=party.telegram_user_id, kind=notice,
                      ref_id=attendance.id, now=ctx.now)


async def _close_moments(ctx: Turn, case: Case) -> None:
    moments = await ctx.session.exec(select(ProposedMoment).where(
        ProposedMoment.case_id == case.id, col(ProposedMoment.closed_at).is_(None)))
    for moment in moments.all():
        moment.closed_at = ctx.now
        ctx.session.add(moment)


@allowed(ActorKind.COORDINATOR)
async def ask_cancel(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    conference = await conference_of(ctx.session, case.id)
    if conference is None or conference.status != ConferenceStatus.PLANNED:
        ctx.say("conference.not_planned")
        return
    ctx.say("conference.ask_cancel", (((ctx.t("button.cancel_conference_yes"), buttons.encode(
        CaseTap(CaseVerb.CANCEL_CONFERENCE_CONFIRM, case.id or 0))),),
        ((ctx.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, case.id or 0))),)),
        when=long_moment(ctx.app.catalog, ctx.language, conference.starts_at, case.timezone))


@allowed(ActorKind.COORDINATOR)
async def cancel(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    conference = await conference_of(ctx.session, case.id)
    if conference is None or conference.status != ConferenceStatus.PLANNED:
        ctx.say("conference.not_planned")
        return
    conference.status, conference.updated_at = ConferenceStatus.CANCELLED, ctx.now
    conference.sequence += 1
    ctx.session.add(conference)
    await _tell_invited(ctx, conference, Notice.CONFERENCE_CANCELLED, reset=False)
    record(ctx, AuditAction.CONFERENCE_CANCELLED, case_id=case.id)
    ctx.say("conference.cancelled", _card_button(ctx, case))


@allowed(ActorKind.PARTICIPANT)
async def answer(ctx: Turn, *, tap: Attend) -> None:
    """A party answers the invitation: yes, no, or not sure yet (they may change it)."""
    attendance = await ctx.session.get(Attendance, tap.attendance_id)
    party = await ctx.session.get(Party, attendance.party_id) if attendance else None
    if attendance is None or party is None or party.telegram_user_id != ctx.actor.user_id:
        refuse(ctx, party_id=party.id if party else None)
    conference = await ctx.session.get(Conference, attendance.conference_id)
    case = await ctx.session.get(Case, party.case_id)
    if (conference is None or case is None or conference.status != ConferenceStatus.PLANNED
            or conference.starts_at <= ctx.now or tap.sequence != conference.sequence):
        ctx.say("rsvp.not_open")
        return
    given, before = Rsvp(tap.answer), attendance.answer
    attendance.answer, attendance.answered_at = given, ctx.now
    ctx.session.add(attendance)
    if given == Rsvp.NO and before != Rsvp.NO:
        await _drop_reminders(ctx.session, [attendance.id or 0])
        await tell_coordinator(ctx.session, case, Notice.CONFERENCE_ANSWERED_NO, attendance.id,
                               ctx.now)
    elif given != Rsvp.NO and before == Rsvp.NO:
        await _schedule_reminders(ctx, case, conference, attendance, party)
    ctx.response.callback_notice = ctx.t(f"rsvp.label.{given}")
    ctx.say(f"rsvp.thanks.{given}")


@allowed(ActorKind.COORDINATOR)
async def toggle_name_private(ctx: Turn, *, ref: int) -> None:
    """A victim's name shown to the offender's supporters, or not: the coordinator's call."""
    party, case = await own_party(ctx, ref)
    if party.role != Role.VICTIM:
        refuse(ctx, case_id=case.id, party_id=party.id)
    party.name_private = not party.name_private
    ctx.session.add(party)
    ctx.say("conference.name_private" if party.name_private else "conference.name_shown",
            _card_button(ctx, case), name=party.name)
