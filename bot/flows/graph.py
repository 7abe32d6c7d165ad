"""A flow's shape: no step that cannot be reached, and none a talk could get stuck in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from bot.flows.conditions import AnswerIn, referenced_steps
from bot.flows.model import Flow, StepKind
from bot.vocabulary import PartyFact


class Reader(Protocol):
    problems: list[str]

    def fail(self, where: str, message: str) -> None: ...


def check_graph(flow: Flow, reader: Reader) -> None:
    """Every target exists, every step is reachable and leads to an end."""
    steps = flow.steps
    if flow.start not in steps:
        reader.fail("flow", f"start step '{flow.start}' does not exist")
        return
    for step in steps.values():
        where = f"step '{step.id}'"
        for target in step.targets():
            if target not in steps:
                reader.fail(where, f"goes to '{target}', which does not exist")
        if step.kind is StepKind.CHOICE:
            if not step.next and any(o.next is None and o.action is None for o in step.options):
                reader.fail(where, "has an option without next and no step-level next")
        elif step.kind is not StepKind.END and not step.next:
            reader.fail(where, "has no way out (add 'next')")
        for branch in step.next:
            if branch.when is None:
                continue
            for ref in referenced_steps(branch.when):
                referred = steps.get(ref.step)
                if referred is None:
                    reader.fail(where, f"a condition names step '{ref.step}', which does not exist")
                elif isinstance(ref, AnswerIn) and referred.kind is StepKind.CHOICE:
                    known = {o.value for o in referred.options}
                    for value in ref.values:
                        if value not in known:
                            reader.fail(where, f"a condition expects '{value}' from "
                                        f"'{ref.step}', which has no such option")
    recorded: dict[PartyFact, str] = {}
    for step in steps.values():
        if step.records is None:
            continue
        if step.records in recorded:
            reader.fail(f"step '{step.id}'", f"records '{step.records}', which step "
                        f"'{recorded[step.records]}' records already (one step per fact)")
        recorded.setdefault(step.records, step.id)
    if reader.problems:
        return
    reachable = _walk([flow.start], lambda s: steps[s].targets())
    for sid in steps:
        if sid not in reachable:
            reader.fail(f"step '{sid}'", "cannot be reached from the start")
    ends = [s.id for s in steps.values() if s.kind is StepKind.END]
    if not ends:
        reader.fail("flow", "has no end step")
        return
    reverse: dict[str, list[str]] = {sid: [] for sid in steps}
    for step in steps.values():
        for target in step.targets():
            reverse[target].append(step.id)
    finishing = _walk(ends, lambda s: reverse[s])
    for sid in steps:
        if sid in reachable and sid not in finishing:
            reader.fail(f"step '{sid}'", "never leads to an end (a talk would be stuck)")


def _walk(starts: Iterable[str], neighbours: Any) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(neighbours(current))
    return seen
