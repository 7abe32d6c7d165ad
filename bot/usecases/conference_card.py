"""The conference's part of the case card: what still blocks planning, the proposed moments
and who they suit, or the planned meeting and everyone's answer."""

from __future__ import annotations

from sqlmodel import col, select

from bot.conference_rules import blockers
from bot.models import Attendance, Case, Party
from bot.turn import Turn
from bot.usecases.conference import conference_of
from bot.usecases.moments import open_moments, tally
from bot.views.case_card import Section
from bot.views.conference import card_buttons, card_lines
from bot.vocabulary import Role


async def conference_section(ctx: Turn, case: Case, parties: list[Party]) -> Section:
    conference = await conference_of(ctx.session, case.id)
    answers: list[tuple[Party, Attendance]] = []
    if conference is not None:
        answers = [(party, attendance) for attendance, party in (await ctx.session.exec(
            select(Attendance, Party).join(Party, col(Party.id) == Attendance.party_id)
            .where(Attendance.conference_id == conference.id)
            .order_by(col(Attendance.id)))).all()]
    blocked = blockers(parties)
    moments = await open_moments(ctx.session, case.id)
    catalog, language = ctx.app.catalog, ctx.language
    lines = card_lines(catalog, language, case, conference, answers, blocked,
                       await tally(ctx.session, moments, parties))
    victims = [p for p in parties if p.role == Role.VICTIM]
    rows = card_buttons(catalog, language, case, conference, bool(blocked), moments, victims)
    return Section(lines, tuple(rows))
