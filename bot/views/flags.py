"""What a party's recorded facts mean for the coordinator, as short lines: the flags to
discuss before the victim is invited, and the victim's choices. From facts, never answers."""

from __future__ import annotations

from collections.abc import Sequence

from bot.catalog import Catalog
from bot.models import Party
from bot.vocabulary import Role, Variant


def needs_discussion(party: Party) -> bool:
    """An offender's answer that holds the victim's gate until the coordinator decides."""
    return party.role == Role.OFFENDER and (
        party.acknowledged == "partly" or party.wants_to_set_right == "unsure"
        or party.facts_right == "no")


def party_flags(catalog: Catalog, language: str, party: Party, variant: str,
                victims: Sequence[Party] = ()) -> list[str]:
    def t(key: str) -> str:
        return catalog(key, language)

    lines: list[str] = []
    if party.role == Role.OFFENDER:
        if party.acknowledged:
            lines.append(t(f"card.responsibility.{party.acknowledged}"))
        if party.acknowledged == "partly":
            lines.append(t("flag.partly"))
        if party.wants_to_set_right == "unsure":
            lines.append(t("flag.set_right_unsure"))
        if party.facts_right == "no":
            lines.append(t("flag.facts_disputed"))
        if needs_discussion(party):
            lines.append(t("flag.discuss_before_victim"))
    elif party.role == Role.VICTIM:
        if party.willing == "no" and party.instead:
            lines.append(t(f"flag.instead.{party.instead}"))
        if variant == Variant.EIGEN_KRACHT and party.willing == "yes":
            lines.append(t("flag.speaks_first.fixed"))
        elif party.speaks_first:
            lines.append(t(f"flag.speaks_first.{party.speaks_first}"))
            if speaking_order_conflict(victims):
                lines.append(t("flag.speaks_first_conflict"))
    return lines


def speaking_order_conflict(victims: Sequence[Party]) -> bool:
    """Several victims who chose different speaking orders (a choice left to the
    coordinator agrees with any)."""
    chosen = {v.speaks_first for v in victims if v.speaks_first
              and v.speaks_first != "coordinator_decides"}
    return len(chosen) > 1
