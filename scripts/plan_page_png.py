"""Renders page 1 of an example signed repair plan to docs/repair-plan-page1.png, so the
docs show what every participant gets (the final copy, with the signatures).

    python scripts/plan_page_png.py [OUT.png]

Needs the dev extras (pypdfium2 renders the PDF the bot makes with fpdf2).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pypdfium2

from bot.catalog import load_catalog
from bot.models import Case, Commitment, Party, Plan, PlanVersion, Signature
from bot.paths import dialogs_dir
from bot.pdf_document import find_fonts
from bot.plan_digest import canonical_plan
from bot.plan_store import PlanRecord
from bot.views.plan import plan_parts, plan_pdf
from bot.vocabulary import PlanAim, Role, Variant

OUT = Path(__file__).resolve().parent.parent / "docs" / "repair-plan-page1.png"
DPI = 150
NOW = datetime(2026, 4, 6, 17, 40, tzinfo=UTC)


def record_digest(case: Case, plan: Plan, commitments: list[Commitment],
                  owners: dict[int, list[Party]], parties: dict[int, Party]) -> str:
    return canonical_plan(case, plan, commitments, owners, parties).digest


def example() -> PlanRecord:
    case = Case(id=1, coordinator_id=1, reference="2026-014", variant=Variant.HERGO, facts="",
                language="nl", timezone="Europe/Brussels", created_at=NOW)
    plan = Plan(id=1, case_id=1, inform="De school, via de zorgcoördinator, met een kopie.",
                otherwise="Dan komen we opnieuw samen, met de coördinator.",
                evaluation_on=date(2026, 5, 4), changed_at=NOW, created_at=NOW)
    sam = Party(id=1, case_id=1, role=Role.OFFENDER, name="Sam", language="nl", created_at=NOW)
    noor = Party(id=2, case_id=1, role=Role.VICTIM, name="Noor", language="nl", created_at=NOW)
    mama = Party(id=3, case_id=1, role=Role.SUPPORTER, name="Mama", language="nl",
                 supports_party_id=1, created_at=NOW)
    commitments = [
        Commitment(id=1, plan_id=1, what="Sam schrijft Noor een brief met excuses.",
                   aim=PlanAim.VICTIM, due_on=date(2026, 4, 20),
                   follow_up="Noor laat het de coördinator weten.", created_at=NOW),
        Commitment(id=2, plan_id=1, what="Sam betaalt een nieuwe fietsbel.", aim=PlanAim.VICTIM,
                   due_on=date(2026, 5, 1), amount_cents=1850, created_at=NOW),
        Commitment(id=3, plan_id=1, what="Sam helpt op woensdag in de fietsenstalling.",
                   aim=PlanAim.COMMUNITY, due_on=date(2026, 4, 22), every_days=7, times=6,
                   follow_up="De leerkracht houdt het bij.", created_at=NOW),
        Commitment(id=4, plan_id=1, what="Mama en Sam spreken af hoe hij om hulp vraagt als "
                   "hij boos is.", aim=PlanAim.PREVENTION, due_on=date(2026, 4, 13),
                   created_at=NOW),
    ]
    owners = {1: [sam], 2: [sam], 3: [sam], 4: [mama, sam]}
    version = PlanVersion(id=1, plan_id=1, number=1, digest=record_digest(case, plan, commitments,
                          owners, {1: sam, 2: noor, 3: mama}), content="", created_at=NOW)
    signatures = [Signature(id=i, version_id=1, party_id=p.id or 0, digest="",
                            signed_at=NOW.replace(minute=41 + i))
                  for i, p in enumerate((sam, noor, mama))]
    return PlanRecord(case, plan, commitments, owners, {1: sam, 2: noor, 3: mama}, version,
                      signatures)


def main(out: Path = OUT) -> None:
    catalog = load_catalog(dialogs_dir() / "messages.yaml")
    record = example()
    parts = plan_parts(catalog, "nl", record, signatures=True)
    pdf = pypdfium2.PdfDocument(plan_pdf(parts, catalog, "nl", record.case.reference,
                                         find_fonts()))
    page = pdf[0].render(scale=DPI / 72).to_pil().convert("L")
    out.parent.mkdir(parents=True, exist_ok=True)
    page.save(out, optimize=True)
    sys.stdout.write(f"{out} ({page.width}x{page.height})\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
