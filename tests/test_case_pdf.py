"""A coordinator's case export as a PDF to read or print: every party, the facts and the
answers, in the coordinator's own language; names in any script; and still made when the
server has no font for it."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot import SUPPORTED_LANGUAGES
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.db import Database
from bot.models import Talk
from bot.pdf_document import find_fonts, fit_text
from bot.views.case_pdf import talk_status
from bot.vocabulary import FLOW_OUTCOMES, PARTY_FACT_VALUES, TalkStatus
from tests.fakes import TelegramUser
from tests.world import World, answer_to_tap, make_world, two_talks_done

# Cyrillic DejaVu has; an emoji and a Chinese character it has not.
FAR_NAME = "Олександр 🫶 李"


@pytest.fixture
def dejavu() -> None:
    """These stories read text back that only a Unicode font can show."""
    if find_fonts() is None:
        message = "DejaVu Sans is not installed (Debian: apt-get install fonts-dejavu-core)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


async def exported(coordinator: TelegramUser, button: str = "Exporteren") -> tuple[str, str]:
    """The coordinator exports case 2026-014: the PDF's name and its text, one line."""
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    await coordinator.tap(button)
    sent = coordinator.messages[-1]
    assert sent.document is not None and sent.document_name is not None
    assert sent.document.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(sent.document)).pages
    return sent.document_name, " ".join(" ".join(p.extract_text() for p in pages).split())


async def test_the_pdf_holds_every_party_the_facts_and_the_answers_in_the_coordinators_language(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    name, text = await exported(coordinator)
    assert name.endswith(".pdf")
    assert "Zaak 2026-014" in text and "HERGO (herstelgericht groepsoverleg)" in text
    assert "Feiten Op 3 maart nam Sam de fiets van Noor mee." in text
    assert "Sam Rol: dader" in text and "Noor Rol: slachtoffer" in text
    assert "Gesprek: gesprek afgerond" in text
    assert "Erkent zijn of haar aandeel: ja" in text  # recorded when Sam's talk ended
    assert "Beschikbaarheid woensdag" in text  # the coordinator's label, then Sam's answer
    assert "Eigen verhaal" in text and "Ik had het niet mogen doen." in text
    assert "Mama Rol: steunfiguur Relatie: mijn moeder Voorgesteld door: Sam" in text
    assert "Vertrouwelijk · zaak 2026-014 · pagina 1 van" in text
    await coordinator.send("/taal")
    await answer_to_tap(coordinator, "English")
    _, text = await exported(coordinator, "Export")
    assert "Case 2026-014" in text and "Facts Op 3 maart nam Sam de fiets van Noor mee." in text
    assert "Sam Role: offender" in text and "Availability woensdag" in text
    assert "Accepts their part: yes" in text and "Rol:" not in text
    assert "Confidential · case 2026-014 · page 1 of" in text


async def test_a_name_in_another_script_with_an_emoji_is_shown_and_nothing_logs_it(
        world: World, dejavu: None, caplog: pytest.LogCaptureFixture) -> None:
    coordinator = await two_talks_done(world, FAR_NAME)
    with caplog.at_level(logging.DEBUG):
        _, text = await exported(coordinator)
    assert "Олександр" in text and "Rol: dader" in text
    assert "🫶" not in text and "李" not in text  # DejaVu has neither: replaced, not dropped
    assert "Олександр \ufffd \ufffd" in text
    logged = "\n".join(r.getMessage() for r in caplog.records  # ours, and the PDF libraries'
                       if r.name.split(".")[0] in ("bot", "fpdf", "fontTools"))
    assert "Олександр" not in logged and "🫶" not in logged and "李" not in logged


async def test_without_a_font_the_pdf_is_still_made_in_a_core_font_and_a_warning_says_so(
        db: Database, clock: ManualClock, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    world: World
    made: AsyncIterator[World] = make_world(db, clock, pdf_font_dir=tmp_path / "no-fonts")
    async for world in made:
        coordinator = await two_talks_done(world, FAR_NAME)
        with caplog.at_level(logging.WARNING, logger="bot.pdf_document"):
            _, text = await exported(coordinator)
    assert "Rol: dader" in text and "Op 3 maart nam Sam de fiets van Noor mee." in text
    assert "????????? ? ?" in text  # outside Latin-1: replaced, the export still made
    assert "Vertrouwelijk - zaak 2026-014 - pagina 1 van" not in text  # "·" is Latin-1
    assert "Vertrouwelijk · zaak 2026-014 · pagina 1 van" in text
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.pdf_document"]
    assert len(warnings) == 1 and "fonts-dejavu-core" in warnings[0]
    assert "Олександр" not in warnings[0]


def test_the_font_lookup_honours_its_setting_and_falls_back_to_the_regular_for_bold(
        tmp_path: Path) -> None:
    assert find_fonts(tmp_path) is None  # the setting replaces the system folders
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"")
    found = find_fonts(tmp_path)
    assert found is not None and found.regular == found.bold == tmp_path / "DejaVuSans.ttf"


def test_text_is_fitted_to_what_the_font_can_show() -> None:
    latin1 = None
    assert fit_text("Zoë – “hoi” …", latin1) == 'Zoë - "hoi" ...'
    assert fit_text("Dvořák", latin1) == "Dvorák"  # the bare letter, when it has one
    assert fit_text("a\tb\x00c\r\nd", latin1) == "a b c\nd"
    assert fit_text("👍🏽❤️", {ord("👍"): "x", ord("❤"): "y"}) == "👍❤"  # modifiers dropped
    assert fit_text("李", {ord("?"): "q"}) == "?"


def test_every_recorded_fact_status_and_language_has_words(catalog: Catalog) -> None:
    """The catalogue holds every text in every language, so Dutch shows any key missing: the
    view would print the stored value (English) instead."""
    for fact, values in PARTY_FACT_VALUES.items():
        assert catalog.has(f"export.fact.{fact}"), fact
        assert all(catalog.has(f"export.value.{value}") for value in values), fact
    assert all(catalog.has(f"language.of.{language}") for language in SUPPORTED_LANGUAGES)
    for status in TalkStatus:
        for outcome in FLOW_OUTCOMES if status == TalkStatus.ENDED else {None}:
            talk = Talk(user_id=1, flow_id="offender", flow_version=1, step="x", status=status,
                        outcome=outcome)
            assert talk_status(catalog, "nl", talk) not in (status, outcome), (status, outcome)
