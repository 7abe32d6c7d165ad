"""One world for every in-process story: the real python-telegram-bot `Application`, the
in-process fake Bot API, a real database (SQLite file, and PostgreSQL where configured), and
people who type and tap. Handler crashes fail the test (`raise_errors`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from telegram.ext import Application

from bot.clock import ManualClock
from bot.db import Database
from bot.models import Outbox
from bot.notifications import render
from bot.settings import Settings
from bot.telegram_app import Services, build_application
from tests.data_keys import TEST_KEYS
from tests.fakes import FakeBotAPI, FakeRequest, TelegramUser, deliver_to_application

COORDINATOR_ID = 7001


@dataclass
class World:
    api: FakeBotAPI
    application: Application[Any, Any, Any, Any, Any, Any]
    db: Database
    clock: ManualClock

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    def person(self, user_id: int, name: str, language: str = "nl") -> TelegramUser:
        return TelegramUser(self.api, user_id, name,
                            deliver_to_application(self.application, raise_errors=True),
                            language_code=language)

    async def deliver_outbox(self) -> None:
        """Lets the outbox sender finish what is owed now. The scheduler's own flush may be
        running (its interval is real time): its rows are waited for too."""
        sender = self.services.sender
        await sender.settle()
        await sender.flush()  # if the scheduler's flush got there first, it looks once more
        await sender.settle()

    async def outbox(self) -> list[Outbox]:
        async with self.db.transaction() as session:
            return list((await session.exec(select(Outbox).order_by(col(Outbox.id)))).all())

    async def rendered(self, kind: str) -> str:
        """The newest outbox row of this kind, as its recipient will read it (with buttons)."""
        async with self.db.transaction() as session:
            rows = (await session.exec(select(Outbox).where(Outbox.kind == kind)
                                       .order_by(col(Outbox.id)))).all()
            assert rows, f"nothing of kind {kind} is owed"
            message = await render(session, rows[-1], self.services.catalog,
                                   self.services.flows, self.clock())
            assert message is not None
            return message.text + "\n" + " | ".join(t for row in message.buttons for t, _ in row)


async def make_world(db: Database, clock: ManualClock, **settings: Any) -> AsyncIterator[World]:
    api = FakeBotAPI()
    # Pacing to Telegram's limits has tests of its own; here it would only add waiting.
    settings.setdefault("telegram_per_chat_per_second", 1000.0)
    settings.setdefault("telegram_per_second", 1000.0)
    config = Settings(bot_token=api.token,
                      database_url=db.engine.url.render_as_string(hide_password=False),
                      coordinator_ids=str(COORDINATOR_ID),
                      telegram_api_url="http://telegram.invalid",
                      data_keys=settings.pop("data_keys", TEST_KEYS), **settings)
    application = build_application(config, clock=clock, request=FakeRequest(api),
                                    updates_request=FakeRequest(api))
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    try:
        yield World(api, application, db, clock)
    finally:
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        await application.shutdown()


def link_in(text: str) -> str:
    return next(w for w in text.split() if w.startswith("https://t.me/"))


def token_in(text: str) -> str:
    return link_in(text).split("start=", 1)[1]


async def open_case(coordinator: TelegramUser, reference: str = "2026-014",
                    facts: str = "Op 3 maart nam Sam de fiets van Noor mee.") -> None:
    await coordinator.send("/newcase")
    await coordinator.send(reference)
    await coordinator.tap("HERGO (herstelgericht groepsoverleg)")
    await coordinator.send(facts)
    await coordinator.tap("Nederlands")
    await coordinator.tap("✔ Versturen")
    assert f"Zaak {reference} is aangemaakt" in (coordinator.last_text or "")


async def add_offender(coordinator: TelegramUser, name: str = "Sam",
                       own_facts: str | None = None, language: str = "Nederlands") -> str:
    """Adds an offender from the newest case message; returns the invite token. `language`
    is the button the (Dutch-speaking) coordinator taps: "Nederlands" or "Engels"."""
    await coordinator.tap("Betrokkene toevoegen")
    await coordinator.tap("Dader")
    await coordinator.send(name)
    if own_facts is None:
        await coordinator.tap("Zo gebruiken")
    else:
        await coordinator.tap("Een versie voor deze persoon schrijven")
        await coordinator.send(own_facts)
    await coordinator.tap(language)
    qr = coordinator.messages[-1]
    assert qr.photo is not None and "Link intrekken" in qr.button_labels
    return token_in(coordinator.messages[-2].content)


async def add_victim(coordinator: TelegramUser, name: str = "Noor",
                     language: str = "Nederlands") -> str:
    """Adds a victim to the case on the newest case message; returns the invite token."""
    await coordinator.tap("Betrokkene toevoegen")
    await coordinator.tap("Slachtoffer")
    await coordinator.send(name)
    await coordinator.tap(language)
    return token_in(coordinator.messages[-2].content)


async def add_third_party(coordinator: TelegramUser, name: str = "Jan",
                          language: str = "Nederlands") -> str:
    """Adds a relevant third party (a teacher, a neighbour) from the newest case message;
    returns the invite token."""
    await coordinator.tap("Betrokkene toevoegen")
    await coordinator.tap("Relevante derde (bv. leerkracht, buur)")
    await coordinator.send(name)
    await coordinator.tap(language)
    assert f"Uitnodiging voor {name} (relevante derde)" in coordinator.messages[-2].content
    return token_in(coordinator.messages[-2].content)


async def invite_supporter(coordinator: TelegramUser, proposed: str = "Mama",
                           name: str = "Els", language: str = "Nederlands") -> str:
    """Invites a supporter a party proposed, from the newest summary that offers it; returns
    the invite token."""
    await coordinator.tap(f"Nodig {proposed} uit")
    await coordinator.send(name)
    await coordinator.tap(language)
    assert f"Uitnodiging voor {name} (steunfiguur)" in coordinator.messages[-2].content
    return token_in(coordinator.messages[-2].content)


async def victim_completes(victim: TelegramUser, speaks_first: str | None = "Ik vertel eerst",
                           supporter: str | None = None, *,
                           ideas: str = "Dat hij zijn excuses aanbiedt.",
                           relation: str = "mijn vader", when: str = "maandag na school",
                           wish: str = "Ik wil niet naast hem zitten.") -> None:
    """From the welcome of an opened talk to the end, willing to come; what she types can be
    given (`ideas`, the supporter's `relation`, `when` she can, a `wish` for the meeting)."""
    for _ in range(3):
        await victim.tap("Verder")
    await victim.tap("Ja, ik wil meedoen")
    if speaks_first is None:  # eigen-kracht: the order is explained, not asked
        await victim.tap("Verder")
    else:
        await victim.tap(speaks_first)
    await victim.tap("Verder")
    await victim.tap("Overslaan")
    await victim.send(ideas)
    if supporter is not None:
        await victim.tap("Iemand toevoegen")
        await victim.send(supporter)
        await victim.send(relation)
        await victim.tap("Overslaan")
    await victim.tap("Niemand (meer)")
    await victim.tap("Niemand (meer)")
    await victim.send(when)
    await victim.tap("Ja")
    await victim.send(wish)
    await victim.tap("Met je")
    await victim.tap("✔ Versturen")


async def offender_to_responsibility(offender: TelegramUser, token: str) -> None:
    await offender.send(f"/start {token}")
    await offender.tap("Verder")
    await offender.tap("Verder")
    await offender.tap("Ja, ik doe mee")
    await offender.tap("Ja, dat klopt")
    await offender.tap("Overslaan")
    assert "Erken je jouw aandeel" in (offender.last_text or "")


async def offender_completes(offender: TelegramUser, *, supporter: str | None = "Mama",
                             explains: str = "Ik had het niet mogen doen.",
                             affected: str = "Noor. Ze was bang.",
                             relation: str = "mijn moeder", when: str = "woensdag") -> None:
    """From the responsibility question to the end, with one supporter proposed; what he
    types can be given (how he `explains` his part, who was `affected`, ...)."""
    await offender.tap("Ja")
    await offender.send(explains)
    await offender.tap("Ja")
    await offender_after_setting_right(offender, supporter=supporter, affected=affected,
                                       relation=relation, when=when)


async def offender_after_setting_right(offender: TelegramUser, *,
                                       affected: str = "Noor. Ze was bang.",
                                       supporter: str | None = None,
                                       relation: str = "mijn moeder",
                                       when: str = "woensdag") -> None:
    """From "who was affected" to the end: notes skipped, nobody else proposed."""
    await offender.send(affected)
    await offender.tap("Verder")
    await offender.tap("Overslaan")
    if supporter is not None:
        await offender.tap("Iemand toevoegen")
        await offender.send(supporter)
        await offender.send(relation)
        await offender.tap("Overslaan")
    await offender.tap("Niemand (meer)")  # no more supporters
    await offender.tap("Niemand (meer)")  # nobody else who should be there
    await offender.send(when)
    await offender.tap("Nee, niets")
    await offender.tap("✔ Versturen")


async def two_talks_done(world: World, offender_name: str = "Sam") -> TelegramUser:
    """Case 2026-014: the offender has finished his talk and proposed his mother ("Mama"), the
    victim Noor has finished hers. Returns the coordinator."""
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(222, offender_name)
    await offender_to_responsibility(offender, await add_offender(coordinator, offender_name))
    await offender_completes(offender)
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    noor = world.person(333, "Noor")
    await noor.send(f"/start {await add_victim(coordinator)}")
    await victim_completes(noor)
    await world.deliver_outbox()
    return coordinator


async def answer_to(user: TelegramUser, text: str) -> str:
    """What the bot says back to one message (all its messages, joined)."""
    before = len(user.messages)
    await user.send(text)
    return "\n".join(user.texts_since(before))


async def answer_to_tap(user: TelegramUser, label: str) -> str:
    before = len(user.messages)
    await user.tap(label)
    return "\n".join(user.texts_since(before))
