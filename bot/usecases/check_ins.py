"""An owner answers a check-in: done, partly, not yet (then a new date: tomorrow, in three
days, next week, or typed), or I need help, which reaches the coordinator at once.

Only an owner of the commitment may answer (the tapping account is checked); a check already
answered, or a commitment done or ended, says so kindly and changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.access import allowed, refuse
from bot.buttons import CheckReply, Snooze
from bot.engine.formats import parse_date
from bot.follow_up_rules import local_date
from bot.models import Party, Talk
from bot.notifications import tell_coordinator
from bot.turn import Turn
from bot.usecases import forms
from bot.usecases.follow_up import (
    Followed,
    checks_of,
    followed,
    is_answered,
    is_followed,
    replan,
    stop_following,
    withdraw,
)
from bot.usecases.plan_view import tell_watchers_done
from bot.views.contact import contact_for
from bot.views.follow_up import long_date, snooze_keyboard
from bot.vocabulary import ActorKind, CheckAnswer, CommitmentStatus, Notice

FURTHEST = timedelta(days=366)  # a typed date further ahead is a typing error


async def _own_check(ctx: Turn, check_id: int) -> tuple[Followed, Party]:
    """The check, if the tapping account is an owner of its commitment; else refused."""
    found = await followed(ctx.session, check_id)
    owner = next((p for p in found.owners if p.telegram_user_id == ctx.actor.user_id),
                 None) if found else None
    if found is None or owner is None:
        refuse(ctx, case_id=found.case.id if found else None)
    ctx.actor.language = owner.language
    return found, owner


def _still_open(ctx: Turn, found: Followed) -> bool:
    if not is_followed(found.commitment):
        ctx.say("followup.closed")
        return False
    if is_answered(found.check):
        ctx.say("followup.already",
                answer=ctx.t(f"followup.said.{found.check.answer}").lower())
        return False
    return True


@allowed(ActorKind.PARTICIPANT)
async def reply(ctx: Turn, *, tap: CheckReply) -> None:
    found, _ = await _own_check(ctx, tap.check_id)
    if not _still_open(ctx, found):
        return
    answer, check = CheckAnswer(tap.reply), found.check
    check.answer, check.answered_at = answer, ctx.now
    ctx.session.add(check)
    ctx.response.callback_notice = ctx.t(f"followup.answer.{answer}")
    coordinator = await contact_for(ctx.session, ctx.app.catalog, ctx.language, found.case)
    if answer == CheckAnswer.NOT_YET:  # the repeat still comes, unless a new date is picked
        ctx.say("followup.reply.not_yet", snooze_keyboard(ctx.app.catalog, ctx.language, check))
        return
    await withdraw(ctx.session, [check.id or 0])
    if answer == CheckAnswer.HELP:
        await tell_coordinator(ctx.session, found.case, Notice.COMMITMENT_HELP, check.id,
                               ctx.now)
    elif answer == CheckAnswer.DONE and await _all_done(ctx, found):
        found.commitment.status, found.commitment.done_at = CommitmentStatus.DONE, ctx.now
        ctx.session.add(found.commitment)
        await stop_following(ctx.session, found.commitment)
        await tell_watchers_done(ctx.session, found.commitment, ctx.now)
    ctx.say(f"followup.reply.{answer}", coordinator=coordinator)


async def _all_done(ctx: Turn, found: Followed) -> bool:
    """Every due date of the commitment reported done (this one included)."""
    checks = await checks_of(ctx.session, found.commitment.id)
    return all(c.answer == CheckAnswer.DONE for c in checks)


@allowed(ActorKind.PARTICIPANT)
async def snooze(ctx: Turn, *, tap: Snooze) -> None:
    found, _ = await _own_check(ctx, tap.check_id)
    if not _still_open(ctx, found):
        return
    if tap.days == 0:
        await forms.start_form(ctx, "snooze_date", found.case, about_id=found.check.id)
        return
    today = local_date(ctx.now, found.case.timezone)
    await _snooze_to(ctx, found, today + timedelta(days=tap.days))


@forms.on_complete("snooze_date")
async def snooze_date_typed(ctx: Turn, talk: Talk) -> None:
    found, _ = await _own_check(ctx, talk.about_id or 0)
    if not _still_open(ctx, found):
        return
    day = parse_date(str(talk.answers["date"]))
    today = local_date(ctx.now, found.case.timezone)
    if day is None or not today < day <= today + FURTHEST:
        ctx.say("followup.date_not_ahead",
                snooze_keyboard(ctx.app.catalog, ctx.language, found.check))
        return
    await _snooze_to(ctx, found, day)


async def _snooze_to(ctx: Turn, found: Followed, day: date) -> None:
    """Not yet: the check-in comes again on `day` (no reminder before it); the repeat and
    the coordinator's notice start over from there."""
    check = found.check
    check.answer, check.answered_at, check.snoozed_to = CheckAnswer.NOT_YET, ctx.now, day
    await replan(ctx.session, check, found.commitment, found.case, found.owners, ctx.now,
                 remind=False)
    ctx.say("followup.snoozed", date=long_date(ctx.app.catalog, ctx.language, day))
