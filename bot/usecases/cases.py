"""A coordinator's cases: opening one, adding a party, the list and the case card."""

from __future__ import annotations

import logging

from sqlalchemy import func
from sqlmodel import col, select

from bot import buttons
from bot.access import allowed, own_case, own_party
from bot.audit import record
from bot.buttons import CaseTap, CaseVerb
from bot.models import Case, FactsVersion, Invite, Party, Proposal, Talk
from bot.notifications import owe
from bot.talk_store import load, party_talk
from bot.turn import Turn
from bot.usecases import forms, gate, invites
from bot.usecases.conference_card import conference_section
from bot.views.case_card import PartyLine, case_card
from bot.views.summary import answers_summary
from bot.vocabulary import (
    DEFAULT_TIMEZONES,
    OPEN_STATUSES,
    ActorKind,
    AuditAction,
    Notice,
    Role,
    Variant,
)

log = logging.getLogger(__name__)
MAX_LISTED = 40


@allowed(ActorKind.COORDINATOR)
async def new_case(ctx: Turn, *, args: str = "") -> None:
    await forms.start_form(ctx, "new_case", None)


@allowed(ActorKind.COORDINATOR)
async def add_party(ctx: Turn, *, args: str = "") -> None:
    cases = await _own_cases(ctx)
    if len(cases) == 1:
        await forms.start_form(ctx, "add_party", cases[0])
    else:
        _pick(ctx, cases, CaseVerb.ADD_PARTY, "coordinator.pick_case_to_add")


@allowed(ActorKind.COORDINATOR)
async def add_party_to(ctx: Turn, *, ref: int) -> None:
    await forms.start_form(ctx, "add_party", await own_case(ctx, ref))


@allowed(ActorKind.COORDINATOR)
async def list_cases(ctx: Turn, *, args: str = "") -> None:
    _pick(ctx, await _own_cases(ctx), CaseVerb.CARD, "coordinator.your_cases")


