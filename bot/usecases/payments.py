"""Money commitments: the owner reports an instalment paid (the amount typed in a short form),
whom it is owed to may confirm it was received, and the total paid so far is the sum."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import allowed, refuse
from bot.buttons import ConfirmPaid, ReportPaid
from bot.models import Case, Commitment, Party, Payment, Plan, Talk
from bot.notifications import owe
from bot.turn import Turn
from bot.usecases import forms
from bot.usecases.follow_up import is_followed, owners_of
from bot.views.follow_up import money
from bot.vocabulary import ActorKind, Notice, Role


async def receivers_of(session: AsyncSession, commitment: Commitment, case: Case) -> list[Party]:
    """Whom the money is owed: the party who checks it, else the person (or people) harmed."""
    if commitment.checker_party_id is not None:
        checker = await session.get(Party, commitment.checker_party_id)
        return [checker] if checker is not None else []
    return list((await session.exec(select(Party).where(
        Party.case_id == case.id, Party.role == Role.VICTIM).order_by(col(Party.id)))).all())


async def paid_so_far(session: AsyncSession, commitment_id: int | None) -> tuple[int, int]:
    """Cents reported paid, and of those, confirmed received."""
    confirmed = sa.case((col(Payment.confirmed_at).is_not(None), Payment.cents), else_=0)
    row = (await session.exec(select(
        sa.func.coalesce(sa.func.sum(Payment.cents), 0),
        sa.func.coalesce(sa.func.sum(confirmed), 0)).where(
        Payment.commitment_id == commitment_id))).one()
    return int(row[0]), int(row[1])


async def _owned(ctx: Turn, commitment_id: int) -> tuple[Commitment, Case, Party]:
    """The commitment, if the tapping account is one of its owners; else refused."""
    commitment = await ctx.session.get(Commitment, commitment_id)
    plan = await ctx.session.get(Plan, commitment.plan_id) if commitment else None
    case = await ctx.session.get(Case, plan.case_id) if plan else None
    owners = await owners_of(ctx.session, commitment_id) if commitment else []
    owner = next((p for p in owners if p.telegram_user_id == ctx.actor.user_id), None)
    if commitment is None or case is None or owner is None:
        refuse(ctx, case_id=case.id if case else None)
    ctx.actor.language = owner.language
    return commitment, case, owner


@allowed(ActorKind.PARTICIPANT)
async def report_paid(ctx: Turn, *, tap: ReportPaid) -> None:
    commitment, case, _ = await _owned(ctx, tap.commitment_id)
    if not commitment.amount_cents or not is_followed(commitment):
        ctx.say("followup.closed")
        return
    paid, _ = await paid_so_far(ctx.session, commitment.id)
    ctx.say("followup.paid_so_far", what=commitment.what,
            paid=money(ctx.app.catalog, ctx.language, paid),
            total=money(ctx.app.catalog, ctx.language, commitment.amount_cents))
    await forms.start_form(ctx, "instalment", case, about_id=commitment.id)


@forms.on_complete("instalment")
async def instalment_typed(ctx: Turn, talk: Talk) -> None:
    commitment, case, owner = await _owned(ctx, talk.about_id or 0)
    if not commitment.amount_cents or not is_followed(commitment):
        ctx.say("followup.closed")
        return
    payment = Payment(commitment_id=commitment.id or 0, party_id=owner.id or 0,
                      cents=int(talk.answers["amount"]), reported_at=ctx.now)
    ctx.session.add(payment)
    await ctx.session.flush()
    for receiver in await receivers_of(ctx.session, commitment, case):
        if receiver.telegram_user_id is not None:
            await owe(ctx.session, chat_id=receiver.telegram_user_id,
                      kind=Notice.PAYMENT_REPORTED, ref_id=payment.id, now=ctx.now)
    paid, _ = await paid_so_far(ctx.session, commitment.id)
    catalog = ctx.app.catalog
    ctx.say("followup.paid_noted", amount=money(catalog, ctx.language, payment.cents),
            paid=money(catalog, ctx.language, paid),
            total=money(catalog, ctx.language, commitment.amount_cents))


@allowed(ActorKind.PARTICIPANT)
async def confirm_paid(ctx: Turn, *, tap: ConfirmPaid) -> None:
    """Whom it is owed says the instalment came in; the owner hears of it."""
    payment = await ctx.session.get(Payment, tap.payment_id)
    commitment = await ctx.session.get(Commitment, payment.commitment_id) if payment else None
    plan = await ctx.session.get(Plan, commitment.plan_id) if commitment else None
    case = await ctx.session.get(Case, plan.case_id) if plan else None
    receivers = await receivers_of(ctx.session, commitment, case) if commitment and case else []
    reader = next((p for p in receivers if p.telegram_user_id == ctx.actor.user_id), None)
    if payment is None or reader is None:
        refuse(ctx, case_id=case.id if case else None)
    ctx.actor.language = reader.language
    amount = money(ctx.app.catalog, ctx.language, payment.cents)
    if payment.confirmed_at is not None:
        ctx.say("followup.already_confirmed", amount=amount)
        return
    payment.confirmed_at, payment.confirmed_by_party_id = ctx.now, reader.id
    ctx.session.add(payment)
    reporter = await ctx.session.get(Party, payment.party_id)
    if reporter is not None and reporter.telegram_user_id is not None:
        await owe(ctx.session, chat_id=reporter.telegram_user_id, kind=Notice.PAYMENT_CONFIRMED,
                  ref_id=payment.id, now=ctx.now)
    ctx.response.callback_notice = ctx.t("followup.button.received")
    ctx.say("followup.confirmed", amount=amount)
