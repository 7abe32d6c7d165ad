"""The repair plan as people read it, in their language: its three parts (repair towards the
person harmed, towards the community, so it does not happen again), each commitment with who,
by when, how often, the amount and the follow-up; who is informed; if things go otherwise;
the evaluation; and the signatures. One list of parts makes both the chat text and the PDF,
so they always say the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.catalog import Catalog
from bot.models import Commitment, Party, Signature
from bot.pdf_document import FontFiles, PdfDocument
from bot.plan_store import PlanRecord
from bot.views.conference import first_name
from bot.vocabulary import PlanAim

Kind = Literal["title", "heading", "item", "line", "note"]


@dataclass(frozen=True)
class Part:
    kind: Kind
    text: str


def long_date(catalog: Catalog, language: str, day: date) -> str:
    return catalog("plan.date", language, weekday=catalog(f"weekday.{day.weekday()}", language),
                   day=day.day, month=catalog(f"month.{day.month}", language), year=day.year)


def euro(cents: int) -> str:
    return f"€ {cents // 100},{cents % 100:02d}"


def plan_parts(catalog: Catalog, language: str, record: PlanRecord, *,
               numbered: bool = True, signatures: bool = False) -> list[Part]:
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    version = record.version.number if record.version is not None else 0
    parts = [Part("title", t("plan.title", reference=record.case.reference)),
             Part("note", t("plan.version", number=version) if version else t("plan.draft"))]
    number = 0
    for aim in PlanAim:
        chosen = [c for c in record.commitments if c.aim == aim]
        if not chosen:
            continue
        parts.append(Part("heading", t(f"plan.aim.{aim}")))
        for commitment in chosen:
            number += 1
            parts.append(Part("item", f"{number}. {commitment.what}" if numbered
                              else commitment.what))
            parts += [Part("line", line) for line in _details(
                catalog, language, commitment, record.owners.get(commitment.id or 0, []))]
    if not record.commitments:
        parts.append(Part("note", t("plan.no_commitments")))
    plan = record.plan
    parts.append(Part("heading", t("plan.more")))
    parts.append(Part("line", t("plan.inform", text=plan.inform or t("plan.not_set"))))
    parts.append(Part("line", t("plan.otherwise", text=plan.otherwise or t("plan.not_set"))))
    parts.append(Part("line", t("plan.evaluation", when=long_date(
        catalog, language, plan.evaluation_on) if plan.evaluation_on
        else t("plan.evaluation_default"))))
    if signatures:
        parts.append(Part("heading", t("plan.signatures")))
        parts += [Part("line", line) for line in signature_lines(
            catalog, language, record.signatures, record.parties, record.case.timezone)]
        if record.version is not None and record.version.digest:
            parts.append(Part("note", t("plan.digest", digest=record.version.digest)))
    return parts


def _details(catalog: Catalog, language: str, commitment: Commitment,
             owners: Sequence[Party]) -> list[str]:
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    lines = [t("plan.who", names=", ".join(first_name(p) for p in owners) or t("plan.nobody"))]
    if commitment.due_on is not None:
        when = long_date(catalog, language, commitment.due_on)
        if commitment.every_days:
            lines.append(t("plan.recurring", first=when, times=commitment.times or 1,
                           every=t(f"plan.every.{commitment.every_days}")))
        else:
            lines.append(t("plan.by", when=when))
    if commitment.amount_cents:
        lines.append(t("plan.amount", amount=euro(commitment.amount_cents)))
    if commitment.follow_up:
        lines.append(t("plan.follow_up", text=commitment.follow_up))
    return lines


def signature_lines(catalog: Catalog, language: str, signatures: Sequence[Signature],
                    parties: dict[int, Party], timezone: str) -> list[str]:
    """Who signed when, who will not sign (and why), who has not yet."""
    lines = []
    for signature in signatures:
        party = parties.get(signature.party_id)
        name = first_name(party) if party else "?"
        if signature.signed_at is not None:
            lines.append(catalog("plan.signed_by", language, name=name,
                                 when=_when(signature.signed_at, timezone)))
        elif signature.declined_at is not None:
            lines.append(catalog("plan.declined_by", language, name=name))
        else:
            lines.append(catalog("plan.not_signed_by", language, name=name))
    return lines


def _when(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%d-%m-%Y %H:%M")


def plan_text(parts: Sequence[Part]) -> str:
    shaped = {"title": "{}", "heading": "\n{}", "item": "{}", "line": "   {}", "note": "{}"}
    return "\n".join(shaped[part.kind].format(part.text) for part in parts)


def plan_pdf(parts: Sequence[Part], catalog: Catalog, language: str, reference: str,
             fonts: FontFiles | None) -> bytes:
    doc = PdfDocument(title=parts[0].text, language=language, fonts=fonts,
                      footer=lambda page, pages: catalog("plan.footer", language,
                                                         reference=reference, page=page,
                                                         pages=pages))
    for part in parts[1:]:
        if part.kind == "heading":
            doc.heading(part.text)
        elif part.kind == "item":
            doc.paragraph(part.text, bold=True)
        elif part.kind == "line":
            doc.paragraph(part.text, indent=5)
        else:
            doc.paragraph(part.text)
    return doc.output()
