"""What the bot owes people other than the user in front of it.

`owe` writes an outbox row in the caller's transaction; `render` turns a row into a message
when the sender gets to it, reading names and answers from the database at that moment, so
the outbox itself never holds personal text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, Keyboard
from bot.catalog import Catalog, role_name
from bot.flows import FlowRegistry
from bot.language import pick_language
from bot.models import Case, Coordinator, Outbox, ParticipantNote, Party, Proposal, Talk
from bot.talk_store import load
from bot.views.flags import party_flags
from bot.views.invite import proposal_rows
from bot.views.summary import answers_summary
from bot.vocabulary import OPEN_STATUSES, Notice, OutboxStatus, Role

OWES_OTHERS = "owes_others"


@dataclass(frozen=True)
class Message:
    text: str
    buttons: Keyboard = ()
    document: tuple[str, bytes] | None = None  # (file name, content), sent with `text` as caption


async def owe(session: AsyncSession, *, chat_id: int, kind: Notice, ref_id: int | None,
              now: datetime, due_at: datetime | None = None) -> None:
    session.add(Outbox(chat_id=chat_id, kind=kind, ref_id=ref_id, due_at=due_at or now,
                       created_at=now))
    session.info[OWES_OTHERS] = True  # the router wakes the sender (rows may be flushed early)


async def tell_coordinator(session: AsyncSession, case: Case, kind: Notice, ref_id: int | None,
                           now: datetime) -> None:
    coordinator = await session.get(Coordinator, case.coordinator_id)
    if coordinator is not None:
        await owe(session, chat_id=coordinator.telegram_user_id, kind=kind, ref_id=ref_id,
                  now=now)


async def redirect_pending(session: AsyncSession, *, case_id: int, from_chat: int,
                           to_chat: int) -> None:
    """A case handed over: what was still owed about it goes to its new coordinator."""
    rows = await session.exec(select(Outbox).where(
        Outbox.status == OutboxStatus.PENDING, Outbox.chat_id == from_chat,
        Outbox.kind != Notice.CASE_HANDED_OVER))
    for row in rows.all():
        if await _case_of(session, row) == case_id:
            row.chat_id = to_chat
            session.add(row)


async def _case_of(session: AsyncSession, row: Outbox) -> int | None:
    finder = _CASE_FINDERS.get(Notice(row.kind))
    if finder is not None:
        return await finder(session, row)
    if row.kind == Notice.RETENTION_WARNING:
        return row.ref_id
    if row.kind == Notice.PARTICIPANT_NOTE:
        note = await session.get(ParticipantNote, row.ref_id)
        party = await session.get(Party, note.party_id) if note else None
    elif _RENDERERS.get(Notice(row.kind)) in (_party_notice, _released, _erasure):
        party = await session.get(Party, row.ref_id)
    else:
        talk = await session.get(Talk, row.ref_id)
        party = await session.get(Party, talk.party_id) if talk and talk.party_id else None
    return party.case_id if party else None


@dataclass(frozen=True)
class Render:
    session: AsyncSession
    row: Outbox
    catalog: Catalog
    flows: FlowRegistry
    language: str
    now: datetime

    def t(self, key: str, **params: object) -> str:
        return self.catalog(key, self.language, **params)

    def about(self, case: Case, party: Party) -> dict[str, str]:
        return {"reference": case.reference, "name": party.name,
                "role": role_name(self.catalog, party.role, self.language)}


Renderer = Callable[["Render"], Awaitable[Message | None]]
CaseFinder = Callable[[AsyncSession, Outbox], Awaitable[int | None]]
_CASE_FINDERS: dict[Notice, CaseFinder] = {}


def renders(*kinds: Notice, case_of: CaseFinder | None = None) -> Callable[[Renderer], Renderer]:
    """Registers the renderer of these kinds from the module of a capability (e.g. the
    conference); `case_of` finds a row's case, so a handed-over case takes its rows along."""

    def register(renderer: Renderer) -> Renderer:
        for kind in kinds:
            _RENDERERS[kind] = renderer
            if case_of is not None:
                _CASE_FINDERS[kind] = case_of
        return renderer

    return register


async def render(session: AsyncSession, row: Outbox, catalog: Catalog,
                 flows: FlowRegistry, now: datetime) -> Message | None:
    """The message for an outbox row, or None when what it points to is gone."""
    coordinator = (await session.exec(
        select(Coordinator).where(Coordinator.telegram_user_id == row.chat_id))).first()
    language = pick_language(coordinator.language if coordinator else None)
    return await _RENDERERS[Notice(row.kind)](Render(session, row, catalog, flows, language,
                                                     now))


async def _party_notice(r: Render) -> Message | None:
    party = await r.session.get(Party, r.row.ref_id)
    case = await r.session.get(Case, party.case_id) if party else None
    if party is None or case is None:
        return None
    return Message(r.t(f"notify.{r.row.kind}", **r.about(case, party)))


async def _erasure(r: Render) -> Message | None:
    """A participant asks to have their data erased: the coordinator decides."""
    message = await _party_notice(r)
    if message is None:
        return None
    party = await r.session.get(Party, r.row.ref_id)
    assert party is not None
    return Message(message.text, (
        ((r.t("button.erase", name=party.name), buttons.encode(CaseTap(CaseVerb.ERASE,
                                                                         party.id or 0))),),
        ((r.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, party.case_id))),)))


