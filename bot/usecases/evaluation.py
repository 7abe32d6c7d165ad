"""A participant answers the evaluation moment's one question (good / so-so / not good); the
answer is stored and reaches the coordinator. A changed answer is told again; the same one
is not."""

from __future__ import annotations

from bot import buttons
from bot.access import allowed, refuse
from bot.buttons import Evaluate, ShowPlan
from bot.models import Case, Party, PlanEvaluation
from bot.notifications import tell_coordinator
from bot.turn import Turn
from bot.vocabulary import ActorKind, Notice


@allowed(ActorKind.PARTICIPANT)
async def answer(ctx: Turn, *, tap: Evaluate) -> None:
    evaluation = await ctx.session.get(PlanEvaluation, tap.evaluation_id)
    party = await ctx.session.get(Party, evaluation.party_id) if evaluation else None
    case = await ctx.session.get(Case, party.case_id) if party else None
    if (evaluation is None or party is None or case is None
            or party.telegram_user_id != ctx.actor.user_id):
        refuse(ctx, party_id=party.id if party else None)
    label = ctx.t(f"evaluation.button.{tap.how}")
    ctx.response.answered = label
    if evaluation.answer != tap.how:
        evaluation.answer, evaluation.answered_at = tap.how, ctx.now
        ctx.session.add(evaluation)
        await tell_coordinator(ctx.session, case, Notice.EVALUATION_ANSWERED, evaluation.id,
                               ctx.now)
    ctx.say(f"evaluation.thanks.{tap.how}",
            (((ctx.t("button.plan_show"), buttons.encode(ShowPlan())),),))
