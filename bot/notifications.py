"""What the bot owes people other than the user in front of it.

`owe` writes an outbox row in the caller's transaction; `render` turns a row into a message
when the sender gets to it, reading names and answers from the database at that moment, so
the outbox itself never holds personal text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.catalog import Catalog
from bot.engine import TalkState, answer_text, answered_steps
from bot.flows import Flow, FlowRegistry
from bot.models import Case, Coordinator, Outbox, Party, Proposal, Talk
from bot.talks import context_for, load

Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


@dataclass(frozen=True)
class Message:
    text: str
    buttons: Keyboard = ()


async def owe(session: AsyncSession, *, chat_id: int, kind: str, ref_id: int | None,
              now: datetime, due_at: datetime | None = None) -> None:
    session.add(Outbox(chat_id=chat_id, kind=kind, ref_id=ref_id, due_at=due_at or now,
                       created_at=now))


async def tell_coordinator(session: AsyncSession, case: Case, kind: str, ref_id: int | None,
                           now: datetime) -> None:
    coordinator = await session.get(Coordinator, case.coordinator_id)
    if coordinator is not None:
        await owe(session, chat_id=coordinator.telegram_user_id, kind=kind, ref_id=ref_id,
                  now=now)


def role_name(catalog: Catalog, role: str, language: str) -> str:
    return catalog(f"role.{role}", language)


async def render(session: AsyncSession, row: Outbox, catalog: Catalog,
                 flows: FlowRegistry) -> Message | None:
    """The message for an outbox row, or None when what it points to is gone."""
    if row.kind == "nudge":
        return await _nudge(session, row, catalog)
    coordinator = (await session.exec(
        select(Coordinator).where(Coordinator.telegram_user_id == row.chat_id))).first()
    lang = coordinator.language if coordinator else "nl"
    if row.kind in ("invite_opened", "invite_refused"):
        party = await session.get(Party, row.ref_id)
        if party is None:
            return None
        case = await session.get(Case, party.case_id)
        assert case is not None
        return Message(catalog(f"notify.{row.kind}", lang, reference=case.reference,
                               name=party.name, role=role_name(catalog, party.role, lang)))
    talk = await session.get(Talk, row.ref_id)
    if talk is None or talk.party_id is None:
        return None
    party = await session.get(Party, talk.party_id)
    case = await session.get(Case, party.case_id) if party else None
    if party is None or case is None:
        return None
    head = catalog(f"notify.{row.kind}", lang, reference=case.reference, name=party.name,
                   role=role_name(catalog, party.role, lang))
    if row.kind not in ("talk_completed", "precondition_not_met", "talk_declined"):
        return Message(head)
    loaded = load(talk, flows)
    summary = _summary(loaded.flow, loaded.state, catalog, lang, case, party)
    buttons: list[tuple[tuple[str, str], ...]] = []
    if row.kind == "talk_completed":
        proposals = await session.exec(
            select(Proposal).where(Proposal.proposed_by_party_id == party.id))
        for proposal in proposals.all():
            label = catalog("button.invite_supporter", lang, name=proposal.name)
            buttons.append(((label, f"c:sup:{proposal.id}"),))
    buttons.append(((catalog("button.case_card", lang), f"c:case:{case.id}"),))
    return Message(f"{head}\n\n{summary}", tuple(buttons))


def _summary(flow: Flow, state: TalkState, catalog: Catalog, lang: str, case: Case,
             party: Party) -> str:
    ctx = context_for(catalog, lang, case, party)
    lines = []
    for step in answered_steps(flow, state):
        assert step.label is not None
        label = step.label.get(lang, ctx.variant)
        lines.append(f"▪ {label}:\n{answer_text(step, state.answers[step.id], ctx, catalog)}")
    return "\n".join(lines) if lines else catalog("notify.no_answers", lang)


async def _nudge(session: AsyncSession, row: Outbox, catalog: Catalog) -> Message | None:
    talk = await session.get(Talk, row.ref_id)
    if (talk is None or talk.status not in ("active", "paused")
            or talk.last_activity_at > row.created_at):
        return None  # answered (or ended) since the nudge was planned: nothing to say
    party = await session.get(Party, talk.party_id) if talk.party_id else None
    if party is None:
        return None
    return Message(catalog("nudge.text", party.language, name=party.name))
