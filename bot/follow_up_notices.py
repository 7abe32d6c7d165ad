"""The follow-up's messages, made when the outbox sends them: the reminder and the check-in to
each owner, the one repeat, what the coordinator hears (help, no answer, a message too late),
and an instalment reported and confirmed.

A message is sent only if it still holds: the commitment is open and in the plan, the check
not answered, the recipient still an owner (or whom the money is owed). It never goes out at
night in the case's time zone: one that falls due then waits until the morning. One that comes
more than half an hour after its moment says so; one more than a week late is not sent to the
participant at all, the coordinator is told instead (once). The check-in owes the repeat, and
the repeat the coordinator's notice, when they go out: owner -> repeat -> coordinator, no more.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import buttons
from bot.buttons import CaseTap, CaseVerb
from bot.follow_up_rules import (
    LATE,
    TOO_LATE,
    check_in_at,
    coordinator_at,
    effective_date,
    is_quiet,
    next_daytime,
    reminder_at,
    repeat_at,
)
from bot.models import Case, Commitment, Coordinator, Outbox, Party, Payment, Plan
from bot.notifications import Message, Render, owe, renders
from bot.usecases.follow_up import Followed, followed, is_answered, is_followed
from bot.usecases.payments import paid_so_far, receivers_of
from bot.views.conference import first_name
from bot.views.contact import contact_for
from bot.views.follow_up import check_in_keyboard, confirm_keyboard, long_date, money
from bot.vocabulary import Notice

PRECISION = timedelta(seconds=1)


async def _case_of_check(session: AsyncSession, row: Outbox) -> int | None:
    found = await followed(session, row.ref_id)
    return found.case.id if found else None


async def _coordinator_chat(session: AsyncSession, case: Case) -> int | None:
    coordinator = await session.get(Coordinator, case.coordinator_id)
    return coordinator.telegram_user_id if coordinator else None


def _deferred(r: Render, timezone: str) -> bool:
    """At night in the case's zone the message waits for the morning, as a row of its own
    that keeps the moment it was first owed (`created_at`), so it can still say it is late."""
    if not is_quiet(r.now, timezone):
        return False
    r.session.add(Outbox(chat_id=r.row.chat_id, kind=r.row.kind, ref_id=r.row.ref_id,
                         due_at=next_daytime(r.now, timezone), created_at=r.row.created_at))
    return True


def _intended(kind: str, found: Followed, row: Outbox) -> datetime:
    """The moment this message was meant for (a repeat: two days after its check-in went)."""
    zone = found.case.timezone
    if kind == Notice.COMMITMENT_REMINDER:
        return reminder_at(found.check, found.commitment.lead_days, zone)
    if kind == Notice.COMMITMENT_CHECK_IN:
        return check_in_at(found.check, zone)
    if kind == Notice.COMMITMENT_REPEAT:
        return repeat_at(row.created_at, zone)
    return coordinator_at(row.created_at, zone)


@renders(Notice.COMMITMENT_REMINDER, Notice.COMMITMENT_CHECK_IN, Notice.COMMITMENT_REPEAT,
         case_of=_case_of_check)
async def _to_owner(r: Render) -> Message | None:
    found = await followed(r.session, r.row.ref_id)
    if found is None or not is_followed(found.commitment) or is_answered(found.check):
        return None
    owner = next((p for p in found.owners if p.telegram_user_id == r.row.chat_id), None)
    if owner is None:
        return None  # no longer an owner of it
    kind, zone = Notice(r.row.kind), found.case.timezone
    intended = _intended(kind, found, r.row)
    if kind != Notice.COMMITMENT_REPEAT and r.row.due_at + PRECISION < intended:
        return None  # made for a date the check no longer has
    if kind == Notice.COMMITMENT_REMINDER and r.now >= check_in_at(found.check, zone):
        return None  # too late to remind: the check-in says it all
    late = r.now - max(intended, r.row.created_at)
    if late > TOO_LATE:
        await _too_late(r, found)
        return None
    if _deferred(r, zone):
        return None
    if kind == Notice.COMMITMENT_CHECK_IN:
        await owe(r.session, chat_id=r.row.chat_id, kind=Notice.COMMITMENT_REPEAT,
                  ref_id=found.check.id, now=r.now, due_at=repeat_at(r.now, zone))
    elif kind == Notice.COMMITMENT_REPEAT and found.check.repeated_at is None:
        found.check.repeated_at = r.now  # one notice to the coordinator, however many owners
        r.session.add(found.check)
        chat = await _coordinator_chat(r.session, found.case)
        if chat is not None:
            await owe(r.session, chat_id=chat, kind=Notice.COMMITMENT_NO_ANSWER,
                      ref_id=found.check.id, now=r.now, due_at=coordinator_at(r.now, zone))
    language = owner.language
    text = r.catalog(f"followup.{kind}", language, name=first_name(owner),
                     what=found.commitment.what,
                     date=long_date(r.catalog, language, effective_date(found.check)),
                     coordinator=await contact_for(r.session, r.catalog, language, found.case))
    if late > LATE:
        text = r.catalog("followup.late", language) + text
    return Message(text, check_in_keyboard(r.catalog, language, found.check, found.commitment,
                                           reminder=kind == Notice.COMMITMENT_REMINDER))


async def _too_late(r: Render, found: Followed) -> None:
    """Over a week late: the coordinator hears of it (once a check), not the participant."""
    told = (await r.session.exec(select(Outbox.id).where(
        Outbox.kind == Notice.COMMITMENT_TOO_LATE, Outbox.ref_id == found.check.id))).first()
    chat = await _coordinator_chat(r.session, found.case)
    if told is None and chat is not None:
        found.check.escalated_at = found.check.escalated_at or r.now
        r.session.add(found.check)
        await owe(r.session, chat_id=chat, kind=Notice.COMMITMENT_TOO_LATE,
                  ref_id=found.check.id, now=r.now)


def _follow_up_button(r: Render, case: Case) -> buttons.Keyboard:
    return (((r.t("followup.button.overview"),
              buttons.encode(CaseTap(CaseVerb.FOLLOW_UP, case.id or 0))),),)


@renders(Notice.COMMITMENT_NO_ANSWER, Notice.COMMITMENT_HELP, Notice.COMMITMENT_TOO_LATE,
         case_of=_case_of_check)
async def _to_coordinator(r: Render) -> Message | None:
    found = await followed(r.session, r.row.ref_id)
    if found is None:
        return None
    kind = Notice(r.row.kind)
    if kind == Notice.COMMITMENT_NO_ANSWER:
        if (not is_followed(found.commitment) or is_answered(found.check)
                or found.check.escalated_at is not None):
            return None  # answered meanwhile, or the coordinator was told already
        if _deferred(r, found.case.timezone):
            return None
        found.check.escalated_at = r.now
        r.session.add(found.check)
    elif kind == Notice.COMMITMENT_TOO_LATE and _deferred(r, found.case.timezone):
        return None
    names = ", ".join(p.name for p in found.owners) or "-"
    text = r.t(f"followup.{kind}", reference=found.case.reference, names=names,
               what=found.commitment.what,
               date=long_date(r.catalog, r.language, effective_date(found.check)))
    return Message(text, _follow_up_button(r, found.case))


async def _payment(session: AsyncSession, payment_id: int | None) -> tuple[
        Payment, Commitment, Case] | None:
    payment = await session.get(Payment, payment_id) if payment_id else None
    commitment = await session.get(Commitment, payment.commitment_id) if payment else None
    plan = await session.get(Plan, commitment.plan_id) if commitment else None
    case = await session.get(Case, plan.case_id) if plan else None
    if payment is None or commitment is None or case is None:
        return None
    return payment, commitment, case


async def _case_of_payment(session: AsyncSession, row: Outbox) -> int | None:
    found = await _payment(session, row.ref_id)
    return found[2].id if found else None


@renders(Notice.PAYMENT_REPORTED, Notice.PAYMENT_CONFIRMED, case_of=_case_of_payment)
async def _payment_notice(r: Render) -> Message | None:
    found = await _payment(r.session, r.row.ref_id)
    if found is None:
        return None
    payment, commitment, case = found
    if r.row.kind == Notice.PAYMENT_REPORTED:
        reader = next((p for p in await receivers_of(r.session, commitment, case)
                       if p.telegram_user_id == r.row.chat_id), None)
        if reader is None or payment.confirmed_at is not None:
            return None
    else:
        reader = await r.session.get(Party, payment.party_id)
        if reader is None or reader.telegram_user_id != r.row.chat_id:
            return None
    if _deferred(r, case.timezone):
        return None
    language = reader.language
    reporter = await r.session.get(Party, payment.party_id)
    paid, _ = await paid_so_far(r.session, commitment.id)
    text = r.catalog(f"followup.{r.row.kind}", language, name=first_name(reader),
                     owner=reporter.name if reporter else "-", what=commitment.what,
                     amount=money(r.catalog, language, payment.cents),
                     paid=money(r.catalog, language, paid),
                     total=money(r.catalog, language, commitment.amount_cents or 0))
    if r.row.kind == Notice.PAYMENT_REPORTED:
        return Message(text, confirm_keyboard(r.catalog, language, payment.id or 0))
    return Message(text)
