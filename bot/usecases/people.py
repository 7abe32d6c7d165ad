"""What anyone can do, and what fits nowhere: /start, /help, /whoami, /language, text
outside any talk, unknown commands and buttons."""

from __future__ import annotations

import logging

from sqlmodel import select

from bot import SUPPORTED_LANGUAGES, buttons
from bot.access import EVERYONE, allowed
from bot.buttons import PickLanguage, WhoAmI
from bot.engine import Edited, Input, Media, Say, Show
from bot.models import Admin, Case, Coordinator, LanguageChoice, Party
from bot.talk_store import focused_talk
from bot.tokens import looks_like_token
from bot.turn import Turn
from bot.usecases import invites, talks
from bot.views.contact import contact_for
from bot.vocabulary import OPEN_STATUSES, ActorKind, TalkStatus

log = logging.getLogger(__name__)
WHOAMI_BUTTON = buttons.encode(WhoAmI())


@allowed(EVERYONE)
async def start(ctx: Turn, *, args: str = "") -> None:
    payload = args.strip()
    if payload:
        if not looks_like_token(payload):
            ctx.say("invite.unknown")
            return
        await invites.redeem(ctx, token=payload)
        return
    await _welcome(ctx)


async def _welcome(ctx: Turn) -> None:
    """A plain /start: staff get their welcome, a participant the question they are at."""
    actor = ctx.actor
    if actor.is_(ActorKind.COORDINATOR) or actor.is_(ActorKind.ADMIN):
        key = "coordinator.welcome" if actor.is_(ActorKind.COORDINATOR) else "admin.welcome"
        ctx.say(key)
        ctx.response.menu = ctx.language
        return
    if await talks.show_focused(ctx, welcome_back=True):
        others = await talks.other_open_talks(ctx)
        if others:
            ctx.say("talks.others_open", count=others)
        return
    if not await invites.begin_waiting(ctx):
        await no_talk(ctx)


@allowed(EVERYONE)
async def help(ctx: Turn, *, args: str = "") -> None:
    actor = ctx.actor
    if actor.is_(ActorKind.COORDINATOR):
        ctx.say("help.coordinator")
    if actor.is_(ActorKind.ADMIN):
        ctx.say("help.admin")
    if actor.is_(ActorKind.PARTICIPANT) and not actor.is_(ActorKind.COORDINATOR):
        talk = await focused_talk(ctx.session, ctx.actor.user_id)
        case = await ctx.session.get(Case, talk.case_id) if talk and talk.case_id else None
        ctx.say("help.participant",
                coordinator=await contact_for(ctx.session, ctx.app.catalog, ctx.language, case))
    if not actor.kinds:
        _stranger(ctx)


@allowed(EVERYONE)
async def whoami(ctx: Turn, *, args: str = "") -> None:
    """A person's own Telegram id: what an operator puts in COORDINATOR_IDS."""
    ctx.say("whoami.text", user_id=ctx.actor.user_id)


@allowed(EVERYONE)
async def whoami_tap(ctx: Turn, *, tap: WhoAmI) -> None:
    await whoami(ctx)


@allowed(EVERYONE)
async def ask_language(ctx: Turn, *, args: str = "") -> None:
    rows = tuple(((ctx.app.catalog("language.name", lang),
                   buttons.encode(PickLanguage(lang))),) for lang in SUPPORTED_LANGUAGES)
    ctx.say("language.ask", rows)


@allowed(EVERYONE)
async def set_language(ctx: Turn, *, tap: PickLanguage) -> None:
    session, language = ctx.session, tap.language
    for model in (Coordinator, Admin):
        staff = (await session.exec(select(model).where(
            model.telegram_user_id == ctx.actor.user_id))).first()
        if staff is not None:
            staff.language = language
            session.add(staff)
            ctx.response.menu = language
    parties = await session.exec(select(Party).where(Party.telegram_user_id == ctx.actor.user_id))
    for party in parties.all():
        party.language = language
        session.add(party)
    choice = await session.get(LanguageChoice, ctx.actor.user_id)  # kept for strangers too
    choice = choice or LanguageChoice(telegram_user_id=ctx.actor.user_id, language=language)
    choice.language, choice.chosen_at = language, ctx.now
    session.add(choice)
    ctx.actor.language = language
    ctx.say("language.set")
    await _reshow_open_talk(ctx)


@allowed(EVERYONE)
async def answer(ctx: Turn) -> None:
    """Text, media or an edit: it belongs to the talk the person is in now."""
    incoming = ctx.incoming
    talk = await focused_talk(ctx.session, incoming.user_id)
    if talk is None or not talks.is_current(talk):
        await no_talk(ctx)  # a coordinator's finished form is no conversation
        return
    if talk.status == TalkStatus.ENDED and incoming.kind == "text" and incoming.text.strip():
        talks.offer_note(ctx, talk, incoming.text.strip())
        return
    event: Input = (Say(incoming.text) if incoming.kind == "text" else
                    Edited() if incoming.kind == "edited" else Media())
    await talks.continue_talk(ctx, talk=talk, event=event)


@allowed(EVERYONE)
async def talk_command(ctx: Turn, *, args: str, event: Input) -> None:
    """/pause, /back, /skip, /stop: for the talk (or form) the person is in now."""
    talk = await focused_talk(ctx.session, ctx.actor.user_id)
    if talk is None or not talks.is_current(talk):
        await unknown_command(ctx)
        return
    await talks.continue_talk(ctx, talk=talk, event=event)


async def no_talk(ctx: Turn) -> None:
    actor = ctx.actor
    if actor.is_(ActorKind.COORDINATOR):
        ctx.say("coordinator.hint")
    elif actor.is_(ActorKind.ADMIN):
        ctx.say("admin.hint")
    elif actor.is_(ActorKind.PARTICIPANT):
        ctx.say("talk.none")
    else:
        _stranger(ctx)


async def unknown_command(ctx: Turn, *, args: str = "") -> None:
    """An unknown or misplaced command: say so kindly, and show where the talk is."""
    if not ctx.actor.kinds:
        _stranger(ctx)
        return
    ctx.say("command.unknown")
    await _reshow_open_talk(ctx)


async def forged(ctx: Turn) -> None:
    """Any button that is malformed, stale in the wrong way, or not this person's."""
    log.warning("refused button data of length %d from user %s",
                len(ctx.incoming.callback_data or ""), ctx.actor.user_id)
    ctx.response.callback_notice = ctx.t("input.unknown_button")
    ctx.say("input.unknown_button")
    await _reshow_open_talk(ctx)


def _stranger(ctx: Turn) -> None:
    ctx.say("stranger.not_invited", (((ctx.t("button.whoami"), WHOAMI_BUTTON),),))


async def _reshow_open_talk(ctx: Turn) -> None:
    talk = await focused_talk(ctx.session, ctx.actor.user_id)
    if talk is not None and talk.status in OPEN_STATUSES:
        await talks.continue_talk(ctx, talk=talk, event=Show())
