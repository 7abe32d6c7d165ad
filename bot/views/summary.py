"""A participant's answers as the coordinator reads them, under labels written for the
coordinator (`summary_label`), not the participant's own ("Jouw verhaal")."""

from __future__ import annotations

from bot.catalog import Catalog
from bot.engine import TalkState, answer_text, answered_steps
from bot.flows import Flow
from bot.models import Case, Party
from bot.talk_store import context_for


def answers_summary(flow: Flow, state: TalkState, catalog: Catalog, language: str, case: Case,
                    party: Party) -> str:
    lines = [f"▪ {label}:\n{shown}"
             for label, shown in labelled_answers(flow, state, catalog, language, case, party)]
    return "\n".join(lines) if lines else catalog("notify.no_answers", language)


def labelled_answers(flow: Flow, state: TalkState, catalog: Catalog, language: str, case: Case,
                     party: Party) -> list[tuple[str, str]]:
    """(label, answer as shown) per answered question, in the order they were asked; also for
    the case export (PDF), so the coordinator reads the same words everywhere."""
    ctx = context_for(catalog, language, case, party)
    labelled = []
    for step in answered_steps(flow, state):
        label = step.summary_label or step.label
        assert label is not None
        shown = answer_text(step, state.answers[step.id], ctx, catalog)
        if step.id in state.first:
            was = answer_text(step, state.first[step.id], ctx, catalog)
            shown = catalog("summary.changed", language, now=shown, first=was)
        labelled.append((label.get(language, ctx.variant), shown))
    return labelled
