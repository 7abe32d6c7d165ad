"""One whole case, scripted through the real `Application`, in which every free text a person
types is a made-up string of its own (`PERSONAL`): the coordinator's case and profile; the
offender's, the victim's and a supporter's talk with the people they propose; a note passed on
after a talk; the moments poll; the conference (place, what to bring) with its answers and
reminders; the repair plan (promises, how each is followed up, who is told, what if it goes
otherwise); a refusal to sign with its reason; the follow-up (reminders, check-ins, a reply,
an instalment and a word about it, "this did not happen", the coordinator's new date and
done); the evaluation; and closing the case with the coordinator's reason to keep it longer.

The strings are long or spaced on purpose: no such string turns up by chance inside base64.
A name is looked for whole, and its first name (alone in buttons and greetings) and surname
on their own too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import select

from bot import buttons, encryption
from bot.buttons import CaseTap, CaseVerb
from bot.db import Database
from bot.evaluation import plan_evaluations
from bot.keys import personal_tables
from bot.models import Case
from tests.fakes import TelegramUser
from tests.test_conference import card
from tests.test_follow_up_money_and_coordinator import coordinator_opens_follow_up
from tests.test_plan import add_apology, plan_card
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    add_victim,
    answer_to,
    answer_to_tap,
    offender_completes,
    offender_to_responsibility,
    open_case,
    token_in,
    victim_completes,
)

OFFENDER_ID, VICTIM_ID, SUPPORTER_ID = 222, 333, 444
BRUSSELS = ZoneInfo("Europe/Brussels")

OFFENDER_FIRST, OFFENDER_SURNAME = "Wolterus", "Vandeputtegem"
VICTIM_FIRST, VICTIM_SURNAME = "Liesbethje", "Kerckhovenaere"
OFFENDER = f"{OFFENDER_FIRST} {OFFENDER_SURNAME}"
VICTIM = f"{VICTIM_FIRST} {VICTIM_SURNAME}"
SUPPORTER = "Reinoutje Goethalsdonck"

# kind of free text -> what this case's person typed
PERSONAL: dict[str, str] = {
    "offender's first name": OFFENDER_FIRST,
    "offender's name": OFFENDER,
    "offender's surname": OFFENDER_SURNAME,
    "victim's first name": VICTIM_FIRST,
    "victim's name": VICTIM,
    "victim's surname": VICTIM_SURNAME,
    "coordinator's name": "Hildegonde Coppieterswal",
    "coordinator's contact": "0499 87 65 43 op het werk",
    "facts": "Op 3 maart nam Wolterus de fiets van Liesbethje mee aan de Zwaluwstraat.",
    "offender explains his part": "Het spijt me echt heel erg van die groene fiets.",
    "offender: who was affected": "Liesbethje en haar ouders, die de hele avond zochten.",
    "offender's supporter": "Grootmoeder Ansje Wildemeersch",
    "offender's supporter's relation": "mijn lieve oma van vaderskant",
    "offender's availability": "woensdag na de voetbaltraining in Erpe",
    "victim's ideas to set it right": "Dat hij de kapotte fietsbel zelf komt vervangen.",
    "victim's supporter": "Oom Reinoutje Goethalsdonck",
    "victim's supporter's relation": "de oudste broer van mijn mama",
    "victim's availability": "maandag na de pianoles bij juf Mireille",
    "victim's wish for the meeting": "Ik wil niet naast hem zitten, liefst bij het raam.",
    "victim's note after her talk": "Mag mijn hond Fientje ook mee naar het gesprek?",
    "supporter's name, as the coordinator writes it": SUPPORTER,
    "supporter's notes": "Ik was erbij toen Liesbethje zonder fiets thuiskwam.",
    "supporter: who else should be there": "Meester Jozef Vermeulenbroeck",
    "supporter: how that one is involved": "de klastitularis van het zesde leerjaar",
    "supporter: how to reach that one": "jozef.vermeulenbroeck@voorbeeldschool.be",
    "supporter's availability": "zaterdagochtend na de markt in Ninove",
    "supporter's needs": "Een plek zonder trappen voor mijn rolstoel.",
    "conference place": "Buurthuis De Wielewaal, Merelstraat 41, Zottegem",
    "what to bring to the conference": "Neem de kapotte fietsbel mee in een schoendoos.",
    "promise": "Wolterus schrijft Liesbethje een brief met zijn excuses.",
    "promise's follow-up": "Liesbethje belt de coördinator zodra de brief er is.",
    "money promise": "Wolterus betaalt de nieuwe fietsbel van Liesbethje terug.",
    "money promise's follow-up": "Mama Kerckhovenaere bevestigt de overschrijving.",
    "who is told of the plan": "De directeur van het Sint-Jozefscollege, via mevrouw Baelde.",
    "if it goes otherwise": "Dan komen we opnieuw samen in het buurthuis van de Wielewaal.",
    "reason for not signing": "Ik wil eerst met mijn tante Godelieve erover praten.",
    "check-in reply": "De brief ligt klaar maar ik vind nergens een postzegel.",
    "word about an instalment": "De rest betaal ik met mijn zakgeld van eind april.",
    "coordinator's reason to keep the case": "Bewaren tot de jeugdrechter in Oudenaarde beslist.",
}


def local(world: World, year: int, month: int, day: int, hour: int, minute: int = 0) -> None:
    world.clock.now = datetime(year, month, day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)


async def on_message(user: TelegramUser, words: str, label: str) -> str:
    """Taps `label` on the newest message that says `words` (two check-ins may both have it)."""
    message = next(m for m in reversed(user.messages) if words in m.content)
    data = next(b["callback_data"] for b in message.buttons if b["text"] == label)
    before = len(user.messages)
    await user.tap_data(message.message_id, data)
    return "\n".join(user.texts_since(before))


async def pass_on(user: TelegramUser, text: str) -> None:
    """Types something outside any question, and has it passed on to the coordinator."""
    offered = await answer_to(user, text)
    assert "Ja, geef het door" in " ".join(user.messages[-1].button_labels), offered
    assert "doorgegeven" in await answer_to_tap(user, "Ja, geef het door")


async def supporter_completes(supporter: TelegramUser) -> None:
    """From the welcome to the end, with someone else proposed and something needed."""
    typed = PERSONAL
    await supporter.tap("Verder")
    await supporter.tap("Verder")
    await supporter.tap("Ja, ik doe mee aan dit gesprek")
    await supporter.tap("Verder")
    await supporter.send(typed["supporter's notes"])
    await supporter.tap("Iemand toevoegen")
    await supporter.send(typed["supporter: who else should be there"])
    await supporter.send(typed["supporter: how that one is involved"])
    await supporter.send(typed["supporter: how to reach that one"])
    await supporter.tap("Niemand (meer)")
    await supporter.send(typed["supporter's availability"])
    await supporter.tap("Ja")
    await supporter.send(typed["supporter's needs"])
    await supporter.tap("✔ Versturen")
    assert "Dank je wel" in "\n".join(m.content for m in supporter.messages[-3:])


async def a_whole_case(world: World) -> None:
    """From /newcase to a closed case kept longer, everyone typing their own `PERSONAL`."""
    typed = PERSONAL
    coordinator = world.person(COORDINATOR_ID, "Hildegonde")
    await coordinator.send("/profiel")
    await coordinator.send(typed["coordinator's name"])
    await coordinator.send(typed["coordinator's contact"])
    await coordinator.tap("✔ Versturen")

    # 1. The case, the offender's talk, then the victim's; she passes a note on afterwards;
    # the supporter she proposed is invited and has his own talk.
    await open_case(coordinator, facts=typed["facts"])
    wolterus = world.person(OFFENDER_ID, OFFENDER_FIRST)
    await offender_to_responsibility(wolterus, await add_offender(coordinator, OFFENDER))
    await offender_completes(
        wolterus, supporter=typed["offender's supporter"],
        explains=typed["offender explains his part"],
        affected=typed["offender: who was affected"],
        relation=typed["offender's supporter's relation"],
        when=typed["offender's availability"])
    await card(coordinator)
    liesbethje = world.person(VICTIM_ID, VICTIM_FIRST)
    await liesbethje.send(f"/start {await add_victim(coordinator, VICTIM)}")
    await victim_completes(
        liesbethje, supporter=typed["victim's supporter"],
        ideas=typed["victim's ideas to set it right"],
        relation=typed["victim's supporter's relation"],
        when=typed["victim's availability"], wish=typed["victim's wish for the meeting"])
    await pass_on(liesbethje, typed["victim's note after her talk"])
    await world.deliver_outbox()
    await card(coordinator)
    await coordinator.tap("Nodig " + typed["victim's supporter"] + " uit")
    await coordinator.send(SUPPORTER)
    await coordinator.tap("Nederlands")
    reinoutje = world.person(SUPPORTER_ID, SUPPORTER.split()[0])
    await reinoutje.send(f"/start {token_in(coordinator.messages[-2].content)}")
    await supporter_completes(reinoutje)
    await world.deliver_outbox()

    # 2. Moments put to all three, the one that suits them planned, its place and what to
    # bring; he and she will come, the supporter will not; both are reminded.
    await card(coordinator)
    await coordinator.tap("Momenten voorstellen")
    await coordinator.send("20-03-2026 19:00")
    await coordinator.send("23-03-2026 18:30")
    await coordinator.tap("Overslaan")
    await coordinator.tap("✔ Versturen")
    await world.deliver_outbox()
    moment = "maandag 23 maart 2026 om 18:30"
    for party in (wolterus, liesbethje, reinoutje):
        await party.tap(moment)
    await card(coordinator)
    await coordinator.tap(f"Kies {moment}")
    await coordinator.tap("2 uur")
    await coordinator.send(typed["conference place"])
    await coordinator.send(typed["what to bring to the conference"])
    assert "gepland" in await answer_to_tap(coordinator, "✔ Versturen")
    await world.deliver_outbox()
    await wolterus.tap("Ja, ik kom")
    await liesbethje.tap("Ik weet het nog niet")
    await liesbethje.tap("Ja, ik kom")
    await reinoutje.tap("Nee, ik kom niet")  # so he is not asked to sign the plan
    await card(coordinator)
    await coordinator.tap("Draaiboek")
    world.services.scheduler.pause()  # from here on the test moves the clock
    local(world, 2026, 3, 22, 18, 0)
    await world.deliver_outbox()
    local(world, 2026, 3, 23, 15, 30)
    await world.deliver_outbox()
    assert "Vandaag om 18:30" in (liesbethje.last_text or ""), liesbethje.transcript()

    # 3. The repair plan after the conference: two promises, who is told, what if not.
    local(world, 2026, 3, 24, 10, 0)
    await plan_card(coordinator)
    await add_apology(coordinator, typed["promise"], follow_up=typed["promise's follow-up"],
                      owner=OFFENDER_FIRST)
    await coordinator.tap("Afspraak toevoegen")
    await coordinator.send(typed["money promise"])
    await coordinator.tap("Herstel voor wie schade leed")
    await coordinator.send("20-04-2026")
    await coordinator.tap("Eén keer")
    await coordinator.tap("De dag ervoor")
    await coordinator.send("30")
    await coordinator.send(typed["money promise's follow-up"])
    await coordinator.tap("✔ Versturen")
    await coordinator.tap(OFFENDER_FIRST)
    await coordinator.tap("Klaar")
    await coordinator.tap("Wie informeren, evaluatie")
    await coordinator.send(typed["who is told of the plan"])
    await coordinator.send(typed["if it goes otherwise"])
    await coordinator.tap("Overslaan")
    await coordinator.tap("✔ Versturen")

    # 4. Signing: he signs; she will not yet and says why, then signs after all.
    await coordinator.tap("Ter ondertekening sturen")
    await world.deliver_outbox()
    await wolterus.tap("✍ Ik teken dit plan")
    await liesbethje.tap("Ik teken niet")
    await pass_on(liesbethje, typed["reason for not signing"])
    await liesbethje.tap("✍ Ik teken dit plan")
    await world.deliver_outbox()
    assert "Iedereen heeft het herstelplan getekend" in "\n".join(
        m.content for m in liesbethje.messages), liesbethje.transcript()
    await liesbethje.send("/plan")
    await liesbethje.tap("🔔 Laat het me weten als iets gedaan is")

    # 5. The follow-up: reminded, asked on the day, a reply and an instalment passed on.
    local(world, 2026, 4, 19, 10, 0)
    await world.deliver_outbox()
    local(world, 2026, 4, 20, 18, 0)
    await world.deliver_outbox()
    await world.deliver_outbox()
    await on_message(wolterus, typed["promise"], "Deels gedaan")
    await pass_on(wolterus, typed["check-in reply"])
    await on_message(wolterus, typed["money promise"], "Ik heb een bedrag betaald")
    await wolterus.send("15")
    await pass_on(wolterus, typed["word about an instalment"])
    await world.deliver_outbox()
    await liesbethje.tap("Ja, ontvangen")
    await liesbethje.send("/plan")
    await liesbethje.tap("1 is niet gebeurd")
    await liesbethje.tap("Ja, laat het de coördinator weten")
    await world.deliver_outbox()
    async with world.db.transaction() as session:
        case_id = (await session.exec(select(Case))).one().id or 0
    await coordinator_opens_follow_up(world, case_id)
    await coordinator.tap("1. Nieuwe datum")
    await coordinator.send("30-04-2026")
    await coordinator_opens_follow_up(world, case_id)
    await coordinator.tap("2. Gedaan")
    await world.deliver_outbox()

    # 6. The evaluation moment, four weeks after the signing; then the case is closed, exported
    # and kept longer, with the coordinator's reason.
    local(world, 2026, 4, 21, 10, 30)
    await plan_evaluations(world.db, world.clock)
    await world.deliver_outbox()
    await liesbethje.tap("Niet goed")
    await world.deliver_outbox()
    await card(coordinator)
    await coordinator.tap("Zaak afsluiten")
    await coordinator.tap(coordinator.messages[-1].button_labels[0])  # an outcome
    await card(coordinator)
    await coordinator.tap("Exporteren")
    await coordinator.tap_data(coordinator.messages[-1].message_id,
                               buttons.encode(CaseTap(CaseVerb.KEEP, case_id)))
    await coordinator.send(typed["coordinator's reason to keep the case"])
    assert "bewaard" in await answer_to_tap(coordinator, "✔ Versturen")
    await liesbethje.send("/mijngegevens")


async def opened_personal_values(db: Database) -> str:
    """Every value of every personal column, opened with the key: what the bot can read."""
    keyring = encryption.active()
    found: list[str] = []
    async with db.engine.connect() as connection:
        for table in personal_tables():
            plain = sa.table(table.name, *(sa.column(c, sa.Text) for c in table.columns))
            for row in (await connection.execute(sa.select(plain))).all():
                found += [keyring.open(value) for value in row if value is not None]
    return "\n".join(found)


def written_forms(text: str) -> set[str]:
    """`text` as it could stand in a file: as is, and escaped as in ASCII JSON (as is, and as a
    PostgreSQL dump writes a backslash)."""
    escaped = json.dumps(text)[1:-1]
    return {text, escaped, escaped.replace("\\", "\\\\")}
