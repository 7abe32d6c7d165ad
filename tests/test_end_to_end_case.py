"""End to end over real HTTP, a whole case prepared: `python -m bot` runs as its own process
against the fake Bot API server, and the test plays everyone. The offender first, the victim
held until he acknowledges his part, a supporter for each of them and a relevant third party
invited by the coordinator, every talk completed; the case card shows where everyone stands."""

from __future__ import annotations

import re
from functools import partial

import pytest

from tests.fakes import TelegramUser, queued_only
from tests.test_end_to_end import COORDINATOR_ID, OFFENDER_ID, BotProcess, bot, step

pytestmark = pytest.mark.e2e
__all__ = ["bot"]  # the fixture, shared with tests/test_end_to_end.py

VICTIM_ID, MOTHER_ID, FATHER_ID, TEACHER_ID = 8103, 8104, 8105, 8106
REFERENCE = "E2E-HERGO"

# What people typed: none of it may reach the bot's log.
FACTS = "Op 3 maart nam Sam de fiets van Noor mee aan de schoolpoort."
SAM_EXPLAINS = "Ik had de fiets nooit mogen meenemen."
SAM_AFFECTED = "Noor, die te voet naar huis moest en bang was."
SAM_WHEN = "woensdagmiddag na de training"
NOOR_IDEAS = "Dat hij de kapotte bel vervangt."
NOOR_WHEN = "maandag na schooltijd"
MOTHER_WHEN = "vrijdagavond na het werk"
FATHER_WHEN = "zaterdagochtend vroeg"
TEACHER_RELATION = "Ik ben de klastitularis van beiden en zag de ruzie op de speelplaats."
TEACHER_WHEN = "dinsdag tijdens de middagpauze"
TYPED = (FACTS, SAM_EXPLAINS, SAM_AFFECTED, SAM_WHEN, NOOR_IDEAS, NOOR_WHEN, MOTHER_WHEN,
         FATHER_WHEN, TEACHER_RELATION, TEACHER_WHEN, "mijn moeder", "mijn vader")
NAMES = ("Sam", "Noor", "Mama", "Papa", "Els", "Piet", "Jan")

Move = tuple[str, str, str]  # ("tap" or "send", label or text, what the bot says back)


def tap(label: str, expect: str) -> Move:
    return ("tap", label, expect)


def say(text: str, expect: str) -> Move:
    return ("send", text, expect)


async def play(user: TelegramUser, *moves: Move) -> list[str]:
    """Does each move as the person, waiting each time for the bot's answer; returns them."""
    replies = []
    for kind, value, expect in moves:
        act = user.tap if kind == "tap" else user.send
        replies.append(await step(user, partial(act, value), expect))
    return replies


def token_in(invite: str) -> str:
    return invite.split("start=", 1)[1].split()[0]


async def invite(coordinator: TelegramUser, *moves: Move) -> str:
    """The coordinator's moves up to the invite link; waits for its QR code, returns the
    token (the QR code comes after the link: wait, so later taps see the newest buttons)."""
    since = len(coordinator.messages)
    replies = await play(coordinator, *moves)
    await coordinator.wait_for_text("als QR-code", timeout=20, since=since)
    return token_in(replies[-1])


