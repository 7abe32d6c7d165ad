"""What is stored about a participant, for their own eyes: as text in the chat and as a
file (JSON) they can keep. Everything the bot holds about them, nothing about anyone else."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.catalog import Catalog, role_name
from bot.engine import TalkState, answer_text, answered_steps
from bot.flows import Flow
from bot.models import Case, Party
from bot.talk_store import context_for


@dataclass(frozen=True)
class Held:
    """One party of this person: the case, the party row, and their talk (if any)."""

    case: Case
    party: Party
    flow: Flow | None
    state: TalkState | None
    proposed: tuple[str, ...]  # the names they proposed
    notes: tuple[str, ...]  # what they passed to the coordinator after the talk


def mydata_text(catalog: Catalog, language: str, held: list[Held]) -> str:
    lines = [catalog("mydata.head", language)]
    for item in held:
        party = item.party
        lines.append(catalog("mydata.party", language, reference=item.case.reference,
                             name=party.name,
                             role=role_name(catalog, party.role, language)))
        if item.flow is not None and item.state is not None:
            ctx = context_for(catalog, language, item.case, party)
            for step in answered_steps(item.flow, item.state):
                assert step.label is not None
                shown = answer_text(step, item.state.answers[step.id], ctx, catalog)
                lines.append(f"▪ {step.label.get(language, ctx.variant)}: {shown}")
        lines += [catalog("mydata.note", language, text=note) for note in item.notes]
    if not held:
        lines.append(catalog("mydata.nothing", language))
    lines.append(catalog("mydata.foot", language))
    return "\n".join(lines)


def mydata_file(held: list[Held]) -> bytes:
    data: list[dict[str, Any]] = []
    for item in held:
        party = item.party
        data.append({
            "case": item.case.reference, "role": party.role, "name": party.name,
            "language": party.language, "facts_you_read": party.facts or item.case.facts,
            "recorded": party.recorded(),
            "answers": dict(item.state.answers) if item.state else {},
            "people_you_proposed": list(item.proposed),
            "messages_passed_to_the_coordinator": list(item.notes),
            "invited_on": party.created_at.isoformat(),
        })
    return json.dumps({"herstelbot": data}, ensure_ascii=False, indent=2).encode("utf-8")
