"""The follow-up report for the referrer (HERGO: uitvoeringsverslag), as a PDF in the
coordinator's language: the case and its method, the conference, the plan's version and who
signed it when, and each commitment with its owners (first names), part of the plan, due
dates, how it stands, the check-in answers per due date and the instalments paid. Nothing from
the preparation talks. The coordinator reviews it before sending it on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.catalog import Catalog
from bot.pdf_document import FontFiles, PdfDocument
from bot.plan_record import CommitmentRecord, FollowedPlan, first_name
from bot.views.plan_view import a_date, euros, state_text
from bot.vocabulary import ConferenceStatus, PlanAim

INDENT = 5  # mm


def report_pdf(plan: FollowedPlan, catalog: Catalog, language: str, fonts: FontFiles | None,
               made: datetime) -> bytes:
    case = plan.case
    zone = ZoneInfo(case.timezone)

    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    def moment(at: datetime) -> str:
        local = at.astimezone(zone)
        return t("report.moment", date=a_date(catalog, language, local.date()),
                 time=local.strftime("%H:%M"))

    today = made.astimezone(zone).date()
    doc = PdfDocument(title=t("report.title", reference=case.reference), language=language,
                      fonts=fonts, footer=lambda page, pages: t(
                          "report.footer", reference=case.reference, page=page, pages=pages))
    doc.field(t("report.case"), case.reference)
    doc.field(t("report.method"), t(f"conference.{case.variant}"))
    conference = plan.conference
    held = conference is not None and conference.status == ConferenceStatus.PLANNED
    doc.field(t("report.conference"), moment(conference.starts_at) if held and conference
              else t("report.no_conference"))
    doc.field(t("report.made"), moment(made))
    doc.paragraph(t("report.intro"))

    doc.heading(t("report.plan"))
    if plan.version is None:
        doc.paragraph(t("report.no_version"))
    else:
        doc.field(t("report.version"), t("report.version_of", number=plan.version.number,
                                         date=moment(plan.version.created_at)))
        signed = {s.party_id: s for s in plan.signatures}
        for party in plan.parties.values():
            signature = signed.get(party.id or 0)
            if signature is not None and signature.signed_at is not None:
                value = t("report.signed_on", date=moment(signature.signed_at))
            elif signature is not None and signature.declined_at is not None:
                value = t("report.declined")
            elif signature is None and party.id not in signed and not plan.owned_by(party.id):
                continue  # not asked to sign this version: not part of the plan
            else:
                value = t("report.not_signed")
            doc.field(first_name(party), value, indent=INDENT)
    if plan.plan.evaluation_on is not None:
        doc.field(t("report.evaluation"), a_date(catalog, language, plan.plan.evaluation_on))

    doc.heading(t("report.commitments"))
    numbered = list(enumerate(plan.commitments, start=1))
    for aim in PlanAim:
        items = [(n, c) for n, c in numbered if c.commitment.aim == aim]
        if not items:
            continue
        doc.subheading(t(f"report.aim.{aim}"))
        for number, item in items:
            _commitment(doc, catalog, language, number, item, plan, today, moment)
    if not plan.commitments:
        doc.paragraph(t("report.no_commitments"))
    return doc.output()


def _commitment(doc: PdfDocument, catalog: Catalog, language: str, number: int,
                item: CommitmentRecord, plan: FollowedPlan, today: date,
                moment: Callable[[datetime], str]) -> None:
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    commitment = item.commitment
    doc.paragraph(f"{number}. {commitment.what}", bold=True)
    doc.field(t("report.who"), ", ".join(first_name(p) for p in item.owners) or "–",
              indent=INDENT)
    dates = item.due_dates
    if not dates:
        due = t("report.no_date")
    elif len(dates) == 1:
        due = a_date(catalog, language, dates[0])
    else:
        due = t("report.recurring", every=commitment.every_days, times=len(dates),
                first=a_date(catalog, language, dates[0]),
                last=a_date(catalog, language, dates[-1]))
    doc.field(t("report.due"), due, indent=INDENT)
    checker = plan.parties.get(commitment.checker_party_id or 0)
    if checker is not None:
        doc.field(t("report.checker"), first_name(checker), indent=INDENT)
    doc.field(t("report.status"), state_text(catalog, language, item, today,
                                             plan.case.timezone), indent=INDENT)
    by_occurrence = {c.occurrence: c for c in item.checks}
    for index, day in enumerate(dates):
        check = by_occurrence.get(index)
        if check is None or check.answer is None:
            if day > today:
                continue  # not due yet: nothing to say
            answer = t("report.no_answer")
        else:
            answer = t(f"report.answer.{check.answer}")
            if check.answered_at is not None:
                answer += " " + t("report.answered_on", date=moment(check.answered_at))
        doc.field(t("report.check_of", date=a_date(catalog, language, day)), answer,
                  indent=INDENT)
    if commitment.amount_cents:
        doc.field(t("report.amount"), t("report.paid_of", paid=euros(item.paid_cents, language),
                                        amount=euros(commitment.amount_cents, language)),
                  indent=INDENT)
        for payment in item.payments:
            paid = t("report.instalment", cents=euros(payment.cents, language),
                     date=moment(payment.reported_at))
            if payment.confirmed_at is not None:
                paid += " " + t("report.confirmed")
            doc.paragraph("– " + paid, indent=2 * INDENT)
