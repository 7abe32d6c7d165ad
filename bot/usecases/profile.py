"""A coordinator's own first name and how to reach them, which participants are given
wherever the bot says "get in touch with your coordinator"."""

from __future__ import annotations

from bot.access import allowed
from bot.models import Talk
from bot.turn import Turn
from bot.usecases import forms
from bot.views.contact import contact_text
from bot.vocabulary import ActorKind


@allowed(ActorKind.COORDINATOR)
async def edit_profile(ctx: Turn, *, args: str = "") -> None:
    await forms.start_form(ctx, "coordinator_profile", None)


@forms.on_complete("coordinator_profile")
async def save_profile(ctx: Turn, talk: Talk) -> None:
    coordinator = ctx.actor.coordinator
    assert coordinator is not None
    coordinator.display_name = talk.answers["name"]
    coordinator.contact = talk.answers["contact"]
    ctx.session.add(coordinator)
    ctx.say("coordinator.profile_saved",
            shown=contact_text(ctx.app.catalog, ctx.language, coordinator))
