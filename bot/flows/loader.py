"""Reads flow files and refuses any that a talk could get lost in.

Every problem is collected and reported at once, each naming the file and the step, so a
method owner who edits a flow sees everything to mend in one go.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot import SUPPORTED_LANGUAGES
from bot.flows.conditions import ConditionError, parse_condition
from bot.flows.graph import check_graph
from bot.flows.model import (
    FIELD_ID_PATTERN,
    MAX_FIELD_ID,
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_STEP_ID,
    OPTION_VALUE_PATTERN,
    STEP_ID_PATTERN,
    Branch,
    Field,
    Flow,
    LocalText,
    Option,
    Step,
    StepKind,
    TextFormat,
)
from bot.vocabulary import (
    FLOW_OUTCOMES,
    PARTY_FACT_VALUES,
    Audience,
    Outcome,
    PartyFact,
    Role,
    Variant,
)

PLACEHOLDERS = frozenset({"name", "facts", "reference", "conference", "proposed", "proposer",
                          "supported", "timezone", "availability"})
OPTION_ACTIONS = ("pause", "think")  # think: pause, with one gentle follow-up later
MAX_TEXT_LENGTH = 4000  # Telegram caps a message at 4096 characters


class FlowError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in this flow:\n{listed}")


@dataclass
class _Reader:
    source: str
    problems: list[str] = field(default_factory=list)

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, where: str, raw: Any) -> LocalText:
        if not isinstance(raw, Mapping) or not raw:
            self.fail(where, "needs a text per language (nl, en)")
            return LocalText(dict.fromkeys(SUPPORTED_LANGUAGES, ""))
        if set(raw) <= set(Variant):
            variants = {Variant(v): self._languages(f"{where}.{v}", raw[v]) for v in raw}
            missing = [v.value for v in Variant if v not in raw]
            if missing:
                self.fail(where, f"is written per variant but misses {', '.join(missing)}")
            return LocalText({}, variants)
        return LocalText(self._languages(where, raw))

    def _languages(self, where: str, raw: Any) -> dict[str, str]:
        if not isinstance(raw, Mapping):
            self.fail(where, "needs a text per language (nl, en)")
            return dict.fromkeys(SUPPORTED_LANGUAGES, "")
        texts: dict[str, str] = {}
        for lang in SUPPORTED_LANGUAGES:
            value = raw.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.fail(where, f"has no text in language '{lang}'")
                value = ""
            texts[lang] = value
        extra = set(raw) - set(SUPPORTED_LANGUAGES)
        if extra:
            self.fail(where, f"has unknown language(s) {sorted(extra)}")
        fields_per_lang = {lang: placeholders(t, self, where) for lang, t in texts.items()}
        unknown = set().union(*fields_per_lang.values()) - PLACEHOLDERS
        if unknown:
            self.fail(where, f"uses unknown placeholder(s) {sorted(unknown)}; known: "
                      f"{sorted(PLACEHOLDERS)}")
        if len({frozenset(f) for f in fields_per_lang.values()}) > 1:
            self.fail(where, "uses different placeholders in different languages")
        return texts


def placeholders(text: str, reader: _Reader | None = None, where: str = "") -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        if reader is not None:
            reader.fail(where, f"has a broken placeholder ({exc}); write {{{{ for a literal brace")
        return set()


def load_flow(path: Path) -> Flow:
    reader = _Reader(path.name)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FlowError(path.name, [f"is not valid YAML: {exc}"]) from exc
    flow = parse_flow(raw, reader)
    if reader.problems or flow is None:
        raise FlowError(path.name, reader.problems or ["could not be read"])
    return flow


def parse_flow(raw: Any, reader: _Reader) -> Flow | None:
    if not isinstance(raw, Mapping):
        reader.fail("flow", "must be a mapping with id, version, start and steps")
        return None
    for key in ("id", "version", "audience", "title", "start", "steps"):
        if key not in raw:
            reader.fail("flow", f"misses '{key}'")
    if reader.problems:
        return None
    if not isinstance(raw["version"], int) or raw["version"] < 1:
        reader.fail("flow", "version must be a whole number from 1 up")
    audience = _member(Audience, raw["audience"])
    if audience is None:
        reader.fail("flow", f"audience must be one of {[a.value for a in Audience]}")
    role = _member(Role, raw.get("role"))
    if audience is Audience.PARTICIPANT and role is None:
        reader.fail("flow", f"a participant flow needs a role, one of {[r.value for r in Role]}")
    if audience is Audience.COORDINATOR and "role" in raw:
        reader.fail("flow", "a coordinator flow has no role")
    raw_steps = raw["steps"]
    if not isinstance(raw_steps, list) or not raw_steps:
        reader.fail("flow", "steps must be a non-empty list")
        return None
    steps: dict[str, Step] = {}
    for index, raw_step in enumerate(raw_steps):
        step = _parse_step(raw_step, index, audience, reader)
        if step is None:
            continue
        if step.id in steps:
            reader.fail(f"step '{step.id}'", "is declared twice (step ids must be unique)")
            continue
        steps[step.id] = step
    flow = Flow(
        id=str(raw["id"]),
        version=int(raw["version"]) if isinstance(raw["version"], int) else 0,
        audience=audience or Audience.PARTICIPANT,  # a wrong audience was reported above
        role=role,
        title=reader.text("title", raw["title"]),
        start=str(raw["start"]),
        steps=steps,
    )
    check_graph(flow, reader)
    return flow


def _parse_step(raw: Any, index: int, audience: Audience | None,
                reader: _Reader) -> Step | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
        reader.fail(f"step #{index + 1}", "needs an 'id'")
        return None
    sid = raw["id"]
    where = f"step '{sid}'"
    if len(sid) > MAX_STEP_ID or not STEP_ID_PATTERN.match(sid):
        reader.fail(where, f"a step id is at most {MAX_STEP_ID} characters: lower-case letters, "
                    "digits and _, starting with a letter (it travels in button data)")
    try:
        kind = StepKind(str(raw.get("kind")))
    except ValueError:
        reader.fail(where, f"kind must be one of {[k.value for k in StepKind]}")
        return None
    known = {"id", "kind", "text", "label", "options", "next", "optional", "max_length", "fields",
             "more", "add_label", "done_label", "outcome", "summary_label", "records",
             "format", "for_conference"}
    unknown = set(raw) - known
    if unknown:
        reader.fail(where, f"has unknown key(s) {sorted(unknown)}")
    participant = audience is Audience.PARTICIPANT
    label = reader.text(f"{where}.label", raw["label"]) if "label" in raw else None
    if kind in (StepKind.TEXT, StepKind.CHOICE, StepKind.LIST) and label is None:
        reader.fail(where, "needs a short 'label' (shown in the review and the summary)")
    summary_label = (reader.text(f"{where}.summary_label", raw["summary_label"])
                     if "summary_label" in raw else None)
    if participant and label is not None and summary_label is None:
        reader.fail(where, "needs a 'summary_label' (the coordinator's label for this answer in "
                    "the summary, e.g. 'Eigen verhaal' for the participant's 'Jouw verhaal')")
    if audience is Audience.COORDINATOR and summary_label is not None:
        reader.fail(where, "a coordinator's form has no 'summary_label' (its 'label' is enough)")
    if summary_label is not None and label is None:
        reader.fail(where, "has a 'summary_label' but no 'label'")
    max_length = raw.get("max_length", 1500)
    if not isinstance(max_length, int) or not 1 <= max_length <= MAX_TEXT_LENGTH:
        reader.fail(where, f"max_length must be between 1 and {MAX_TEXT_LENGTH}")
        max_length = 1500
    options = tuple(_parse_option(o, f"{where}.options[{i}]", reader)
                    for i, o in enumerate(raw.get("options") or []))
    if kind is StepKind.CHOICE and not options:
        reader.fail(where, "is a choice without options")
    if kind is not StepKind.CHOICE and options:
        reader.fail(where, "has options but is not a choice")
    if len(options) > MAX_OPTIONS:
        reader.fail(where, f"has {len(options)} options; at most {MAX_OPTIONS}")
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        reader.fail(where, "has two options with the same value")
    records = _parse_records(raw.get("records"), kind, participant, options, where, reader)
    text_format = _member(TextFormat, raw.get("format"))
    if raw.get("format") is not None and (text_format is None or kind is not StepKind.TEXT):
        reader.fail(where, f"format must be one of {[f.value for f in TextFormat]}, on a text "
                    "step")
    for_conference = _parse_for_conference(raw.get("for_conference", False), kind, participant,
                                           where, reader)
    fields = tuple(_parse_field(f, f"{where}.fields[{i}]", reader)
                   for i, f in enumerate(raw.get("fields") or []))
    if kind is StepKind.LIST and not fields:
        reader.fail(where, "is a list without fields")
    field_ids = [f.id for f in fields]
    if len(set(field_ids)) != len(field_ids):
        reader.fail(where, "has two fields with the same id")
    outcome = _member(Outcome, raw.get("outcome"))
    if kind is StepKind.END and outcome not in FLOW_OUTCOMES:
        reader.fail(where, "an end step needs an outcome, one of "
                    f"{sorted(o.value for o in FLOW_OUTCOMES)}")
    if kind is not StepKind.END and raw.get("outcome") is not None:
        reader.fail(where, "only an end step has an outcome")
    if kind is StepKind.END and raw.get("next"):
        reader.fail(where, "an end step has no next")
    if kind is StepKind.END and audience is Audience.COORDINATOR and "text" not in raw:
        text = LocalText.blank()  # the use case answers when a coordinator's form ends
    else:
        text = reader.text(f"{where}.text", raw.get("text"))
    return Step(
        id=sid,
        kind=kind,
        text=text,
        label=label,
        options=options,
        next=_parse_next(raw.get("next"), where, reader),
        optional=bool(raw.get("optional", False)),
        max_length=max_length,
        fields=fields,
        more=reader.text(f"{where}.more", raw["more"]) if "more" in raw else None,
        add_label=reader.text(f"{where}.add_label", raw["add_label"]) if "add_label" in raw
        else None,
        done_label=reader.text(f"{where}.done_label", raw["done_label"]) if "done_label" in raw
        else None,
        outcome=outcome,
        summary_label=summary_label,
        records=records,
        format=text_format if kind is StepKind.TEXT else None,
        for_conference=for_conference,
    )


def _parse_records(raw: Any, kind: StepKind, participant: bool, options: tuple[Option, ...],
                   where: str, reader: _Reader) -> PartyFact | None:
    """`records: FACT` keeps a choice's answer on the party, so later rules read a fact."""
    if raw is None:
        return None
    fact = _member(PartyFact, raw)
    if fact is None:
        reader.fail(where, f"records an unknown party fact {raw!r}; known: "
                    f"{[f.value for f in PartyFact]}")
        return None
    if kind is not StepKind.CHOICE or not participant:
        reader.fail(where, "only a choice step of a participant's flow records a party fact")
        return None
    allowed = PARTY_FACT_VALUES[fact]
    for option in options:
        if option.action is None and option.value not in allowed:
            reader.fail(where, f"records '{fact}', which cannot be '{option.value}'; "
                        f"it takes {sorted(allowed)}")
    return fact