async def test_a_whole_hergo_case_is_prepared_and_the_card_shows_everyone(
        bot: BotProcess) -> None:
    api = bot.api
    coordinator = TelegramUser(api, COORDINATOR_ID, "Coördinator", queued_only)
    sam = TelegramUser(api, OFFENDER_ID, "Sam", queued_only)
    noor = TelegramUser(api, VICTIM_ID, "Noor", queued_only)
    els = TelegramUser(api, MOTHER_ID, "Els", queued_only)
    piet = TelegramUser(api, FATHER_ID, "Piet", queued_only)
    jan = TelegramUser(api, TEACHER_ID, "Jan", queued_only)

    # 1. The case, its offender and its victim; the victim opens her link first and waits.
    await play(coordinator,
               say("/newcase", "kort kenmerk"),
               say(REFERENCE, "Welke methode"),
               tap("HERGO (herstelgericht groepsoverleg)", "Beschrijf"),
               say(FACTS, "welke taal"),
               tap("Nederlands", "Klopt dit?"),
               tap("✔ Versturen", f"Zaak {REFERENCE} is aangemaakt"))
    sam_token = await invite(coordinator,
                             tap("Betrokkene toevoegen", "wie voeg je toe"),
                             tap("Dader", "Hoe spreek ik"),
                             say("Sam", "Kan dat zo?"),
                             tap("Zo gebruiken", "In welke taal"),
                             tap("Nederlands", "Uitnodiging voor Sam (dader)"))
    noor_token = await invite(coordinator,
                              tap("Betrokkene toevoegen", "wie voeg je toe"),
                              tap("Slachtoffer", "Hoe spreek ik"),
                              say("Noor", "In welke taal"),
                              tap("Nederlands", "Uitnodiging voor Noor (slachtoffer)"))
    since = len(coordinator.messages)
    held = await step(noor, partial(noor.send, f"/start {noor_token}"), "Binnenkort neemt")
    assert "Hallo Noor" not in "\n".join(noor.texts_since(0)), held
    told = await coordinator.wait_for_text("Noor (slachtoffer) heeft de link geopend",
                                           timeout=20, since=since)
    assert "wacht tot een dader zijn of haar aandeel erkent" in told.content

    # 2. Sam acknowledges his part, wants to set it right, proposes his mother, nobody else.
    since = len(coordinator.messages)
    await play(sam,
               say(f"/start {sam_token}", "Hallo Sam"),
               tap("Verder", "groepsoverleg"),
               tap("Verder", "vrijwillig"),
               tap("Ja, ik doe mee", "Klopt dit voor jou?"),
               tap("Ja, dat klopt", "eigen woorden"),
               tap("Overslaan", "Erken je jouw aandeel"),
               tap("Ja", "uitleggen"),
               say(SAM_EXPLAINS, "recht te zetten"),
               tap("Ja", "Wie is er geraakt"),
               say(SAM_AFFECTED, "deze vragen"),
               tap("Verder", "opschrijven"),
               tap("Overslaan", "als steun"),
               tap("Iemand toevoegen", "Hoe heet deze persoon?"),
               say("Mama", "Wie is dit voor jou?"),
               say("mijn moeder", "Hoe kan de coördinator"),
               tap("Overslaan", "nog iemand toevoegen"),
               tap("Niemand (meer)", "nog meer bij zijn"),
               tap("Niemand (meer)", "Wanneer kun je"),
               say(SAM_WHEN, "iets nodig"),
               tap("Nee, niets", "Bijna klaar"),
               tap("✔ Versturen", "Dank je wel, Sam"))
    summary = await coordinator.wait_for_text("Sam (dader) heeft het voorbereidend gesprek "
                                              "afgerond", timeout=20, since=since)
    assert SAM_WHEN in summary.content and "mijn moeder" in summary.content
    assert "Nodig Mama uit" in summary.button_labels, summary.button_labels
    await noor.wait_for_text("kan nu beginnen", timeout=20)

    # 3. Noor tells first, and would like her father there.
    since = len(coordinator.messages)
    await play(noor,
               say("/start", "Hallo Noor"),
               tap("Verder", "groepsoverleg"),
               tap("Verder", "erkent zijn of haar aandeel"),
               tap("Verder", "vrijwillig"),
               tap("Ja, ik wil meedoen", "Wie vertelt eerst?"),
               tap("Ik vertel eerst", "deze vragen"),
               tap("Verder", "opschrijven"),
               tap("Overslaan", "ideeën"),
               say(NOOR_IDEAS, "als steun"),
               tap("Iemand toevoegen", "Hoe heet deze persoon?"),
               say("Papa", "Wie is dit voor jou?"),
               say("mijn vader", "Hoe kan de coördinator"),
               tap("Overslaan", "nog iemand toevoegen"),
               tap("Niemand (meer)", "nog meer bij zijn"),
               tap("Niemand (meer)", "Wanneer kun je"),
               say(NOOR_WHEN, "iets nodig"),
               tap("Nee, niets", "Met je of met u"),
               tap("Met je", "Bijna klaar"),
               tap("✔ Versturen", "Dank je wel, Noor"))
    summary = await coordinator.wait_for_text("Noor (slachtoffer) heeft het voorbereidend "
                                              "gesprek afgerond", timeout=20, since=since)
    assert "wie vertelt eerst: het slachtoffer zelf" in summary.content
    assert "Nodig Papa uit" in summary.button_labels, summary.button_labels

    # 4. The coordinator invites both supporters from the summaries, and a teacher.
    els_token = await invite(coordinator,
                             tap("Nodig Mama uit", "«Mama»"),
                             say("Els", "In welke taal"),
                             tap("Nederlands", "Uitnodiging voor Els (steunfiguur)"))
    piet_token = await invite(coordinator,
                              tap("Nodig Papa uit", "«Papa»"),
                              say("Piet", "In welke taal"),
                              tap("Nederlands", "Uitnodiging voor Piet (steunfiguur)"))
    await play(coordinator,
               say("/cases", "Je zaken:"),
               tap(REFERENCE, f"Zaak {REFERENCE}"))
    jan_token = await invite(coordinator,
                             tap("Betrokkene toevoegen", "wie voeg je toe"),
                             tap("Relevante derde (bv. leerkracht, buur)", "Hoe spreek ik"),
                             say("Jan", "In welke taal"),
                             tap("Nederlands", "Uitnodiging voor Jan (relevante derde)"))

    since = len(coordinator.messages)
    for supporter, token, supported, when in ((els, els_token, "Sam", MOTHER_WHEN),
                                              (piet, piet_token, "Noor", FATHER_WHEN)):
        name = supporter.first_name
        greeted = await play(supporter,
                             say(f"/start {token}", f"Hallo {name}"),
                             tap("Verder", f"steunfiguur van {supported}"),
                             tap("Verder", "vrijwillig"),
                             tap("Ja, ik doe mee aan dit gesprek", "krijg jij ook het woord"),
                             tap("Verder", "opschrijven"),
                             tap("Overslaan", "nog meer bij zijn"),
                             tap("Niemand (meer)", "Wanneer kun je"),
                             say(when, "iets nodig"),
                             tap("Nee, niets", "Bijna klaar"),
                             tap("✔ Versturen", f"Dank je wel, {name}"))
        assert f"{supported} ziet je antwoorden niet" in greeted[0]
        other = "Noor" if supported == "Sam" else "Sam"
        # told whom they support, and nobody else's name ("Samen" is not "Sam")
        assert not re.search(rf"\b{other}\b", "\n".join(greeted[:2]))
    await play(jan,
               say(f"/start {jan_token}", "Hallo Jan"),
               tap("Verder", "groepsoverleg"),
               tap("Verder", "vrijwillig"),
               tap("Ja, ik doe mee aan dit gesprek", "Hoe ben jij betrokken"),
               say(TEACHER_RELATION, "krijg jij ook het woord"),
               tap("Verder", "opschrijven"),
               tap("Overslaan", "herstelplan"),
               tap("Verder", "nog meer bij zijn"),
               tap("Niemand (meer)", "Wanneer kun je"),
               say(TEACHER_WHEN, "iets nodig"),
               tap("Nee, niets", "Bijna klaar"),
               tap("✔ Versturen", "Dank je wel, Jan"))
    for who in ("Els (steunfiguur)", "Piet (steunfiguur)", "Jan (relevante derde)"):
        await coordinator.wait_for_text(f"{who} heeft het voorbereidend gesprek afgerond",
                                        timeout=20, since=since)

    # 5. The case card: everyone, their role, their status, the choices, the next step.
    await step(coordinator, partial(coordinator.send, "/cases"), "Je zaken:")
    card = await step(coordinator, partial(coordinator.tap, REFERENCE), f"Zaak {REFERENCE}")
    lines = [line.strip() for line in card.splitlines()]
    for party, flag in (("Sam (dader)", "erkent zijn of haar aandeel: ja"),
                        ("Noor (slachtoffer)", "wie vertelt eerst: het slachtoffer zelf")):
        at = lines.index(f"• {party}: gesprek afgerond")  # each flag under its own party
        assert lines[at + 1] == flag, f"{flag!r} not under {party}:\n{card}"
    for line in ("• Els (steunfiguur van Sam): gesprek afgerond",
                 "• Piet (steunfiguur van Noor): gesprek afgerond",
                 "• Jan (relevante derde): gesprek afgerond",
                 f"  Sam: {SAM_WHEN}", f"  Noor: {NOOR_WHEN}", f"  Els: {MOTHER_WHEN}",
                 f"  Piet: {FATHER_WHEN}", f"  Jan: {TEACHER_WHEN}",
                 "➜ Volgende stap: iedereen is voorbereid."):
        assert line in card, f"{line!r} not on the card:\n{card}"
    assert card.count("gesprek afgerond") == 5, card
    assert "⚠" not in card and "Voorgesteld" not in card, card
    assert not [label for label in coordinator.messages[-1].button_labels
                if label.startswith(("Nodig", "Vrijgeven", "Herinneren"))]

    # 6. The log: ids only, nothing anyone typed.
    assert bot.stop() == 0
    log = bot.log.read_text()
    for personal in TYPED:
        assert personal not in log, f"personal text reached the log: {personal!r}"
    for name in NAMES:
        assert not re.search(rf"\b{name}\b", log), f"a name reached the log: {name!r}"
    assert api.token not in log
