"""A participant's rights, in the chat: see what is stored about them (/mydata, also as a
file) and ask for it to be erased; the coordinator grants an erasure (the case's counts
stay, the person's data goes)."""

from __future__ import annotations

from sqlmodel import col, select

from bot import buttons
from bot.access import allowed, own_party, refuse
from bot.audit import record
from bot.buttons import CaseTap, CaseVerb, ClearChat, MyData
from bot.chat_copies import take_deletable
from bot.lifecycle import erase_party_data
from bot.models import Case, ParticipantNote, Party, Proposal, Talk
from bot.notifications import tell_coordinator
from bot.talk_store import load, party_talk
from bot.turn import Outgoing, Turn
from bot.views.mydata import Held, mydata_file, mydata_text
from bot.vocabulary import ActorKind, AuditAction, Notice


async def _held(ctx: Turn) -> list[Held]:
    parties = (await ctx.session.exec(select(Party).where(
        Party.telegram_user_id == ctx.actor.user_id).order_by(col(Party.id)))).all()
    held = []
    for party in parties:
        case = await ctx.session.get(Case, party.case_id)
        assert case is not None
        talk = await party_talk(ctx.session, party.id)
        loaded = load(talk, ctx.app.flows) if talk else None
        proposals = (await ctx.session.exec(select(Proposal).where(
            Proposal.proposed_by_party_id == party.id))).all()
        notes = (await ctx.session.exec(select(ParticipantNote).where(
            ParticipantNote.party_id == party.id))).all()
        held.append(Held(case, party, loaded.flow if loaded else None,
                         loaded.state if loaded else None,
                         tuple(p.name for p in proposals), tuple(n.text for n in notes)))
    return held


@allowed(ActorKind.PARTICIPANT)
async def show_mydata(ctx: Turn, *, args: str = "") -> None:
    held = await _held(ctx)
    for item in held:
        record(ctx, AuditAction.MYDATA_VIEWED, case_id=item.case.id, party_id=item.party.id)
    ctx.response.say(mydata_text(ctx.app.catalog, ctx.language, held), (
        ((ctx.t("button.mydata_file"), buttons.encode(MyData(1))),),
        ((ctx.t("button.erase_request"), buttons.encode(MyData(2))),),
    ))


@allowed(ActorKind.PARTICIPANT)
async def mydata_action(ctx: Turn, *, tap: MyData) -> None:
    held = await _held(ctx)
    if tap.action == 1:
        ctx.response.messages.append(Outgoing(ctx.t("mydata.file_caption"),
                                              document=("herstelbot.json", mydata_file(held))))
        return
    for item in held:  # an erasure request reaches each case's coordinator
        record(ctx, AuditAction.ERASURE_REQUESTED, case_id=item.case.id,
               party_id=item.party.id)
        await tell_coordinator(ctx.session, item.case, Notice.ERASURE_REQUESTED,
                               item.party.id, ctx.now)
    ctx.say("mydata.erase_requested")


@allowed(ActorKind.PARTICIPANT)
async def clear_chat(ctx: Turn, *, tap: ClearChat) -> None:
    """Deletes the chat's copy of a finished talk (what Telegram still allows: 48 hours);
    the answers stay stored for the coordinator. Either way the ids are forgotten."""
    talk = await ctx.session.get(Talk, tap.talk_id)
    if talk is None or talk.user_id != ctx.actor.user_id or talk.party_id is None:
        refuse(ctx)
    assert talk is not None and talk.id is not None
    deletable = await take_deletable(ctx.session, talk.id, ctx.now)
    if tap.send:
        ctx.response.delete_message_ids = deletable
        ctx.say("chat.cleared")
    else:
        ctx.say("chat.kept")


@allowed(ActorKind.COORDINATOR)
async def erase_party(ctx: Turn, *, ref: int) -> None:
    """The person's data goes; that there was a party of this role, and its talk's outcome,
    stay (the case's counts)."""
    party, case = await own_party(ctx, ref)
    await erase_party_data(ctx.session, party, ctx.now)
    record(ctx, AuditAction.PARTY_ERASED, case_id=case.id, party_id=party.id)
    ctx.say("coordinator.party_erased", (((ctx.t("button.case_card"), buttons.encode(
        CaseTap(CaseVerb.CARD, case.id or 0))),),))