def _parse_for_conference(raw: Any, kind: StepKind, participant: bool, where: str,
                          reader: _Reader) -> bool:
    """`for_conference: true`: the participant writes this answer to be shared at the
    conference, so the coordinator's script shows it; no other answer ever leaves the case."""
    if not isinstance(raw, bool):
        reader.fail(where, "for_conference is true or false")
        return False
    if raw and (kind not in (StepKind.TEXT, StepKind.LIST) or not participant):
        reader.fail(where, "only a text or list step of a participant's flow is for_conference")
        return False
    return raw


def _parse_option(raw: Any, where: str, reader: _Reader) -> Option:
    if not isinstance(raw, Mapping) or "value" not in raw:
        reader.fail(where, "an option needs a value and a label")
        return Option("?", LocalText({}))
    value = str(raw["value"])
    if len(value) > MAX_OPTION_VALUE or not OPTION_VALUE_PATTERN.match(value):
        reader.fail(where, f"an option value is at most {MAX_OPTION_VALUE} characters: letters, "
                    f"digits, _ and - (got {value!r})")
    action = raw.get("action")
    if action is not None and action not in OPTION_ACTIONS:
        reader.fail(where, f"unknown action {action!r}; known: {OPTION_ACTIONS}")
    if action is not None and raw.get("next"):
        reader.fail(where, "an option has either a next step or an action, not both")
    return Option(
        value=value,
        label=reader.text(f"{where}.label", raw.get("label")),
        next=str(raw["next"]) if raw.get("next") else None,
        action=action,
    )


