"""A person's talk, or a coordinator's form: input goes through the engine (what a talk's
events mean for the case is in `endings`); switching talks; a note after a talk."""

from __future__ import annotations

import logging

from sqlmodel import col, select

from bot import buttons
from bot.access import allowed, refuse
from bot.audit import record
from bot.buttons import PassNote, SwitchTalk, TalkTap
from bot.engine import AskStop, Input, Press, Result, Show, advance
from bot.models import Case, ParticipantNote, Party, Talk
from bot.notifications import tell_coordinator
from bot.talk_store import focused_talk, load, store, talk_by_id, talk_context, talks_of
from bot.turn import Turn
from bot.usecases import endings, forms
from bot.views.talk import talk_messages
from bot.vocabulary import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    ActorKind,
    AuditAction,
    Notice,
    Outcome,
    TalkStatus,
)

log = logging.getLogger(__name__)
PARTICIPANT_AND_STAFF = frozenset({ActorKind.PARTICIPANT, ActorKind.COORDINATOR})
MAX_NOTE = 3000


async def continue_talk(ctx: Turn, *, talk: Talk, event: Input) -> None:
    loaded = load(talk, ctx.app.flows)
    party = await ctx.session.get(Party, talk.party_id) if talk.party_id else None
    case = await ctx.session.get(Case, talk.case_id) if talk.case_id else None
    if party is not None:
        ctx.actor.language = party.language
    if party is None and isinstance(event, AskStop):  # a coordinator's form: just cancel
        forms.cancel_form(ctx, talk)
        return
    values = (talk.progress or {}).get("values")
    engine_ctx = await talk_context(ctx.session, ctx.app.catalog, ctx.language, case, party,
                                    values)
    result = advance(loaded.flow, loaded.state, event, engine_ctx, ctx.app.catalog)
    before = talk.status
    if party is not None:
        ctx.response.talk_id = talk.id  # the chat's copy of this talk can be deleted later
    store(talk, result.state, ctx.now)
    ctx.session.add(talk)
    show(ctx, talk, result)
    ctx.response.answered = result.answered
    for happened in result.events:
        if party is None:
            if happened.kind == "ended" and happened.outcome == Outcome.COMPLETED:
                await forms.complete(ctx, talk=talk)
        elif case is not None:
            await endings.after(ctx, loaded.flow, talk, happened, before, party, case)


def show(ctx: Turn, talk: Talk, result: Result) -> None:
    assert talk.id is not None
    for text, keyboard in talk_messages(talk.id, result):
        ctx.response.say(text, keyboard)


@allowed(PARTICIPANT_AND_STAFF)
async def tap(ctx: Turn, *, tap: TalkTap) -> None:
    talk = await talk_by_id(ctx.session, tap.talk_id)
    if talk is None or talk.user_id != ctx.actor.user_id or talk.status == TalkStatus.ARCHIVED:
        refuse(ctx)
    assert talk is not None
    if not is_current(talk):  # a finished or cancelled form: its buttons are spent
        ctx.response.callback_notice = ctx.t("input.unknown_button")
        ctx.say("input.unknown_button")
        return
    await continue_talk(ctx, talk=talk, event=Press(tap.seq, tap.action))


def is_current(talk: Talk | None) -> bool:
    """A participant's talk stays theirs after it ends (it says so); a finished or
    cancelled form is over."""
    return talk is not None and (talk.party_id is not None or talk.status in OPEN_STATUSES)


async def show_focused(ctx: Turn, *, welcome_back: bool = False) -> bool:
    """Shows where the person is: the question of their talk (or that it has ended); a
    coordinator's form only while it is open. Says whether there was anything to show."""
    talk = await focused_talk(ctx.session, ctx.actor.user_id)
    if not is_current(talk):
        return False
    assert talk is not None
    await continue_talk(ctx, talk=talk, event=Show(welcome_back=welcome_back))
    return True


def offer_note(ctx: Turn, talk: Talk, text: str) -> None:
    """After the talk: nothing typed is lost; it may go to the coordinator, if they wish."""
    assert talk.id is not None
    if len(text) > MAX_NOTE:
        ctx.say("input.too_long", length=len(text), limit=MAX_NOTE)
        return
    talk.progress = {**(talk.progress or {}), "note": text}
    ctx.session.add(talk)
    ctx.say("talk.ended_pass_on", (
        ((ctx.t("button.pass_on"), buttons.encode(PassNote(talk.id, 1))),),
        ((ctx.t("button.keep_to_myself"), buttons.encode(PassNote(talk.id, 0))),),
    ))


@allowed(ActorKind.PARTICIPANT)
async def pass_note(ctx: Turn, *, tap: PassNote) -> None:
    talk = await talk_by_id(ctx.session, tap.talk_id)
    if talk is None or talk.user_id != ctx.actor.user_id or talk.party_id is None:
        refuse(ctx)
    assert talk is not None and talk.party_id is not None
    note = (talk.progress or {}).get("note")
    talk.progress = {k: v for k, v in (talk.progress or {}).items() if k != "note"}
    ctx.session.add(talk)
    if not note:
        ctx.say("note.nothing")
        return
    if not tap.send:
        ctx.say("note.not_passed")
        return
    party = await ctx.session.get(Party, talk.party_id)
    case = await ctx.session.get(Case, party.case_id) if party else None
    if party is None or case is None:
        ctx.say("note.nothing")
        return
    row = ParticipantNote(party_id=party.id or 0, text=note, created_at=ctx.now)
    ctx.session.add(row)
    await ctx.session.flush()
    record(ctx, AuditAction.NOTE_PASSED, case_id=case.id, party_id=party.id)
    await tell_coordinator(ctx.session, case, Notice.PARTICIPANT_NOTE, row.id, ctx.now)
    ctx.say("note.passed")


@allowed(ActorKind.PARTICIPANT)
async def list_talks(ctx: Turn, *, args: str = "") -> None:
    """/gesprekken: a person in more than one case picks the talk to go on with."""
    talks = [t for t in await talks_of(ctx.session, ctx.actor.user_id)
             if t.party_id is not None and t.status in LIVE_STATUSES]
    if len(talks) < 2:
        if not await show_focused(ctx):
            ctx.say("talk.none")
        return
    rows = []
    for talk in talks:
        case = await ctx.session.get(Case, talk.case_id)
        # No flow title: "(dader)" is not how anyone should see their own talk named.
        label = ctx.t("talks.item", reference=case.reference if case else "?")
        rows.append(((label, buttons.encode(SwitchTalk(talk.id or 0))),))
    ctx.say("talks.pick", tuple(rows))


@allowed(ActorKind.PARTICIPANT)
async def switch_talk(ctx: Turn, *, tap: SwitchTalk) -> None:
    talk = await talk_by_id(ctx.session, tap.talk_id)
    if (talk is None or talk.user_id != ctx.actor.user_id or talk.party_id is None
            or talk.status not in LIVE_STATUSES):
        refuse(ctx)
    assert talk is not None
    talk.last_activity_at = ctx.now  # the focus: free text goes here from now on
    await continue_talk(ctx, talk=talk, event=Show(welcome_back=True))


async def other_open_talks(ctx: Turn) -> int:
    rows = await ctx.session.exec(select(Talk.id).where(
        Talk.user_id == ctx.actor.user_id, col(Talk.party_id).is_not(None),
        col(Talk.status).in_(LIVE_STATUSES)))
    return max(0, len(rows.all()) - 1)
