"""A coordinator's forms (/newcase, /addparty, a proposed supporter): flows like any talk,
whose completion hands the answers to the use case registered for that flow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlmodel import col, select

from bot.access import STAFF, allowed
from bot.engine import Say, Show, advance, begin
from bot.flows.model import StepKind
from bot.models import Case, Talk
from bot.talk_store import context_for, focused_talk, new_talk
from bot.turn import Turn
from bot.views.talk import talk_messages
from bot.vocabulary import OPEN_STATUSES, Outcome, TalkStatus

Completion = Callable[[Turn, Talk], Awaitable[None]]
_COMPLETIONS: dict[str, Completion] = {}


def on_complete(flow_id: str) -> Callable[[Completion], Completion]:
    """Registers what a finished form of this flow does (in the module that does it)."""

    def register(completion: Completion) -> Completion:
        _COMPLETIONS[flow_id] = completion
        return completion

    return register


async def complete(ctx: Turn, *, talk: Talk) -> None:
    await _COMPLETIONS[talk.flow_id](ctx, talk)


async def start_form(ctx: Turn, flow_id: str, case: Case | None, *, about_id: int | None = None,
                     values: dict[str, str] | None = None, typed: str | None = None,
                     answers: Mapping[str, Any] | None = None) -> None:
    """Opens a form; `values` fill its placeholders on every turn (kept with the form).
    `typed` answers its first question as if the coordinator had typed it (a picked moment).
    `answers` (changing something that exists) opens it at its review, every answer filled
    in, each one a tap away from being changed."""
    open_forms = await ctx.session.exec(select(Talk).where(
        Talk.user_id == ctx.actor.user_id, col(Talk.party_id).is_(None),
        col(Talk.status).in_(OPEN_STATUSES)))
    for old in open_forms.all():  # one form at a time: a new command replaces the old one
        old.status, old.outcome = TalkStatus.ENDED, Outcome.CANCELLED
        ctx.session.add(old)
    flow = ctx.app.flows.latest(flow_id)
    engine_ctx = context_for(ctx.app.catalog, ctx.language, case, None, values)
    result = begin(flow, engine_ctx, ctx.app.catalog)
    if typed is not None:
        result = advance(flow, result.state, Say(typed), engine_ctx, ctx.app.catalog)
    if answers is not None:
        review = next(s.id for s in flow.steps.values() if s.kind is StepKind.REVIEW)
        walked = tuple(s.id for s in flow.steps.values() if s.id in answers)
        state = replace(result.state, step=review, answers=dict(answers), path=(*walked, review))
        result = advance(flow, state, Show(), engine_ctx, ctx.app.catalog)
    talk = new_talk(user_id=ctx.actor.user_id, flow=flow, result=result, now=ctx.now,
                    case_id=case.id if case else None)
    talk.about_id = about_id
    if values:
        talk.progress = {**talk.progress, "values": values}
    ctx.session.add(talk)
    await ctx.session.flush()
    assert talk.id is not None
    for text, keyboard in talk_messages(talk.id, result):
        ctx.response.say(text, keyboard)


def cancel_form(ctx: Turn, talk: Talk) -> None:
    """A form is dropped, not withdrawn: nothing about it comes back later."""
    talk.status, talk.outcome, talk.last_activity_at = TalkStatus.ENDED, Outcome.CANCELLED, ctx.now
    ctx.session.add(talk)
    ctx.say("coordinator.form_cancelled")


@allowed(STAFF)
async def cancel(ctx: Turn, *, args: str = "") -> None:
    talk = await focused_talk(ctx.session, ctx.actor.user_id)
    if talk is not None and talk.party_id is None and talk.status in OPEN_STATUSES:
        cancel_form(ctx, talk)
    else:
        ctx.say("coordinator.nothing_to_cancel")