def _parse_field(raw: Any, where: str, reader: _Reader) -> Field:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
        reader.fail(where, "a field needs an id, a text and a label")
        return Field("?", LocalText({}), LocalText({}))
    fid = raw["id"]
    if len(fid) > MAX_FIELD_ID or not FIELD_ID_PATTERN.match(fid):
        reader.fail(where, f"a field id is at most {MAX_FIELD_ID} characters: lower-case letters, "
                    f"digits and _, starting with a letter (got {fid!r})")
    max_length = raw.get("max_length", 200)
    if not isinstance(max_length, int) or not 1 <= max_length <= MAX_TEXT_LENGTH:
        reader.fail(where, f"max_length must be between 1 and {MAX_TEXT_LENGTH}")
        max_length = 200
    return Field(
        id=fid,
        text=reader.text(f"{where}.text", raw.get("text")),
        label=reader.text(f"{where}.label", raw.get("label")),
        max_length=max_length,
        optional=bool(raw.get("optional", False)),
    )


_E = TypeVar("_E", bound=StrEnum)


def _member(enum: type[_E], raw: Any) -> _E | None:
    """The enum member whose value is `raw`, or None."""
    try:
        return enum(raw)
    except ValueError:
        return None


def _parse_next(raw: Any, where: str, reader: _Reader) -> tuple[Branch, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (Branch(raw),)
    if not isinstance(raw, list):
        reader.fail(where, "next must be a step id or a list of {when, goto}")
        return ()
    branches: list[Branch] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or "goto" not in item or set(item) - {"goto", "when"}:
            reader.fail(f"{where}.next[{i}]", "must be {goto: STEP} with an optional when")
            continue
        when = None
        if "when" in item:
            try:
                when = parse_condition(item["when"])
            except ConditionError as exc:
                reader.fail(f"{where}.next[{i}]", str(exc))
        branches.append(Branch(str(item["goto"]), when))
    if branches and branches[-1].when is not None:
        reader.fail(where, "the last 'next' entry must have no 'when' (the way on otherwise)")
    return tuple(branches)
