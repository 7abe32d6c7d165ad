"""The shape of a flow once loaded: plain frozen data the engine walks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.flows.conditions import Condition


class StepKind(StrEnum):
    INFO = "info"  # a message and a "next" button
    TEXT = "text"  # a typed answer
    CHOICE = "choice"  # one of a few buttons
    LIST = "list"  # zero or more records (e.g. supporters), each a few typed fields
    REVIEW = "review"  # all answers, with the chance to change any of them
    END = "end"  # the talk is over, with an outcome


END_OUTCOMES = frozenset({"completed", "declined", "precondition_not_met"})


@dataclass(frozen=True)
class LocalText:
    """A text in every supported language, optionally different per method variant."""

    by_language: Mapping[str, str]
    by_variant: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def get(self, language: str, variant: str | None = None) -> str:
        if variant is not None and variant in self.by_variant:
            return self.by_variant[variant][language]
        return self.by_language[language]

    def all_variants(self) -> list[Mapping[str, str]]:
        return [self.by_language, *self.by_variant.values()] if self.by_language else list(
            self.by_variant.values()
        )


@dataclass(frozen=True)
class Option:
    value: str
    label: LocalText
    next: str | None = None
    action: str | None = None  # "pause": keep the step, pause the talk


@dataclass(frozen=True)
class Branch:
    goto: str
    when: Condition | None = None


@dataclass(frozen=True)
class Field:
    id: str
    text: LocalText
    label: LocalText
    max_length: int = 200
    optional: bool = False


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    text: LocalText
    label: LocalText | None = None
    options: tuple[Option, ...] = ()
    next: tuple[Branch, ...] = ()
    optional: bool = False
    max_length: int = 1500
    fields: tuple[Field, ...] = ()
    more: LocalText | None = None
    add_label: LocalText | None = None
    done_label: LocalText | None = None
    outcome: str | None = None

    def targets(self) -> list[str]:
        found = [o.next for o in self.options if o.next]
        found += [b.goto for b in self.next]
        return found

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    audience: str  # "participant" or "coordinator"
    role: str | None
    title: LocalText
    start: str
    steps: Mapping[str, Step]

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]
