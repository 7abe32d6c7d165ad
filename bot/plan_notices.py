"""The repair plan's messages, made when the outbox sends them, in the recipient's language:
the plan to sign (text with the buttons, and a PDF), a reminder to sign, the final copy with
everyone's signatures, and what the coordinator hears. A message for a version that is no
longer the newest says nothing: the newer one is on its way."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, Sign
from bot.catalog import role_name
from bot.models import Case, Outbox, Party, Plan, PlanVersion, Signature
from bot.notifications import Message, Render, renders
from bot.pdf_document import find_fonts
from bot.plan_store import PlanRecord, gather_plan
from bot.views.conference import first_name
from bot.views.plan import plan_parts, plan_pdf, plan_text
from bot.vocabulary import Notice


@dataclass(frozen=True)
class Signing:
    signature: Signature
    version: PlanVersion
    party: Party
    record: PlanRecord

    @property
    def newest(self) -> bool:
        return self.record.version is not None and self.record.version.id == self.version.id


async def _signing(session: AsyncSession, row: Outbox) -> Signing | None:
    signature = await session.get(Signature, row.ref_id)
    version = await session.get(PlanVersion, signature.version_id) if signature else None
    plan = await session.get(Plan, version.plan_id) if version else None
    case = await session.get(Case, plan.case_id) if plan else None
    party = await session.get(Party, signature.party_id) if signature else None
    if signature is None or version is None or plan is None or case is None or party is None:
        return None
    return Signing(signature, version, party, await gather_plan(session, case, plan))


async def _case_of_signature(session: AsyncSession, row: Outbox) -> int | None:
    found = await _signing(session, row)
    return found.record.case.id if found else None


def _for_party(r: Render, found: Signing | None) -> Signing | None:
    """The row still fits: its party's own account, and the version still the newest."""
    if found is None or found.party.telegram_user_id != r.row.chat_id or not found.newest:
        return None
    return found


@renders(Notice.PLAN_TO_SIGN, Notice.PLAN_SIGN_REMINDER, case_of=_case_of_signature)
async def _to_sign(r: Render) -> Message | None:
    found = _for_party(r, await _signing(r.session, r.row))
    if found is None or found.signature.signed_at is not None:
        return None
    language = found.party.language
    parts = plan_parts(r.catalog, language, found.record)
    head = r.catalog("plan.to_sign" if r.row.kind == Notice.PLAN_TO_SIGN
                     else "plan.sign_reminder", language, name=first_name(found.party))
    keyboard = (((r.catalog("plan.button.sign", language),
                  buttons.encode(Sign(found.signature.id or 0, 1))),),
                ((r.catalog("plan.button.decline", language),
                  buttons.encode(Sign(found.signature.id or 0, 0))),))
    return Message(f"{head}\n\n{plan_text(parts)}", keyboard)


@renders(Notice.PLAN_COPY, Notice.PLAN_FINAL_COPY, case_of=_case_of_signature)
async def _copy(r: Render) -> Message | None:
    found = _for_party(r, await _signing(r.session, r.row))
    if found is None:
        return None
    language, final = found.party.language, r.row.kind == Notice.PLAN_FINAL_COPY
    parts = plan_parts(r.catalog, language, found.record, signatures=final)
    pdf = await asyncio.to_thread(plan_pdf, parts, r.catalog, language,
                                  found.record.case.reference, find_fonts())
    caption = r.catalog("plan.final_caption" if final else "plan.copy_caption", language)
    name = f"herstelplan-v{found.version.number}.pdf"
    return Message(caption, document=(name, pdf))


@renders(Notice.PLAN_SIGNED, case_of=_case_of_signature)
async def _signed(r: Render) -> Message | None:
    found = _for_party(r, await _signing(r.session, r.row))
    if found is None:
        return None
    return Message(r.catalog("plan.everyone_signed", found.party.language,
                             name=first_name(found.party)))


@renders(Notice.PLAN_DECLINED, case_of=_case_of_signature)
async def _declined(r: Render) -> Message | None:
    found = await _signing(r.session, r.row)
    if found is None:
        return None
    case = found.record.case
    return Message(r.t("notify.plan_declined", name=found.party.name,
                       role=role_name(r.catalog, found.party.role, r.language),
                       reference=case.reference, number=found.version.number),
                   _plan_button(r, case))


async def _case_of_version(session: AsyncSession, row: Outbox) -> int | None:
    version = await session.get(PlanVersion, row.ref_id)
    plan = await session.get(Plan, version.plan_id) if version else None
    return plan.case_id if plan else None


@renders(Notice.PLAN_ALL_SIGNED, case_of=_case_of_version)
async def _all_signed(r: Render) -> Message | None:
    version = await r.session.get(PlanVersion, r.row.ref_id)
    plan = await r.session.get(Plan, version.plan_id) if version else None
    case = await r.session.get(Case, plan.case_id) if plan else None
    if version is None or case is None:
        return None
    count = len((await r.session.exec(select(Signature.id).where(
        Signature.version_id == version.id, col(Signature.signed_at).is_not(None)))).all())
    return Message(r.t("notify.plan_all_signed", reference=case.reference,
                       number=version.number, count=count), _plan_button(r, case))


def _plan_button(r: Render, case: Case) -> buttons.Keyboard:
    return (((r.t("plan.button.open"), buttons.encode(CaseTap(CaseVerb.PLAN_CARD,
                                                               case.id or 0))),),)