async def _talk_notice(r: Render) -> Message | None:
    talk = await r.session.get(Talk, r.row.ref_id)
    party = await r.session.get(Party, talk.party_id) if talk and talk.party_id else None
    case = await r.session.get(Case, party.case_id) if party else None
    if talk is None or party is None or case is None:
        return None
    head = r.t(f"notify.{r.row.kind}", **r.about(case, party))
    if r.row.kind not in (Notice.TALK_COMPLETED, Notice.PRECONDITION_NOT_MET,
                          Notice.TALK_DECLINED):
        return Message(head)
    victims = (await r.session.exec(select(Party).where(
        Party.case_id == case.id, Party.role == Role.VICTIM))).all()
    flags = party_flags(r.catalog, r.language, party, case.variant, victims)
    if flags:
        head += "\n" + "\n".join(flags)
    loaded = load(talk, r.flows)
    summary = answers_summary(loaded.flow, loaded.state, r.catalog, r.language, case, party)
    rows: list[tuple[tuple[str, str], ...]] = []
    if r.row.kind == Notice.TALK_COMPLETED:
        proposals = await r.session.exec(
            select(Proposal).where(Proposal.proposed_by_party_id == party.id))
        rows += proposal_rows(r.catalog, r.language, list(proposals.all()))
    rows.append(((r.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, case.id or 0))),))
    return Message(f"{head}\n\n{summary}", tuple(rows))


async def _note(r: Render) -> Message | None:
    note = await r.session.get(ParticipantNote, r.row.ref_id)
    party = await r.session.get(Party, note.party_id) if note else None
    case = await r.session.get(Case, party.case_id) if party else None
    if note is None or party is None or case is None:
        return None
    return Message(r.t("notify.participant_note", text=note.text, **r.about(case, party)))


async def _handed_over(r: Render) -> Message | None:
    case = await r.session.get(Case, r.row.ref_id)
    coordinator = await r.session.get(Coordinator, case.coordinator_id) if case else None
    if case is None or coordinator is None:
        return None
    key = ("notify.case_handed_to_you" if coordinator.telegram_user_id == r.row.chat_id
           else "notify.case_handed_away")
    return Message(r.t(key, reference=case.reference))


async def _nudge(r: Render) -> Message | None:
    """A nudge, or the one follow-up after time to think, in the participant's language."""
    talk = await r.session.get(Talk, r.row.ref_id)
    if (talk is None or talk.status not in OPEN_STATUSES
            or talk.last_activity_at > r.row.created_at):
        return None  # answered (or ended) since the nudge was planned: nothing to say
    party = await r.session.get(Party, talk.party_id) if talk.party_id else None
    case = await r.session.get(Case, party.case_id) if party else None
    if party is None or case is None:
        return None
    key = "nudge.text" if r.row.kind == Notice.NUDGE else "nudge.after_thinking"
    return Message(r.catalog(key, party.language, name=party.name, reference=case.reference))


async def _retention(r: Render) -> Message | None:
    """A week before a closed case is erased: keep it longer (with a reason), or export it."""
    case = await r.session.get(Case, r.row.ref_id)
    if case is None or case.erased_at is not None:
        return None
    return Message(r.t("notify.retention_warning", reference=case.reference), (
        ((r.t("button.keep_case"), buttons.encode(CaseTap(CaseVerb.KEEP, case.id or 0))),),
        ((r.t("button.export_case"), buttons.encode(CaseTap(CaseVerb.EXPORT, case.id or 0))),)))


async def _released(r: Render) -> Message | None:
    """To a victim who opened their link too early: the talk can begin now."""
    party = await r.session.get(Party, r.row.ref_id)
    case = await r.session.get(Case, party.case_id) if party else None
    if party is None or case is None or party.telegram_user_id != r.row.chat_id:
        return None
    return Message(r.catalog("victim.released", party.language, name=party.name,
                             reference=case.reference))


_RENDERERS: dict[Notice, Renderer] = {
    Notice.INVITE_OPENED: _party_notice, Notice.INVITE_REFUSED: _party_notice,
    Notice.INVITE_EXPIRED: _party_notice, Notice.INVITE_HELD: _party_notice,
    Notice.LINK_NOT_OPENED: _party_notice, Notice.TALK_STALLED: _talk_notice,
    Notice.VICTIM_RELEASED: _released, Notice.TALK_THINKING: _talk_notice,
    Notice.THINK_FOLLOW_UP: _nudge,
    Notice.TALK_COMPLETED: _talk_notice, Notice.TALK_DECLINED: _talk_notice,
    Notice.PRECONDITION_NOT_MET: _talk_notice, Notice.TALK_WITHDRAWN: _talk_notice,
    Notice.TALK_RESUMED: _talk_notice, Notice.NUDGE: _nudge,
    Notice.PARTICIPANT_NOTE: _note, Notice.CASE_HANDED_OVER: _handed_over,
    Notice.ERASURE_REQUESTED: _erasure, Notice.PARTY_UNREACHABLE: _party_notice,
    Notice.RETENTION_WARNING: _retention,
}
