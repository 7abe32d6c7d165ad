"""Renders page 1 of an example follow-up report (HERGO: uitvoeringsverslag) to
docs/follow-up-report-page1.png, so the docs show what a coordinator sends the referrer.

    python scripts/report_page_png.py [OUT.png]

Needs the dev extras (pypdfium2 renders the PDF the bot makes with fpdf2).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pypdfium2

from bot.catalog import load_catalog
from bot.models import (
    Case,
    Commitment,
    CommitmentCheck,
    Conference,
    Party,
    Payment,
    Plan,
    PlanVersion,
    Signature,
)
from bot.paths import dialogs_dir
from bot.pdf_document import find_fonts
from bot.plan_record import CommitmentRecord, FollowedPlan
from bot.views.follow_up_report import report_pdf
from bot.vocabulary import CheckAnswer, CommitmentStatus, PlanAim, Role, Variant

OUT = Path(__file__).resolve().parent.parent / "docs" / "follow-up-report-page1.png"
DPI = 150


def at(day: int, month: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def example() -> FollowedPlan:
    case = Case(id=1, coordinator_id=1, reference="2026-014", variant=Variant.HERGO, facts="–",
                language="nl", timezone="Europe/Brussels", created_at=at(1, 3))
    sam = Party(id=1, case_id=1, role=Role.OFFENDER, name="Sam", language="nl")
    noor = Party(id=2, case_id=1, role=Role.VICTIM, name="Noor", language="nl")
    mama = Party(id=3, case_id=1, role=Role.SUPPORTER, name="Mama", language="nl")
    plan = Plan(id=1, case_id=1, evaluation_on=date(2026, 4, 17), changed_at=at(7, 4),
                created_at=at(7, 4))
    version = PlanVersion(id=1, plan_id=1, number=1, digest="0" * 64, content="{}",
                          created_at=at(20, 3, 19))
    signatures = [Signature(version_id=1, party_id=p.id, digest="0" * 64,
                            signed_at=at(20, 3, 20)) for p in (sam, noor, mama)]
    letter = Commitment(id=1, plan_id=1, what="Sam schrijft Noor een brief met excuses.",
                        aim=PlanAim.VICTIM, due_on=date(2026, 3, 27), checker_party_id=2,
                        status=CommitmentStatus.DONE, done_at=at(26, 3, 17))
    bell = Commitment(id=2, plan_id=1, what="Sam betaalt de kapotte fietsbel terug.",
                      aim=PlanAim.VICTIM, due_on=date(2026, 4, 15), amount_cents=3000)
    help_out = Commitment(id=3, plan_id=1, what="Sam helpt op woensdag bij de fietsenstalling.",
                          aim=PlanAim.COMMUNITY, due_on=date(2026, 3, 25), every_days=7, times=4)
    talk = Commitment(id=4, plan_id=1, what="Mama en Sam spreken elke week af hoe het gaat.",
                      aim=PlanAim.PREVENTION, due_on=date(2026, 4, 30))
    commitments = [
        CommitmentRecord(letter, [sam], [CommitmentCheck(
            commitment_id=1, due_on=date(2026, 3, 27), answer=CheckAnswer.DONE,
            answered_at=at(26, 3, 17))], []),
        CommitmentRecord(bell, [sam], [], [
            Payment(commitment_id=2, party_id=1, cents=1500, reported_at=at(3, 4),
                    confirmed_at=at(4, 4))]),
        CommitmentRecord(help_out, [sam], [
            CommitmentCheck(commitment_id=3, occurrence=0, due_on=date(2026, 3, 25),
                            answer=CheckAnswer.DONE, answered_at=at(25, 3, 16)),
            CommitmentCheck(commitment_id=3, occurrence=1, due_on=date(2026, 4, 1),
                            answer=CheckAnswer.PARTLY, answered_at=at(1, 4, 16))], []),
        CommitmentRecord(talk, [mama, sam], [], []),
    ]
    conference = Conference(id=1, case_id=1, starts_at=at(20, 3, 18), place="–", uid="x")
    return FollowedPlan(case, plan, version, signatures, commitments,
                      {1: sam, 2: noor, 3: mama}, [], conference)


def main(out: Path = OUT) -> None:
    catalog = load_catalog(dialogs_dir() / "messages.yaml")
    made = at(7, 4, 9)
    pdf = pypdfium2.PdfDocument(report_pdf(example(), catalog, "nl", find_fonts(), made))
    page = pdf[0].render(scale=DPI / 72).to_pil().convert("L")  # black text: grey is enough
    out.parent.mkdir(parents=True, exist_ok=True)
    page.save(out, optimize=True)
    sys.stdout.write(f"{out} ({page.width}x{page.height})\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
