"""The case card: where each party stands, and what the coordinator can do next."""

from __future__ import annotations

from dataclasses import dataclass

from bot import buttons
from bot.buttons import CaseTap, CaseVerb
from bot.catalog import Catalog
from bot.models import Case, Party
from bot.notifications import Keyboard, role_name
from bot.vocabulary import TalkStatus


@dataclass(frozen=True)
class PartyLine:
    party: Party
    talk_status: str | None  # None: the link was not opened yet
    outcome: str | None


def case_card(catalog: Catalog, language: str, case: Case,
              lines: list[PartyLine]) -> tuple[str, Keyboard]:
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    text = [t("card.head", reference=case.reference, variant=t(f"conference.{case.variant}"))]
    for line in lines:
        party = line.party
        if line.talk_status is None:
            status = t("card.not_opened")
        elif line.talk_status == TalkStatus.ENDED:
            status = t(f"card.outcome.{line.outcome}")
        else:
            status = t(f"card.status.{line.talk_status}")
        text.append(t("card.party", name=party.name, status=status,
                      role=role_name(catalog, party.role, language)))
        if party.acknowledged:
            text.append(t(f"card.responsibility.{party.acknowledged}"))
    if not lines:
        text.append(t("card.no_parties"))
    rows: list[tuple[tuple[str, str], ...]] = [
        ((t("button.add_party"), buttons.encode(CaseTap(CaseVerb.ADD_PARTY, case.id or 0))),)]
    rows += [((t("button.new_invite_for", name=line.party.name),
               buttons.encode(CaseTap(CaseVerb.REISSUE, line.party.id or 0))),)
             for line in lines]
    return "\n".join(text), tuple(rows)
