"""A case as a PDF its coordinator can read or print, in the coordinator's language: the same
data as the JSON export (`CaseRecord`), with the answers under the labels the coordinator
reads everywhere else (`labelled_answers`), and "confidential" on every page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.catalog import Catalog, role_name
from bot.flows import FlowRegistry
from bot.lifecycle import CaseRecord, PartyRecord
from bot.models import Case, Proposal, Talk
from bot.pdf_document import FontFiles, PdfDocument
from bot.talk_store import load
from bot.views.summary import labelled_answers
from bot.vocabulary import TalkStatus

INDENT = 5  # mm: a party's answers under its details


def case_pdf(record: CaseRecord, flows: FlowRegistry, catalog: Catalog, language: str,
             fonts: FontFiles | None, made: datetime) -> bytes:
    case = record.case

    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    doc = PdfDocument(title=t("export.title", reference=case.reference), language=language,
                      fonts=fonts, footer=lambda page, pages: t(
                          "export.footer", reference=case.reference, page=page, pages=pages))
    doc.field(t("export.method"), t(f"conference.{case.variant}"))
    doc.field(t("export.created"), _when(case, case.created_at))
    doc.field(t("export.closed"), _when(case, case.closed_at) if case.closed_at
              else t("export.not_closed"))
    if case.outcome:
        doc.field(t("export.outcome"), _word(catalog, language, f"outcome.{case.outcome}",
                                             case.outcome))
    if case.erased_at is not None:
        doc.field(t("export.erased"), _when(case, case.erased_at))
    doc.field(t("export.made"), _when(case, made))
    doc.heading(t("export.facts"))
    doc.paragraph(case.facts)
    doc.heading(t("export.parties"))
    names = {item.party.id: item.party.name for item in record.parties}
    for item in record.parties:
        _party(doc, item, names, flows, catalog, language, case)
    if not record.parties:
        doc.paragraph(t("card.no_parties"))
    doc.heading(t("export.proposals"))
    for proposal in record.proposals:
        _proposal(doc, proposal, names, catalog, language)
    if not record.proposals:
        doc.paragraph(t("export.no_proposals"))
    return doc.output()


def _party(doc: PdfDocument, item: PartyRecord, names: dict[int | None, str],
           flows: FlowRegistry, catalog: Catalog, language: str, case: Case) -> None:
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    party, talk = item.party, item.talk
    doc.subheading(party.name)
    doc.field(t("export.role"), role_name(catalog, party.role, language))
    doc.field(t("export.language"),
              _word(catalog, language, f"language.of.{party.language}", party.language))
    if party.supports_party_id in names:
        doc.field(t("export.supports"), names[party.supports_party_id])
    if party.facts:
        doc.field(t("export.own_facts"), party.facts)
    doc.field(t("export.talk"), talk_status(catalog, language, talk))
    recorded = party.recorded()
    if recorded:
        doc.paragraph(t("export.recorded"), bold=True)
        for fact, value in recorded.items():
            doc.field(_word(catalog, language, f"export.fact.{fact}", fact),
                      _word(catalog, language, f"export.value.{value}", value), indent=INDENT)
    if talk is None or not talk.answers:
        return
    doc.paragraph(t("export.answers"), bold=True)
    for label, shown in _answers(talk, flows, catalog, language, case, item):
        doc.paragraph(label, bold=True, indent=INDENT)
        doc.paragraph(shown, indent=INDENT)


def _answers(talk: Talk, flows: FlowRegistry, catalog: Catalog, language: str, case: Case,
             item: PartyRecord) -> list[tuple[str, str]]:
    """Under the coordinator's labels; under the answers' own keys when the talk's flow is
    no longer known, so nothing stored is left out."""
    try:
        loaded = load(talk, flows)
    except KeyError:
        return [(key, str(value)) for key, value in talk.answers.items()]
    return labelled_answers(loaded.flow, loaded.state, catalog, language, case, item.party)


def _proposal(doc: PdfDocument, proposal: Proposal, names: dict[int | None, str],
              catalog: Catalog, language: str) -> None:
    def t(key: str) -> str:
        return catalog(key, language)

    doc.paragraph(proposal.name, bold=True)
    doc.field(t("export.role"), role_name(catalog, proposal.role, language), indent=INDENT)
    if proposal.relation:
        doc.field(t("export.relation"), proposal.relation, indent=INDENT)
    if proposal.proposed_by_party_id in names:
        doc.field(t("export.proposed_by"), names[proposal.proposed_by_party_id], indent=INDENT)
    decision = ("export.invited" if proposal.party_id is not None
                else "export.declined" if proposal.declined_at is not None
                else "export.waiting")
    doc.field(t("export.decision"), t(decision), indent=INDENT)


def talk_status(catalog: Catalog, language: str, talk: Talk | None) -> str:
    """Where a party's talk stands, in the case card's words."""
    if talk is None:
        return catalog("export.no_talk", language)
    if talk.status == TalkStatus.ARCHIVED:
        return catalog("export.talk_archived", language)
    if talk.status == TalkStatus.ENDED:
        return _word(catalog, language, f"card.outcome.{talk.outcome}", talk.status)
    return _word(catalog, language, f"card.status.{talk.status}", talk.status)


def _word(catalog: Catalog, language: str, key: str, value: str) -> str:
    """The catalogue's word for a stored value; the value itself should a later version have
    stored one the catalogue does not know (an export must not fail on it)."""
    return catalog(key, language) if catalog.has(key) else value


def _when(case: Case, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(case.timezone)).strftime("%Y-%m-%d %H:%M")
