"""Mermaid diagrams drawn from the flow files, for the README: the picture cannot drift."""

from __future__ import annotations

import re

from bot.flows import Flow, FlowRegistry, StepKind
from bot.flows.conditions import describe

SHAPES = {StepKind.END: ("([", "])"), StepKind.CHOICE: ("{", "}"), StepKind.REVIEW: ("[[", "]]")}
START, END = "<!-- flows:start -->", "<!-- flows:end -->"


def mermaid(flow: Flow, language: str = "en") -> str:
    lines = ["flowchart TD"]
    for step in flow.steps.values():
        label = step.label.get(language) if step.label else step.id
        if step.kind is StepKind.END:
            label = f"end: {step.outcome}"
        if step.records:
            label = f"{label} (records: {step.records})"
        opening, closing = SHAPES.get(step.kind, ("[", "]"))
        lines.append(f'    {_node(step.id)}{opening}"{_safe(label)}"{closing}')
    for step in flow.steps.values():
        for option in step.options:
            label = _safe(option.label.get(language))
            if option.next:
                lines.append(f'    {_node(step.id)} -->|"{label}"| {_node(option.next)}')
            elif option.action:
                lines.append(f'    {_node(step.id)} -.->|"{label}: {option.action}"| '
                             f"{_node(step.id)}")
        if step.kind is StepKind.CHOICE and any(o.next for o in step.options):
            continue
        for branch in step.next:
            if branch.when is None:
                lines.append(f"    {_node(step.id)} --> {_node(branch.goto)}")
            else:
                lines.append(f'    {_node(step.id)} -->|"{_safe(describe(branch.when))}"| '
                             f"{_node(branch.goto)}")
    return "\n".join(lines)


def readme_section(flows: FlowRegistry) -> str:
    parts = [START]
    for flow_id in flows.ids():
        flow = flows.latest(flow_id)
        parts += [f"#### `{flow.id}` (v{flow.version}): {flow.title.get('en')}", "",
                  "```mermaid", mermaid(flow), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def replace_section(readme: str, section: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise ValueError("README has no flows section markers")
    return pattern.sub(lambda _: section, readme)


def current_section(readme: str) -> str:
    match = re.search(re.escape(START) + ".*?" + re.escape(END), readme, re.S)
    return match.group(0) if match else ""


def _node(step_id: str) -> str:
    return "s_" + step_id.replace("-", "_")


def _safe(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")
