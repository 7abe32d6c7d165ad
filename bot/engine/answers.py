"""How answers read (in a review and in the coordinator's summary), which steps hold one,
and how a talk moves onto another version of its flow keeping what still fits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.catalog import Catalog
from bot.engine.values import Context, TalkState
from bot.flows.model import Flow, Step, StepKind


def migrate(state: TalkState, flow: Flow) -> TalkState:
    """Moves a talk onto another version of its flow, keeping what still fits.

    Answers to steps that still exist are kept; the talk resumes at its step if that still
    exists, otherwise at the first step on the new path that has no answer yet.
    """
    answers = {k: v for k, v in state.answers.items() if k in flow.steps}
    path = tuple(s for s in state.path if s in flow.steps) or (flow.start,)
    step = state.step if state.step in flow.steps else path[-1]
    if step not in flow.steps or (state.step not in flow.steps and step in answers):
        step = next((s for s in path if s not in answers), path[-1])
    if path[-1] != step:
        path = (*path[: path.index(step)], step) if step in path else (*path, step)
    return replace(state, flow_version=flow.version, answers=answers, path=path, step=step,
                   draft=None, editing=None, pending=None)


def answer_text(step: Step, value: Any, ctx: Context, catalog: Catalog) -> str:
    """How an answer reads in a review or a coordinator's summary."""
    lang = ctx.language
    if value is None:
        return catalog("answer.skipped", lang)
    if step.kind is StepKind.CHOICE:
        option = step.option(str(value))
        return option.label.get(lang, ctx.variant) if option else str(value)
    if step.kind is StepKind.LIST:
        if not value:
            return catalog("answer.nobody", lang)
        return "\n".join(
            "• " + ", ".join(str(item.get(f.id) or "–") for f in step.fields) for item in value
        )
    return str(value)


def answered_steps(flow: Flow, state: TalkState) -> list[Step]:
    """The steps on the talk's path that hold an answer, in the order they were asked."""
    return [flow.step(s) for s in dict.fromkeys(state.path)
            if s in flow.steps and flow.step(s).label is not None and s in state.answers]
