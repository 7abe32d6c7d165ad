"""The case card: where each party stands, what is missing before the conference can be
planned, and the method's next step, with what the coordinator can do about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, Keyboard
from bot.catalog import Catalog, role_name
from bot.models import Case, Party, Proposal
from bot.views.flags import needs_discussion, party_flags
from bot.views.invite import proposal_rows
from bot.vocabulary import Outcome, Role, TalkStatus

QUIET_DAYS = 3  # a link not opened for this long is worth a word


@dataclass(frozen=True)
class PartyLine:
    party: Party
    talk_status: str | None  # None: no talk yet
    outcome: str | None
    held: bool = False  # a victim who opened the link before the gate opened
    days_invited: int = 0  # since the newest link was made
    supported: str | None = None  # a supporter's: whom they support
    availability: str | None = None
    needs: str | None = None
    facts_changed: datetime | None = None  # when the facts this party reads last changed

    @property
    def done(self) -> bool:
        return self.talk_status == TalkStatus.ENDED


@dataclass(frozen=True)
class Section:
    """A capability's part of the card (e.g. the conference): its lines and its buttons."""

    lines: Sequence[str] = ()
    rows: Keyboard = ()


def case_card(catalog: Catalog, language: str, case: Case, lines: Sequence[PartyLine],
              proposals: Sequence[Proposal], section: Section = Section()) -> tuple[str, Keyboard]:
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    victims = [line.party for line in lines if line.party.role == Role.VICTIM]
    text = [t("card.head", reference=case.reference, variant=t(f"conference.{case.variant}"))]
    for line in lines:
        party = line.party
        role = role_name(catalog, party.role, language)
        if line.supported:
            role = t("card.supporter_of", role=role, name=line.supported)
        status = _status(catalog, language, line)
        text.append(t("card.party", name=party.name, role=role, status=status))
        text += [f"  {flag}" for flag in party_flags(catalog, language, party, case.variant,
                                                     victims)]
        if line.facts_changed is not None:
            changed = line.facts_changed.date().isoformat()
            text.append("  " + t("card.facts_changed", date=changed))
    if not lines:
        text.append(t("card.no_parties"))
    waiting = [p for p in proposals if p.party_id is None and p.declined_at is None]
    if waiting:
        text.append(t("card.proposals", names=", ".join(p.name for p in waiting)))
    for key, values in (("card.availability", [(ln.party.name, ln.availability) for ln in lines]),
                        ("card.needs", [(ln.party.name, ln.needs) for ln in lines])):
        shown = [f"  {name}: {value}" for name, value in values if value]
        if shown:
            text.append(t(key) + "\n" + "\n".join(shown))
    text += section.lines
    if case.erased_at is not None:
        text.append(t("card.erased", date=case.erased_at.date().isoformat()))
    elif case.closed_at is not None:
        text.append(t("card.closed", date=case.closed_at.date().isoformat()))
        text.append(t("card.outcome", outcome=t(f"outcome.{case.outcome}")) if case.outcome
                    else t("card.no_outcome"))
    else:
        text.append(t("card.next", step=t(f"next.{next_step(lines, waiting)}")))
    return "\n".join(text), _keyboard(catalog, language, case, lines, waiting, section.rows)


def _status(catalog: Catalog, language: str, line: PartyLine) -> str:
    if line.party.unreachable_at is not None:
        return catalog("card.unreachable", language)
    if line.held:
        return catalog("card.held", language)
    if line.talk_status is None:
        if line.days_invited >= QUIET_DAYS:
            return catalog("card.not_opened_days", language, days=line.days_invited)
        return catalog("card.not_opened", language)
    if line.talk_status == TalkStatus.ENDED:
        return catalog(f"card.outcome.{line.outcome}", language)
    return catalog(f"card.status.{line.talk_status}", language)


def next_step(lines: Sequence[PartyLine], waiting: Sequence[Proposal]) -> str:
    """The method's order: the offender first, then the victim, then everyone else."""
    offenders = [ln for ln in lines if ln.party.role == Role.OFFENDER]
    victims = [ln for ln in lines if ln.party.role == Role.VICTIM]
    others = [ln for ln in lines if ln.party.role not in (Role.OFFENDER, Role.VICTIM)]
    if not offenders:
        return "add_offender"
    if any(ln.outcome == Outcome.PRECONDITION_NOT_MET for ln in offenders):
        return "precondition_not_met"
    if not any(ln.done for ln in offenders):
        return "offender_talk"
    if any(needs_discussion(ln.party) for ln in offenders):
        return "discuss_with_offender"
    if not victims:
        return "add_victim"
    if any(ln.held for ln in victims):
        return "victim_held"
    if not all(ln.done for ln in victims):
        return "victim_talk"
    if waiting:
        return "proposals"
    if not all(ln.done for ln in [*offenders, *others]):
        return "others_talks"
    return "ready"


def _keyboard(catalog: Catalog, language: str, case: Case, lines: Sequence[PartyLine],
              waiting: Sequence[Proposal], section_rows: Keyboard) -> Keyboard:
    def tap(verb: CaseVerb, ref: int | None) -> str:
        return buttons.encode(CaseTap(verb, ref or 0))

    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    rows: list[tuple[tuple[str, str], ...]] = [
        ((t("button.add_party"), tap(CaseVerb.ADD_PARTY, case.id)),)]
    for line in lines:
        party = line.party
        row = [(t("button.new_invite_for", name=party.name), tap(CaseVerb.REISSUE, party.id))]
        if line.talk_status is not None:
            row.append((t("button.answers_of", name=party.name), tap(CaseVerb.ANSWERS, party.id)))
        if party.role == Role.OFFENDER:
            row.append((t("button.edit_facts", name=party.name),
                        tap(CaseVerb.EDIT_FACTS, party.id)))
        if line.talk_status in (TalkStatus.ACTIVE, TalkStatus.PAUSED):
            row.append((t("button.nudge", name=party.name), tap(CaseVerb.NUDGE, party.id)))
        if line.held or (party.role == Role.VICTIM and line.talk_status is None
                         and party.released_at is None):
            row.append((t("button.release", name=party.name), tap(CaseVerb.RELEASE, party.id)))
        rows += [tuple(row[i:i + 2]) for i in range(0, len(row), 2)]  # two a row: readable
    rows += proposal_rows(catalog, language, list(waiting))
    rows += section_rows
    if case.erased_at is None:
        closing = [(t("button.export_case"), tap(CaseVerb.EXPORT, case.id))]
        if case.closed_at is None:
            closing.append((t("button.close_case"), tap(CaseVerb.CLOSE, case.id)))
        else:
            closing.append((t("button.outcome"), tap(CaseVerb.OUTCOME, case.id)))
        closing.append((t("button.erase_case"), tap(CaseVerb.ERASE_CASE, case.id)))
        rows += [tuple(closing[i:i + 2]) for i in range(0, len(closing), 2)]
        rows.append(((t("button.script"), tap(CaseVerb.SCRIPT, case.id)),))
    return tuple(rows)
