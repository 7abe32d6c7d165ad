"""The coordinator's conference script for one case: gathered from the parties and what they
gave to be shared at the conference (steps marked `for_conference`), shown in the chat and
sent as a PDF. Audited like every look at a case."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import allowed, own_case
from bot.audit import record
from bot.catalog import Catalog
from bot.engine import answer_text, answered_steps
from bot.flows import FlowRegistry
from bot.lifecycle import ERASED
from bot.models import Case, Party, Talk
from bot.pdf_document import find_fonts
from bot.talk_store import context_for, load, party_talk
from bot.turn import Outgoing, Turn
from bot.usecases.conference import conference_of
from bot.views.conference import long_moment, place_text
from bot.views.conference_script import (
    Participant,
    ScriptInput,
    Someone,
    conference_script,
    script_pdf,
    script_text,
)
from bot.vocabulary import (
    ActorKind,
    AuditAction,
    ConferenceStatus,
    Outcome,
    Role,
    TalkStatus,
    Variant,
)


@allowed(ActorKind.COORDINATOR)
async def show_script(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    record(ctx, AuditAction.SCRIPT_VIEWED, case_id=case.id)
    data = await gather_script(ctx.session, case, ctx.app.flows, ctx.app.catalog, ctx.language)
    parts = conference_script(data, ctx.app.catalog, ctx.language)
    # Laying out a PDF takes a tenth of a second or more: off the event loop, as the export.
    pdf = await asyncio.to_thread(script_pdf, data, parts, ctx.app.catalog, ctx.language,
                                  find_fonts(ctx.app.pdf_font_dir))
    ctx.say("coordinator.script_intro", reference=case.reference)
    ctx.response.say(script_text(parts))
    ctx.response.messages.append(Outgoing(
        ctx.t("coordinator.script_pdf_caption", reference=case.reference),
        document=(f"draaiboek-{case.id}.pdf", pdf)))


async def gather_script(session: AsyncSession, case: Case, flows: FlowRegistry,
                        catalog: Catalog, language: str) -> ScriptInput:
    """Everyone expected at the conference, in id order: not those who declined or whose
    data was erased."""
    parties = list((await session.exec(select(Party).where(
        Party.case_id == case.id).order_by(col(Party.id)))).all())
    by_id = {p.id: p for p in parties}
    participants = []
    choices = set()
    for party in parties:
        talk = await party_talk(session, party.id)
        if party.name == ERASED or (talk is not None and talk.outcome == Outcome.DECLINED):
            continue  # erased at their request, or not coming: not in the script
        supported = by_id.get(party.supports_party_id)
        comes = not (party.role == Role.VICTIM and party.willing == "no")
        if party.role == Role.VICTIM and comes and party.speaks_first:
            choices.add(party.speaks_first)
        participants.append(Participant(
            first_name=first_name(party.name), role=Role(party.role),
            supports=Someone(first_name(supported.name), Role(supported.role))
            if supported is not None else None,
            shared=_shared(talk, case, party, flows, catalog, language),
            comes=comes, instead=None if comes else party.instead,
            stands_in=supported is not None and supported.role == Role.VICTIM
            and supported.willing == "no" and supported.instead == "trusted_person"))
    when = where = None
    conference = await conference_of(session, case.id)
    if conference is not None and conference.status == ConferenceStatus.PLANNED:
        when = long_moment(catalog, language, conference.starts_at, case.timezone)
        where = place_text(catalog, language, conference)
    return ScriptInput(reference=case.reference, variant=Variant(case.variant), facts=case.facts,
                       participants=tuple(participants),
                       # victims who chose differently leave the order to the coordinator
                       speaks_first=choices.pop() if len(choices) == 1 else None,
                       when=when, where=where)


def first_name(name: str) -> str:
    """How people are addressed at the conference: by their first name."""
    words = name.split()
    return words[0] if words else name


def _shared(talk: Talk | None, case: Case, party: Party, flows: FlowRegistry, catalog: Catalog,
            language: str) -> tuple[tuple[str, str], ...]:
    """The answers of steps marked `for_conference`, once the talk was sent: the participant
    gave these to be shared; every other answer stays in the case."""
    if talk is None or talk.status != TalkStatus.ENDED or talk.outcome != Outcome.COMPLETED:
        return ()
    try:
        loaded = load(talk, flows)
    except KeyError:  # a flow no longer known: share nothing rather than guess
        return ()
    ctx = context_for(catalog, language, case, party)
    shared = []
    for step in answered_steps(loaded.flow, loaded.state):
        if step.for_conference:
            label = step.summary_label or step.label
            assert label is not None
            shared.append((label.get(language, ctx.variant),
                           answer_text(step, loaded.state.answers[step.id], ctx, catalog)))
    return tuple(shared)
