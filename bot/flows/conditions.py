"""A small declared vocabulary for branch conditions: data, never `eval`.

A flow file may write, under `when:`
  {answer: STEP, is: VALUE}      the answer to STEP equals VALUE
  {answer: STEP, in: [V1, V2]}   the answer to STEP is one of these
  {answered: STEP}               STEP has a (non-skipped) answer
  {variant: hergo}               the case's method variant
  {flag: released_early}         something the case knows of this talk (see FLAGS)
  {all: [...]}, {any: [...]}, {not: {...}}
Anything else is refused when the flow is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.vocabulary import Variant


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class AnswerIn:
    step: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Answered:
    step: str


@dataclass(frozen=True)
class VariantIs:
    variant: Variant


# What a talk's context may tell a flow beyond its answers.
FLAGS = frozenset({
    "released_early",  # a victim's talk the coordinator opened before an acknowledgement
})


@dataclass(frozen=True)
class FlagSet:
    flag: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = AnswerIn | Answered | VariantIs | FlagSet | AllOf | AnyOf | Not

def parse_condition(raw: Any) -> Condition:
    if not isinstance(raw, Mapping):
        raise ConditionError(f"a condition must be a mapping, got {raw!r}")
    keys = set(raw)
    if keys == {"answer", "is"}:
        return AnswerIn(_name(raw["answer"]), (str(raw["is"]),))
    if keys == {"answer", "in"}:
        values = raw["in"]
        if not isinstance(values, list) or not values:
            raise ConditionError("'in' takes a non-empty list")
        return AnswerIn(_name(raw["answer"]), tuple(str(v) for v in values))
    if keys == {"answered"}:
        return Answered(_name(raw["answered"]))
    if keys == {"variant"}:
        try:
            return VariantIs(Variant(raw["variant"]))
        except ValueError:
            raise ConditionError(f"unknown variant {raw['variant']!r}; known: "
                                 f"{[v.value for v in Variant]}") from None
    if keys == {"flag"}:
        if raw["flag"] not in FLAGS:
            raise ConditionError(f"unknown flag {raw['flag']!r}; known: {sorted(FLAGS)}")
        return FlagSet(str(raw["flag"]))
    if keys in ({"all"}, {"any"}):
        key = next(iter(keys))
        parts = raw[key]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{key}' takes a non-empty list")
        parsed = tuple(parse_condition(p) for p in parts)
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    if keys == {"not"}:
        return Not(parse_condition(raw["not"]))
    raise ConditionError(
        f"unknown condition {sorted(keys)}; use answer/is, answer/in, answered, variant, "
        "flag, all, any or not"
    )


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConditionError(f"a step id must be a non-empty string, got {value!r}")
    return value


def holds(condition: Condition, answers: Mapping[str, Any], variant: str | None,
          flags: frozenset[str] = frozenset()) -> bool:
    match condition:
        case AnswerIn(step, values):
            return answers.get(step) in values
        case Answered(step):
            return answers.get(step) not in (None, "", [])
        case VariantIs(expected):
            return variant == expected
        case FlagSet(flag):
            return flag in flags
        case AllOf(parts):
            return all(holds(p, answers, variant, flags) for p in parts)
        case AnyOf(parts):
            return any(holds(p, answers, variant, flags) for p in parts)
        case Not(part):
            return not holds(part, answers, variant, flags)
    raise AssertionError(condition)  # pragma: no cover


def referenced_steps(condition: Condition) -> list[AnswerIn | Answered]:
    match condition:
        case AnswerIn() | Answered():
            return [condition]
        case AllOf(parts) | AnyOf(parts):
            return [r for p in parts for r in referenced_steps(p)]
        case Not(part):
            return referenced_steps(part)
    return []


def describe(condition: Condition) -> str:
    """A short plain rendering for diagrams."""
    match condition:
        case AnswerIn(step, values):
            return f"{step} = {' / '.join(values)}"
        case Answered(step):
            return f"{step} answered"
        case VariantIs(variant):
            return variant
        case FlagSet(flag):
            return flag
        case AllOf(parts):
            return " and ".join(describe(p) for p in parts)
        case AnyOf(parts):
            return " or ".join(describe(p) for p in parts)
        case Not(part):
            return f"not ({describe(part)})"
    raise AssertionError(condition)  # pragma: no cover
