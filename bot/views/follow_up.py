"""The follow-up as people read it: dates in their words, amounts in euros, the check-in's
answer buttons, the snooze choices, and each commitment's lines on the coordinator's card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, CheckReply, ConfirmPaid, Keyboard, ReportPaid, Snooze
from bot.catalog import Catalog
from bot.follow_up_rules import SNOOZES, effective_date, is_overdue
from bot.models import Commitment, CommitmentCheck, Party
from bot.vocabulary import CheckAnswer, CommitmentStatus


def long_date(catalog: Catalog, language: str, day: date) -> str:
    """"maandag 30 november 2026"."""
    return catalog("followup.date", language,
                   weekday=catalog(f"weekday.{day.weekday()}", language), day=day.day,
                   month=catalog(f"month.{day.month}", language), year=day.year)


def money(catalog: Catalog, language: str, cents: int) -> str:
    """"€ 15,50" (nl) or "€15.50" (en)."""
    return catalog("followup.money", language, euros=cents // 100, cents=f"{cents % 100:02d}")


def check_in_keyboard(catalog: Catalog, language: str, check: CommitmentCheck,
                      commitment: Commitment, *, reminder: bool = False) -> Keyboard:
    """Done / partly / not yet / I need help (a reminder: only help); for money, paid."""
    def tap(answer: CheckAnswer) -> tuple[str, str]:
        return (catalog(f"followup.answer.{answer}", language),
                buttons.encode(CheckReply(check.id or 0, answer)))

    rows: list[tuple[tuple[str, str], ...]] = []
    if not reminder:
        rows += [(tap(CheckAnswer.DONE), tap(CheckAnswer.PARTLY)), (tap(CheckAnswer.NOT_YET),)]
    rows.append((tap(CheckAnswer.HELP),))
    if commitment.amount_cents:
        rows.append(((catalog("followup.button.paid", language),
                      buttons.encode(ReportPaid(commitment.id or 0))),))
    return tuple(rows)


def snooze_keyboard(catalog: Catalog, language: str, check: CommitmentCheck) -> Keyboard:
    rows = tuple(((catalog(f"followup.snooze.{days}", language),
                   buttons.encode(Snooze(check.id or 0, days))),) for days in SNOOZES)
    return (*rows, ((catalog("followup.snooze.type", language),
                     buttons.encode(Snooze(check.id or 0, 0))),))


def confirm_keyboard(catalog: Catalog, language: str, payment_id: int) -> Keyboard:
    return (((catalog("followup.button.received", language),
              buttons.encode(ConfirmPaid(payment_id))),),)


@dataclass(frozen=True)
class CommitmentLine:
    """One commitment as the coordinator follows it."""

    commitment: Commitment
    owners: Sequence[Party]
    checks: Sequence[CommitmentCheck]
    paid_cents: int = 0
    confirmed_cents: int = 0


def section_lines(catalog: Catalog, language: str, lines: Sequence[CommitmentLine],
                  today: date) -> list[str]:
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    text = [t("followup.section.head")] if lines else []
    for number, line in enumerate(lines, start=1):
        c = line.commitment
        owners = ", ".join(p.name for p in line.owners) or "-"
        text.append(t("followup.section.commitment", number=number, what=c.what, owners=owners,
                      state=_state(catalog, language, line, today)))
        if c.amount_cents:
            text.append(t("followup.section.paid", paid=money(catalog, language, line.paid_cents),
                          amount=money(catalog, language, c.amount_cents),
                          confirmed=money(catalog, language, line.confirmed_cents)))
        answered = [ch for ch in line.checks if ch.answer is not None]
        if answered:
            last = max(answered, key=lambda ch: (ch.answered_at is not None, ch.answered_at,
                                                 ch.occurrence))
            text.append(t("followup.section.answer", answer=t(f"followup.said.{last.answer}"),
                          date=long_date(catalog, language, effective_date(last))))
    return text


def _state(catalog: Catalog, language: str, line: CommitmentLine, today: date) -> str:
    c = line.commitment
    if c.status == CommitmentStatus.DONE:
        return catalog("followup.state.done", language)
    if c.status == CommitmentStatus.ENDED:
        return catalog("followup.state.ended", language)
    overdue = [ch for ch in line.checks if is_overdue(ch, today)]
    if overdue:
        since = min(effective_date(ch) for ch in overdue)
        return catalog("followup.state.overdue", language,
                       date=long_date(catalog, language, since))
    ahead = [effective_date(ch) for ch in line.checks
             if ch.answer != CheckAnswer.DONE and effective_date(ch) >= today]
    if ahead:
        return catalog("followup.state.open_until", language,
                       date=long_date(catalog, language, min(ahead)))
    return catalog("followup.state.open", language)


def section_rows(catalog: Catalog, language: str, lines: Sequence[CommitmentLine]) -> Keyboard:
    """Done / new date / end, for each commitment still open (by its number)."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if line.commitment.status != CommitmentStatus.OPEN:
            continue
        ref = line.commitment.id or 0
        rows.append(tuple((catalog(f"followup.button.{key}", language, number=number),
                           buttons.encode(CaseTap(verb, ref)))
                          for key, verb in (("done", CaseVerb.COMMITMENT_DONE),
                                            ("date", CaseVerb.COMMITMENT_DATE),
                                            ("end", CaseVerb.COMMITMENT_END))))
    return tuple(rows)
