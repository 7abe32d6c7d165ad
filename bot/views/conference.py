"""The conference as people read it: its moment in their words, the place, who will be there,
the answer buttons, the calendar file, and its lines on the case card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import buttons
from bot.buttons import Attend, CaseTap, CaseVerb, Keyboard, Vote
from bot.calendar_file import CalendarEvent, calendar_file
from bot.catalog import Catalog
from bot.models import Attendance, Case, Conference, Party, ProposedMoment
from bot.vocabulary import ConferenceStatus, Role, Rsvp

CALENDAR_NAME = "conferentie.ics"


def long_moment(catalog: Catalog, language: str, at: datetime, timezone: str) -> str:
    """"zaterdag 28 november 2026 om 19:30", in the case's time zone."""
    local = at.astimezone(ZoneInfo(timezone))
    return catalog("moment.long", language, weekday=catalog(f"weekday.{local.weekday()}",
                                                           language),
                   day=local.day, month=catalog(f"month.{local.month}", language),
                   year=local.year, time=local.strftime("%H:%M"))


def local_time(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def place_text(catalog: Catalog, language: str, conference: Conference) -> str:
    if conference.online:
        return catalog("invite.online", language, link=conference.place)
    return conference.place


def duration(catalog: Catalog, language: str, conference: Conference) -> str:
    return catalog("moment.duration", language, minutes=conference.minutes)


def first_name(party: Party) -> str:
    return (party.name.split() or ["?"])[0]


def who_list(catalog: Catalog, language: str, reader: Party,
             coming: Sequence[Party], by_id: Mapping[int | None, Party]) -> str:
    """Who will be there, by first name and a plain word for their part. A victim whose name
    the coordinator keeps private is shown to the offender's supporters by role alone."""
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    supports = by_id.get(reader.supports_party_id)
    offender_side = reader.role == Role.SUPPORTER and supports is not None and (
        supports.role == Role.OFFENDER)
    lines = [t("invite.who_coordinator")]
    for party in coming:
        if party.id == reader.id:
            lines.append(t("invite.who_named", name=first_name(party), role=t("who.role.you")))
            continue
        if party.role == Role.VICTIM and party.name_private and offender_side:
            lines.append(t("invite.who_unnamed", role=t("who.role.victim_unnamed")))
            continue
        role = t(f"who.role.{party.role}")
        supported = by_id.get(party.supports_party_id)
        if party.role == Role.SUPPORTER and supported is not None:
            hidden = supported.role == Role.VICTIM and supported.name_private and offender_side
            role = (t("who.role.supporter_of", name=t("who.role.victim_unnamed")) if hidden
                    else t("who.role.supporter_of", name=first_name(supported)))
        lines.append(t("invite.who_named", name=first_name(party), role=role))
    return "\n".join(lines)


def rsvp_keyboard(catalog: Catalog, language: str, attendance_id: int,
                  sequence: int) -> Keyboard:
    return tuple(((catalog(f"button.rsvp.{answer}", language),
                   buttons.encode(Attend(attendance_id, sequence, answer))),)
                 for answer in Rsvp)


def calendar_of(catalog: Catalog, language: str, case: Case, conference: Conference,
                stamp: datetime) -> tuple[str, bytes]:
    """The .ics file: no names and nothing about what happened, only when and where."""
    event = CalendarEvent(
        uid=conference.uid, sequence=conference.sequence, starts_at=conference.starts_at,
        minutes=conference.minutes, timezone=case.timezone,
        summary=catalog(f"conference.{case.variant}", language),
        location=conference.place, description=catalog("calendar.description", language),
        alarm_text=catalog("calendar.alarm", language), stamp=stamp,
        cancelled=conference.status == ConferenceStatus.CANCELLED)
    return CALENDAR_NAME, calendar_file(event)


def poll_keyboard(moments: Sequence[tuple[ProposedMoment, bool]], catalog: Catalog,
                  language: str, timezone: str) -> Keyboard:
    """One button a moment; a ✔ on those that suit this person (a tap toggles it)."""
    rows = []
    for moment, marked in moments:
        label = long_moment(catalog, language, moment.starts_at, timezone)
        rows.append(((f"✔ {label}" if marked else label,
                      buttons.encode(Vote(moment.id or 0, 0 if marked else 1))),))
    return tuple(rows)


def card_lines(catalog: Catalog, language: str, case: Case, conference: Conference | None,
               answers: Sequence[tuple[Party, Attendance]], blockers: Sequence[str],
               moments: Sequence[tuple[ProposedMoment, list[Party]]]) -> list[str]:
    """The conference on the case card: what blocks it, or when and who answered what."""
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    if conference is not None and conference.status == ConferenceStatus.PLANNED:
        lines = [t("card.conference.planned", when=long_moment(
            catalog, language, conference.starts_at, case.timezone),
            place=place_text(catalog, language, conference),
            duration=duration(catalog, language, conference))]
        lines += [t("card.conference.answer", name=party.name,
                    answer=t(f"rsvp.label.{attendance.answer or 'none'}"))
                  for party, attendance in answers]
        return lines
    if blockers:
        return [t("card.conference.blocked"), *(t(f"block.{key}") for key in blockers)]
    lines = [t("card.conference.cancelled" if conference is not None
               else "card.conference.ready")]
    if moments:
        lines.append(t("card.moments"))
        lines += [t("card.moment", when=long_moment(catalog, language, moment.starts_at,
                                                     case.timezone),
                    count=len(who), names=", ".join(p.name for p in who) or "-")
                  for moment, who in moments]
    return lines


def card_buttons(catalog: Catalog, language: str, case: Case, conference: Conference | None,
                 blocked: bool, moments: Sequence[ProposedMoment],
                 victims: Sequence[Party]) -> list[tuple[tuple[str, str], ...]]:
    def tap(verb: CaseVerb, ref: int | None) -> str:
        return buttons.encode(CaseTap(verb, ref or 0))

    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    if case.closed_at is not None or case.erased_at is not None:
        return []
    rows: list[tuple[tuple[str, str], ...]] = []
    if conference is not None and conference.status == ConferenceStatus.PLANNED:
        rows.append(((t("button.move_conference"), tap(CaseVerb.PLAN, case.id)),
                     (t("button.cancel_conference"), tap(CaseVerb.CANCEL_CONFERENCE, case.id))))
        rows.append(((t("button.plan"), tap(CaseVerb.PLAN_CARD, case.id)),))
    elif not blocked:
        rows.append(((t("button.plan_conference"), tap(CaseVerb.PLAN, case.id)),
                     (t("button.propose_moments"), tap(CaseVerb.PROPOSE_MOMENTS, case.id))))
        rows += [((t("button.pick_moment", when=long_moment(
            catalog, language, moment.starts_at, case.timezone)),
            tap(CaseVerb.PICK_MOMENT, moment.id)),) for moment in moments]
    for victim in victims:
        key = "button.name_shown" if victim.name_private else "button.name_private"
        rows.append(((t(key, name=victim.name), tap(CaseVerb.NAME_PRIVATE, victim.id)),))
    return rows
