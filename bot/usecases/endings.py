"""What a participant's talk means for the case when it ends or pauses: the party's recorded
facts, the people they proposed, the coordinator's notice, the victim's gate, a follow-up."""

from __future__ import annotations

from datetime import timedelta

from bot import buttons
from bot.audit import record
from bot.buttons import ClearChat
from bot.engine import Event
from bot.flows import Flow
from bot.models import Case, Party, Proposal, Talk
from bot.notifications import owe, tell_coordinator
from bot.nudges import reasonable_time
from bot.turn import Turn
from bot.usecases import conference, gate
from bot.vocabulary import AuditAction, Notice, Outcome, Role, TalkStatus

ENDINGS = {Outcome.COMPLETED: Notice.TALK_COMPLETED, Outcome.DECLINED: Notice.TALK_DECLINED,
           Outcome.PRECONDITION_NOT_MET: Notice.PRECONDITION_NOT_MET}
THINKING_TIME = timedelta(days=7)
# Lists in a talk whose people the coordinator may invite, and the role they would have.
PROPOSING_LISTS = {"supporters": Role.SUPPORTER, "trusted_person": Role.SUPPORTER,
                   "others": Role.THIRD_PARTY}


async def after(ctx: Turn, flow: Flow, talk: Talk, event: Event, before: str, party: Party,
                case: Case) -> None:
    if event.kind == "ended" and event.outcome in ENDINGS:
        _record_party_facts(ctx, flow, talk, party)
        if event.outcome == Outcome.COMPLETED:
            _propose(ctx, talk, party, case)
            _offer_to_clear_the_chat(ctx, talk)
            await conference.join_if_planned(ctx, party, case)
        record(ctx, AuditAction.TALK_ENDED, case_id=case.id, party_id=party.id)
        await tell_coordinator(ctx.session, case, ENDINGS[Outcome(event.outcome)], talk.id,
                               ctx.now)
        if party.role == Role.OFFENDER:
            await gate.tell_waiting_victims(ctx, case)
    elif event.kind == "thinking":
        await _follow_up_later(ctx, talk, party, case)
    elif event.kind == "withdrawn":
        record(ctx, AuditAction.TALK_WITHDRAWN, case_id=case.id, party_id=party.id)
        await tell_coordinator(ctx.session, case, Notice.TALK_WITHDRAWN, talk.id, ctx.now)
    elif event.kind == "resumed" and before == TalkStatus.WITHDRAWN:
        await tell_coordinator(ctx.session, case, Notice.TALK_RESUMED, talk.id, ctx.now)


def _record_party_facts(ctx: Turn, flow: Flow, talk: Talk, party: Party) -> None:
    """What the method needs later is kept on the party, from the steps that record it."""
    for step in flow.steps.values():
        if step.records is not None and step.id in talk.answers:
            setattr(party, step.records.value, talk.answers[step.id])
    ctx.session.add(party)


def _propose(ctx: Turn, talk: Talk, party: Party, case: Case) -> None:
    """Everyone a party would like at the conference waits for the coordinator's tap: a
    proposal never becomes a party by itself."""
    assert case.id is not None and party.id is not None
    for answer_id, role in PROPOSING_LISTS.items():
        for item in talk.answers.get(answer_id) or []:
            ctx.session.add(Proposal(
                case_id=case.id, proposed_by_party_id=party.id, role=role,
                name=item.get("name") or "?",
                relation=item.get("relation") or item.get("involvement") or "",
                contact=item.get("contact"), created_at=ctx.now))


def _offer_to_clear_the_chat(ctx: Turn, talk: Talk) -> None:
    """Asked once per talk: the answers are stored; the chat need not keep its copy."""
    assert talk.id is not None
    ctx.say("talk.offer_clear", (
        ((ctx.t("button.clear_yes"), buttons.encode(ClearChat(talk.id, 1))),),
        ((ctx.t("button.clear_no"), buttons.encode(ClearChat(talk.id, 0))),)))


async def _follow_up_later(ctx: Turn, talk: Talk, party: Party, case: Case) -> None:
    """Time to think: no nudge tomorrow, one gentle word in a week; the coordinator knows."""
    talk.nudged_at = ctx.now
    ctx.session.add(talk)
    if party.telegram_user_id is not None:
        await owe(ctx.session, chat_id=party.telegram_user_id, kind=Notice.THINK_FOLLOW_UP,
                  ref_id=talk.id, now=ctx.now,
                  due_at=reasonable_time(ctx.now + THINKING_TIME, case.timezone))
    await tell_coordinator(ctx.session, case, Notice.TALK_THINKING, talk.id, ctx.now)
