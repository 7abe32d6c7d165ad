"""Renders page 1 of an example HERGO conference script to docs/conference-script-page1.png,
so the docs show what a coordinator gets (the victim chose to tell first).

    python scripts/script_page_png.py [OUT.png]

Needs the dev extras (pypdfium2 renders the PDF the bot makes with fpdf2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2

from bot.catalog import load_catalog
from bot.paths import dialogs_dir
from bot.pdf_document import find_fonts
from bot.views.conference_script import (
    Participant,
    ScriptInput,
    Someone,
    conference_script,
    script_pdf,
)
from bot.vocabulary import Role, Variant

OUT = Path(__file__).resolve().parent.parent / "docs" / "conference-script-page1.png"
DPI = 150
EXAMPLE = ScriptInput(
    reference="2026-014", variant=Variant.HERGO,
    facts="Op 3 maart nam Sam op de speelplaats de fiets van Noor mee, zonder te vragen. "
          "Noor vond haar fiets twee dagen later terug, met een kapotte bel.",
    participants=(
        Participant("Sam", Role.OFFENDER),
        Participant("Noor", Role.VICTIM),
        Participant("Mama", Role.SUPPORTER, Someone("Sam", Role.OFFENDER)),
        Participant("Lies", Role.SUPPORTER, Someone("Noor", Role.VICTIM)),
        Participant("Jan", Role.THIRD_PARTY)),
    speaks_first="victim_first", when="maandag 6 april 2026, 16:00", where="De Linde, lokaal 3")


def main(out: Path = OUT) -> None:
    catalog = load_catalog(dialogs_dir() / "messages.yaml")
    parts = conference_script(EXAMPLE, catalog, "nl")
    pdf = pypdfium2.PdfDocument(script_pdf(EXAMPLE, parts, catalog, "nl", find_fonts()))
    page = pdf[0].render(scale=DPI / 72).to_pil().convert("L")  # black text: grey is enough
    out.parent.mkdir(parents=True, exist_ok=True)
    page.save(out, optimize=True)
    sys.stdout.write(f"{out} ({page.width}x{page.height})\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