@allowed(ActorKind.COORDINATOR)
async def show_card(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    parties = list((await ctx.session.exec(select(Party).where(
        Party.case_id == case.id).order_by(col(Party.id)))).all())
    names = {p.id: p.name for p in parties}
    lines = [await _line(ctx, party, names) for party in parties]
    proposals = (await ctx.session.exec(select(Proposal).where(
        Proposal.case_id == case.id).order_by(col(Proposal.id)))).all()
    record(ctx, AuditAction.CASE_VIEWED, case_id=case.id)
    section = await conference_section(ctx, case, parties)
    text, keyboard = case_card(ctx.app.catalog, ctx.language, case, lines, list(proposals),
                               section)
    ctx.response.say(text, keyboard)


async def _line(ctx: Turn, party: Party, names: dict[int | None, str]) -> PartyLine:
    talk = await party_talk(ctx.session, party.id)
    invited = (await ctx.session.exec(select(func.max(Invite.created_at)).where(
        Invite.party_id == party.id))).one()
    answers = talk.answers if talk else {}
    return PartyLine(
        party, talk.status if talk else None, talk.outcome if talk else None,
        held=talk is None and party.telegram_user_id is not None
        and not await gate.is_open(ctx.session, party),
        days_invited=(ctx.now - invited).days if invited else 0,
        supported=names.get(party.supports_party_id) if party.supports_party_id else None,
        availability=answers.get("availability"), needs=answers.get("needs_detail"),
        facts_changed=(await ctx.session.exec(select(func.max(FactsVersion.replaced_at)).where(
            FactsVersion.party_id == party.id))).one())




@allowed(ActorKind.COORDINATOR)
async def show_answers(ctx: Turn, *, ref: int) -> None:
    """One party's answers, for the case's own coordinator only (audited)."""
    party, case = await own_party(ctx, ref)
    talk = await party_talk(ctx.session, party.id)
    record(ctx, AuditAction.ANSWERS_VIEWED, case_id=case.id, party_id=party.id)
    if talk is None:
        ctx.say("coordinator.no_answers_yet", name=party.name)
        return
    loaded = load(talk, ctx.app.flows)
    summary = answers_summary(loaded.flow, loaded.state, ctx.app.catalog, ctx.language, case,
                              party)
    ctx.say("coordinator.answers_of", (((ctx.t("button.case_card"), buttons.encode(
        CaseTap(CaseVerb.CARD, case.id or 0))),),), name=party.name, answers=summary)


async def _own_cases(ctx: Turn) -> list[Case]:
    assert ctx.actor.coordinator is not None
    return list((await ctx.session.exec(select(Case).where(
        Case.coordinator_id == ctx.actor.coordinator.id).order_by(col(Case.id).desc()))).all())


def _pick(ctx: Turn, cases: list[Case], verb: CaseVerb, key: str) -> None:
    if not cases:
        ctx.say("coordinator.no_cases")
        return
    rows = tuple(((c.reference, buttons.encode(CaseTap(verb, c.id or 0))),)
                 for c in cases[:MAX_LISTED])
    ctx.say(key, rows)


@forms.on_complete("new_case")
async def create_case(ctx: Turn, talk: Talk) -> None:
    coordinator = ctx.actor.coordinator
    assert coordinator is not None
    answers = talk.answers
    variant = Variant(answers["variant"])
    exists = await ctx.session.exec(select(Case.id).where(
        Case.coordinator_id == coordinator.id, Case.reference == answers["reference"]))
    if exists.first() is not None:
        ctx.say("coordinator.reference_taken", reference=answers["reference"])
        return
    case = Case(coordinator_id=coordinator.id or 0, reference=answers["reference"],
                variant=variant, facts=answers["facts"], language=answers["language"],
                timezone=DEFAULT_TIMEZONES[variant], created_at=ctx.now)
    ctx.session.add(case)
    await ctx.session.flush()
    record(ctx, AuditAction.CASE_CREATED, case_id=case.id)
    log.info("case %s created by coordinator %s", case.id, coordinator.id)
    ctx.say("coordinator.case_created", (((ctx.t("button.add_party"), buttons.encode(
        CaseTap(CaseVerb.ADD_PARTY, case.id or 0))),),), reference=case.reference)


@forms.on_complete("add_party")
async def create_party(ctx: Turn, talk: Talk) -> None:
    case = await own_case(ctx, talk.case_id or 0)
    answers = talk.answers
    party = Party(case_id=case.id or 0, role=Role(answers["role"]), name=answers["name"],
                  language=answers["language"], facts=answers.get("facts") or None,
                  created_at=ctx.now)
    ctx.session.add(party)
    await ctx.session.flush()
    record(ctx, AuditAction.PARTY_ADDED, case_id=case.id, party_id=party.id)
    log.info("party %s added to case %s", party.id, case.id)
    await invites.issue(ctx, party, case)


@allowed(ActorKind.COORDINATOR)
async def nudge(ctx: Turn, *, ref: int) -> None:
    """The coordinator's own gentle reminder to a party whose talk is open."""
    party, _ = await own_party(ctx, ref)
    talk = await party_talk(ctx.session, party.id)
    if talk is None or talk.status not in OPEN_STATUSES or party.telegram_user_id is None:
        ctx.say("coordinator.nothing_to_nudge", name=party.name)
        return
    talk.nudged_at = ctx.now
    ctx.session.add(talk)
    await owe(ctx.session, chat_id=party.telegram_user_id, kind=Notice.NUDGE, ref_id=talk.id,
              now=ctx.now)
    ctx.say("coordinator.nudged", name=party.name)


@allowed(ActorKind.COORDINATOR)
async def edit_facts(ctx: Turn, *, ref: int) -> None:
    """Change the facts one offender reads (e.g. after they disputed them)."""
    party, case = await own_party(ctx, ref)
    await forms.start_form(ctx, "edit_facts", case, about_id=party.id,
                           values={"name": party.name, "facts": party.facts or case.facts})


@forms.on_complete("edit_facts")
async def facts_edited(ctx: Turn, talk: Talk) -> None:
    party, case = await own_party(ctx, talk.about_id or 0)
    ctx.session.add(FactsVersion(case_id=case.id or 0, party_id=party.id,
                                 text=party.facts or case.facts, replaced_at=ctx.now))
    party.facts = talk.answers["facts"]
    ctx.session.add(party)
    record(ctx, AuditAction.FACTS_CHANGED, case_id=case.id, party_id=party.id)
    ctx.say("coordinator.facts_changed", name=party.name)
