"""Invites: redeeming a link (a party's, a coordinator's, an admin's), issuing, revoking and
re-issuing a party's link without ever losing a talk's answers."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import col, select

from bot.access import allowed, own_party, own_proposal
from bot.audit import record
from bot.engine import Show, begin
from bot.models import Admin, Case, Coordinator, Invite, LanguageChoice, Outbox, Party, Talk
from bot.notifications import tell_coordinator
from bot.qr import qr_png
from bot.talk_store import new_talk, party_talk, talk_context
from bot.tokens import invite_link, new_token, token_hash
from bot.turn import Outgoing, Turn
from bot.usecases import forms, gate, talks
from bot.views.contact import contact_for
from bot.views.invite import invite_view, new_link_keyboard, reissue_question
from bot.vocabulary import (
    ActorKind,
    AuditAction,
    InviteKind,
    Notice,
    Role,
    TalkStatus,
)

log = logging.getLogger(__name__)
REFUSED_ALERT_GAP = timedelta(hours=1)


async def redeem(ctx: Turn, *, token: str) -> None:
    session, user_id = ctx.session, ctx.actor.user_id
    invite = (await session.exec(select(Invite).where(
        Invite.token_hash == token_hash(token)))).first()
    if invite is None:
        ctx.say("invite.unknown")
        return
    party = await session.get(Party, invite.party_id) if invite.party_id else None
    case = await session.get(Case, party.case_id) if party else None
    if invite.redeemed_by_user_id is not None:
        if invite.redeemed_by_user_id == user_id and invite.revoked_at is None:
            if party is None or case is None or party.telegram_user_id != user_id:
                ctx.say("talk.none")
                return
            await _resume_or_begin(ctx, party, case, await party_talk(ctx.session, party.id))
            return
        if invite.kind != InviteKind.PARTY:  # a staff invite works once, for one account
            ctx.say("invite.used")
            log.warning("%s invite %s refused: already used", invite.kind, invite.id)
            return
        if invite.redeemed_by_user_id != user_id:
            ctx.say("invite.taken", coordinator=await _contact(ctx, case))
            if case is not None and not await _told_lately(ctx, invite.party_id):
                await tell_coordinator(session, case, Notice.INVITE_REFUSED, invite.party_id,
                                       ctx.now)
            log.warning("invite %s refused: already bound to another account", invite.id)
            return
    if invite.revoked_at is not None:
        ctx.say("invite.revoked", coordinator=await _contact(ctx, case))
        return
    if invite.expires_at <= ctx.now:
        ctx.say("invite.expired", coordinator=await _contact(ctx, case))
        if case is not None:
            await tell_coordinator(session, case, Notice.INVITE_EXPIRED, invite.party_id, ctx.now)
        return
    if invite.kind in (InviteKind.COORDINATOR, InviteKind.ADMIN):
        await _become_staff(ctx, invite)
        return
    if ctx.actor.is_(ActorKind.COORDINATOR):
        ctx.say("invite.coordinator_cannot_join")
        return
    assert party is not None and case is not None
    await _open_talk(ctx, invite, party, case)


async def _open_talk(ctx: Turn, invite: Invite, party: Party, case: Case) -> None:
    """Binds the party to this account; its talk begins (or goes on, or waits for the
    method's order)."""
    session, user_id = ctx.session, ctx.actor.user_id
    if ctx.app.flows.for_role(party.role) is None:
        ctx.say("invite.no_talk_yet")
        return
    invite.redeemed_by_user_id, invite.redeemed_at = user_id, ctx.now
    party.telegram_user_id = user_id
    chosen = await session.get(LanguageChoice, user_id)
    if chosen is not None:  # the person's own choice, made before, wins
        party.language = chosen.language
    ctx.actor.language = party.language
    ctx.actor.kinds |= {ActorKind.PARTICIPANT}
    session.add_all([invite, party])
    record(ctx, AuditAction.INVITE_REDEEMED, case_id=case.id, party_id=party.id)
    log.info("invite %s redeemed for party %s", invite.id, party.id)
    talk = await party_talk(ctx.session, party.id)
    if talk is None and not await gate.is_open(session, party):
        ctx.say("invite.held", coordinator=await _contact(ctx, case))
        await tell_coordinator(session, case, Notice.INVITE_HELD, party.id, ctx.now)
        return
    await tell_coordinator(session, case, Notice.INVITE_OPENED, party.id, ctx.now)
    await _resume_or_begin(ctx, party, case, talk)


async def _resume_or_begin(ctx: Turn, party: Party, case: Case, talk: Talk | None) -> None:
    if talk is not None:  # a re-issued link or a second visit: the same talk, answers kept
        talk.user_id, talk.last_activity_at = ctx.actor.user_id, ctx.now
        await talks.continue_talk(ctx, talk=talk, event=Show(welcome_back=True))
        return
    if not await gate.is_open(ctx.session, party):
        ctx.say("invite.held", coordinator=await _contact(ctx, case))
        return
    flow = ctx.app.flows.for_role(party.role)
    assert flow is not None
    ctx.actor.language = party.language
    engine_ctx = await talk_context(ctx.session, ctx.app.catalog, party.language, case, party)
    result = begin(flow, engine_ctx, ctx.app.catalog)
    talk = new_talk(user_id=ctx.actor.user_id, flow=flow, result=result, now=ctx.now,
                    party_id=party.id, case_id=case.id)
    ctx.session.add(talk)
    await ctx.session.flush()
    ctx.response.talk_id = talk.id
    talks.show(ctx, talk, result)


async def begin_waiting(ctx: Turn) -> bool:
    """/start from someone whose link was opened but whose talk has not begun (a victim
    waiting for the method's order): it begins now if it may. Says whether there was one."""
    parties = (await ctx.session.exec(select(Party).where(
        Party.telegram_user_id == ctx.actor.user_id).order_by(col(Party.id).desc()))).all()
    for party in parties:
        if await party_talk(ctx.session, party.id) is None and ctx.app.flows.for_role(party.role):
            case = await ctx.session.get(Case, party.case_id)
            assert case is not None
            await _resume_or_begin(ctx, party, case, None)
            return True
    return False


async def _told_lately(ctx: Turn, party_id: int | None) -> bool:
    """One alert an hour about a forwarded link, however often it is tried."""
    found = await ctx.session.exec(select(Outbox.id).where(
        Outbox.kind == Notice.INVITE_REFUSED, Outbox.ref_id == party_id,
        col(Outbox.created_at) > ctx.now - REFUSED_ALERT_GAP))
    return found.first() is not None


async def _contact(ctx: Turn, case: Case | None) -> str:
    return await contact_for(ctx.session, ctx.app.catalog, ctx.language, case)


async def _become_staff(ctx: Turn, invite: Invite) -> None:
    invite.redeemed_by_user_id, invite.redeemed_at = ctx.actor.user_id, ctx.now
    ctx.session.add(invite)
    if invite.kind == InviteKind.ADMIN:
        if not ctx.actor.is_(ActorKind.ADMIN):
            ctx.session.add(Admin(telegram_user_id=ctx.actor.user_id, language=ctx.language,
                                  created_at=ctx.now))
        ctx.actor.kinds |= {ActorKind.ADMIN}
        ctx.say("admin.welcome")
    else:
        if not ctx.actor.is_(ActorKind.COORDINATOR):
            ctx.session.add(Coordinator(telegram_user_id=ctx.actor.user_id,
                                        language=ctx.language, created_at=ctx.now))
        ctx.actor.kinds |= {ActorKind.COORDINATOR}
        ctx.say("coordinator.welcome")
    ctx.response.menu = ctx.language


async def issue(ctx: Turn, party: Party, case: Case) -> None:
    """A new one-time link for the party, shown as text and as a QR code."""
    token = new_token()
    expires = ctx.now + ctx.app.invite_valid
    ctx.session.add(Invite(token_hash=token_hash(token), kind=InviteKind.PARTY,
                           party_id=party.id, created_at=ctx.now, expires_at=expires))
    record(ctx, AuditAction.INVITE_ISSUED, case_id=case.id, party_id=party.id)
    link = invite_link(ctx.app.bot_username, token)
    text, caption, keyboard = invite_view(ctx.app.catalog, ctx.language, party, case, link,
                                          expires)
    ctx.response.say(text)
    ctx.response.messages.append(Outgoing(caption, keyboard, qr_png(link)))


async def _revoke_open(ctx: Turn, party: Party, *, all_links: bool) -> int:
    """Revokes the party's links not yet opened (or, with `all_links`, every link)."""
    invites = await ctx.session.exec(select(Invite).where(
        Invite.party_id == party.id, col(Invite.revoked_at).is_(None)))
    count = 0
    for invite in invites.all():
        if invite.redeemed_at is None or all_links:
            invite.revoked_at = ctx.now
            ctx.session.add(invite)
            count += 1
    return count


@allowed(ActorKind.COORDINATOR)
async def revoke(ctx: Turn, *, ref: int) -> None:
    party, case = await own_party(ctx, ref)
    count = await _revoke_open(ctx, party, all_links=False)
    record(ctx, AuditAction.INVITE_REVOKED, case_id=case.id, party_id=party.id)
    key = "coordinator.revoked" if count else "coordinator.nothing_to_revoke"
    ctx.say(key, new_link_keyboard(ctx.app.catalog, ctx.language, party.id), name=party.name)


@allowed(ActorKind.COORDINATOR)
async def reissue(ctx: Turn, *, ref: int) -> None:
    """A new link; if the party's talk has begun, first say what will happen."""
    party, case = await own_party(ctx, ref)
    talk = await party_talk(ctx.session, party.id)
    if talk is None:
        await _revoke_open(ctx, party, all_links=True)
        await _unbind(ctx, party)
        record(ctx, AuditAction.INVITE_REISSUED, case_id=case.id, party_id=party.id)
        await issue(ctx, party, case)
        return
    text, keyboard = reissue_question(ctx.app.catalog, ctx.language, party, talk)
    ctx.response.say(text, keyboard)


@allowed(ActorKind.COORDINATOR)
async def reissue_keep(ctx: Turn, *, ref: int) -> None:
    """Confirmed: the talk and its answers stay; whoever opens the new link goes on."""
    party, case = await own_party(ctx, ref)
    await _revoke_open(ctx, party, all_links=True)
    await _unbind(ctx, party)
    record(ctx, AuditAction.INVITE_REISSUED, case_id=case.id, party_id=party.id)
    await issue(ctx, party, case)


@allowed(ActorKind.COORDINATOR)
async def reissue_restart(ctx: Turn, *, ref: int) -> None:
    """Confirmed: an unfinished talk is set aside (kept, not shown) and begins anew."""
    party, _ = await own_party(ctx, ref)
    talk = await party_talk(ctx.session, party.id)
    if talk is not None and talk.status == TalkStatus.ENDED:
        ctx.say("coordinator.finished_talk_kept", name=party.name)
        await reissue_keep(ctx, ref=ref)
        return
    if talk is not None:
        talk.status = TalkStatus.ARCHIVED
        ctx.session.add(talk)
    await reissue_keep(ctx, ref=ref)




async def _unbind(ctx: Turn, party: Party) -> None:
    party.telegram_user_id = None
    ctx.session.add(party)


@allowed(ActorKind.COORDINATOR)
async def invite_proposal(ctx: Turn, *, ref: int) -> None:
    """A supporter a party proposed: the coordinator says how to address them, then the
    link is made (the proposer's words are a label, not a greeting)."""
    proposal, case = await own_proposal(ctx, ref)
    if proposal.party_id is not None:
        ctx.say("coordinator.already_invited",
                new_link_keyboard(ctx.app.catalog, ctx.language, proposal.party_id),
                name=proposal.name)
        return
    if proposal.declined_at is not None:
        ctx.say("coordinator.proposal_was_declined", name=proposal.name)
        return
    proposer = await ctx.session.get(Party, proposal.proposed_by_party_id)
    await forms.start_form(ctx, "add_supporter", case, about_id=proposal.id,
                           values={"proposed": proposal.name,
                                   "proposer": proposer.name if proposer else "?"})


async def add_supporter(ctx: Turn, talk: Talk) -> None:
    """The add_supporter form is done: the person proposed (a supporter, or a third party)
    becomes a party with a link."""
    proposal, case = await own_proposal(ctx, talk.about_id or 0)
    if proposal.party_id is not None:
        ctx.say("coordinator.already_invited", name=proposal.name)
        return
    supporter = proposal.role == Role.SUPPORTER
    party = Party(case_id=case.id or 0, role=proposal.role, name=talk.answers["name"],
                  language=talk.answers["language"],
                  supports_party_id=proposal.proposed_by_party_id if supporter else None,
                  created_at=ctx.now)
    ctx.session.add(party)
    await ctx.session.flush()
    proposal.party_id = party.id
    ctx.session.add(proposal)
    record(ctx, AuditAction.PARTY_ADDED, case_id=case.id, party_id=party.id)
    log.info("party %s added to case %s from proposal %s", party.id, case.id, proposal.id)
    await issue(ctx, party, case)


forms.on_complete("add_supporter")(add_supporter)


@allowed(ActorKind.COORDINATOR)
async def decline_proposal(ctx: Turn, *, ref: int) -> None:
    """The coordinator chooses not to invite someone proposed; it is kept, and audited."""
    proposal, case = await own_proposal(ctx, ref)
    if proposal.party_id is None and proposal.declined_at is None:
        proposal.declined_at = ctx.now
        ctx.session.add(proposal)
        record(ctx, AuditAction.PROPOSAL_DECLINED, case_id=case.id)
    ctx.say("coordinator.proposal_declined", name=proposal.name)
