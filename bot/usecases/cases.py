"""A coordinator's cases: opening one, adding a party, the list and the case card."""

from __future__ import annotations

import logging

from sqlmodel import col, select

from bot import buttons
from bot.access import allowed, own_case
from bot.audit import record
from bot.buttons import CaseTap, CaseVerb
from bot.models import Case, Party, Talk
from bot.turn import Turn
from bot.usecases import forms, invites
from bot.views.case_card import PartyLine, case_card
from bot.vocabulary import DEFAULT_TIMEZONES, ActorKind, AuditAction, Role, TalkStatus, Variant

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
    parties = (await ctx.session.exec(select(Party).where(
        Party.case_id == case.id).order_by(col(Party.id)))).all()
    lines = []
    for party in parties:
        talk = (await ctx.session.exec(select(Talk).where(
            Talk.party_id == party.id, col(Talk.status) != TalkStatus.ARCHIVED).order_by(
            col(Talk.id).desc()))).first()
        lines.append(PartyLine(party, talk.status if talk else None,
                               talk.outcome if talk else None))
    record(ctx, AuditAction.CASE_VIEWED, case_id=case.id)
    text, keyboard = case_card(ctx.app.catalog, ctx.language, case, lines)
    ctx.response.say(text, keyboard)


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
