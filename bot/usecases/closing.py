"""A case after the conference, by its coordinator: close it (its retention period starts),
export it (JSON, and a PDF to read or print), erase it (asks first), or keep it longer with a
reason. All audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot import buttons
from bot.access import allowed, own_case
from bot.audit import record
from bot.buttons import CaseTap, CaseVerb, SetOutcome
from bot.lifecycle import case_json, erase_case_data, gather_case
from bot.models import Case, Talk
from bot.pdf_document import find_fonts
from bot.turn import Outgoing, Turn
from bot.usecases import forms
from bot.views.case_pdf import case_pdf
from bot.vocabulary import ActorKind, AuditAction, CaseOutcome

KEEP_LONGER = timedelta(days=90)


def _card_button(ctx: Turn, case_id: int | None) -> tuple[tuple[tuple[str, str], ...], ...]:
    return (((ctx.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, case_id or 0))),),)


@allowed(ActorKind.COORDINATOR)
async def close_case(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    if case.closed_at is None:
        case.closed_at = ctx.now
        ctx.session.add(case)
        record(ctx, AuditAction.CASE_CLOSED, case_id=case.id)
    ctx.say("coordinator.case_closed", _card_button(ctx, case.id), reference=case.reference)
    if case.outcome is None:
        _ask_outcome(ctx, case)


@allowed(ActorKind.COORDINATOR)
async def ask_outcome(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    _ask_outcome(ctx, case)


def _ask_outcome(ctx: Turn, case: Case) -> None:
    """How the case ended, from the fixed list, so a programme can count its cases."""
    rows = tuple(((ctx.t(f"outcome.{outcome}"),
                   buttons.encode(SetOutcome(case.id or 0, outcome))),) for outcome in CaseOutcome)
    ctx.say("outcome.ask", (*rows, *_card_button(ctx, case.id)), reference=case.reference)


@allowed(ActorKind.COORDINATOR)
async def set_outcome(ctx: Turn, *, tap: SetOutcome) -> None:
    """Recorded on a closed case (picking one closes an open case: it has ended); audited."""
    case = await own_case(ctx, tap.case_id)
    if case.erased_at is None:
        if case.closed_at is None:
            case.closed_at = ctx.now
            record(ctx, AuditAction.CASE_CLOSED, case_id=case.id)
        case.outcome = CaseOutcome(tap.outcome)
        ctx.session.add(case)
        record(ctx, AuditAction.OUTCOME_RECORDED, case_id=case.id)
    ctx.response.answered = ctx.t(f"outcome.{tap.outcome}")
    ctx.say("outcome.recorded", _card_button(ctx, case.id), reference=case.reference,
            outcome=ctx.t(f"outcome.{case.outcome or tap.outcome}"))


@allowed(ActorKind.COORDINATOR)
async def export_case(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    record(ctx, AuditAction.CASE_EXPORTED, case_id=case.id)
    gathered = await gather_case(ctx.session, case)
    # Laying out a PDF takes a tenth of a second or more: off the event loop, so other
    # chats are not held up meanwhile.
    pdf = await asyncio.to_thread(case_pdf, gathered, ctx.app.flows, ctx.app.catalog,
                                  ctx.language, find_fonts(ctx.app.pdf_font_dir), ctx.now)
    ctx.response.messages += [
        Outgoing(ctx.t("coordinator.export_caption", reference=case.reference),
                 document=(f"zaak-{case.id}.json", case_json(gathered))),
        Outgoing(ctx.t("coordinator.export_pdf_caption", reference=case.reference),
                 document=(f"zaak-{case.id}.pdf", pdf))]


@allowed(ActorKind.COORDINATOR)
async def ask_erase_case(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    ctx.say("coordinator.erase_case_confirm", (
        ((ctx.t("button.erase_case_yes"), buttons.encode(
            CaseTap(CaseVerb.ERASE_CASE_CONFIRM, case.id or 0))),),
        *_card_button(ctx, case.id)), reference=case.reference)


@allowed(ActorKind.COORDINATOR)
async def erase_case(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    if case.erased_at is None:
        await erase_case_data(ctx.session, case, ctx.now)
        record(ctx, AuditAction.CASE_ERASED, case_id=case.id)
    ctx.say("coordinator.case_erased", reference=case.reference)


@allowed(ActorKind.COORDINATOR)
async def keep_case(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    await forms.start_form(ctx, "keep_case", case, about_id=case.id)


@forms.on_complete("keep_case")
async def kept(ctx: Turn, talk: Talk) -> None:
    """Kept longer with a reason; the reason is the coordinator's, kept in the form's talk."""
    case = await own_case(ctx, talk.about_id or 0)
    case.keep_until = ctx.now + KEEP_LONGER
    ctx.session.add(case)
    record(ctx, AuditAction.CASE_KEPT, case_id=case.id)
    ctx.say("coordinator.case_kept", reference=case.reference,
            until=case.keep_until.date().isoformat())
