"""The shape of a flow once loaded: plain frozen data the engine walks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot import SUPPORTED_LANGUAGES
from bot.flows.conditions import Condition
from bot.vocabulary import Audience, Outcome, PartyFact, Role, Variant


class StepKind(StrEnum):
    INFO = "info"  # a message and a "next" button
    TEXT = "text"  # a typed answer
    CHOICE = "choice"  # one of a few buttons
    LIST = "list"  # zero or more records (e.g. supporters), each a few typed fields
    REVIEW = "review"  # all answers, with the chance to change any of them
    END = "end"  # the talk is over, with an outcome


class TextFormat(StrEnum):
    """A typed answer that must have a shape; stored normalised (see bot.engine.formats)."""

    MOMENT = "moment"  # a local date and time, e.g. 28-11-2026 19:30
    DATE = "date"  # a date, e.g. 28-11-2026
    COUNT = "count"  # a whole number from 1 to 99, e.g. 6
    MONEY = "money"  # an amount in euro, e.g. 15 or 15,50 (stored in cents)


# Limits that keep every button's callback data within Telegram's 64 bytes. A button carries
# `t:<talk id>:<seq>:<action>`, the action being e.g. `o3`, `e:<step id>`, `ie:<n>`, `ir:<n>`.
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
MAX_STEP_ID = 32
STEP_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_FIELD_ID = 32
FIELD_ID_PATTERN = STEP_ID_PATTERN
MAX_OPTION_VALUE = 24
OPTION_VALUE_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_OPTIONS = 40


@dataclass(frozen=True)
class LocalText:
    """A text in every supported language, optionally different per method variant."""

    by_language: Mapping[str, str]
    by_variant: Mapping[Variant, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def blank(cls) -> LocalText:
        """No text at all (an end step of a coordinator's form: the use case answers)."""
        return cls(dict.fromkeys(SUPPORTED_LANGUAGES, ""))

    @property
    def is_blank(self) -> bool:
        return not any(t.strip() for texts in self.all_variants() for t in texts.values())

    def get(self, language: str, variant: str | None = None) -> str:
        if variant is not None and variant in self.by_variant:
            return self.by_variant[Variant(variant)][language]
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
    text: LocalText  # blank only on an end step of a coordinator's form
    label: LocalText | None = None  # the participant's own label (review, "change ...")
    options: tuple[Option, ...] = ()
    next: tuple[Branch, ...] = ()
    optional: bool = False
    max_length: int = 1500
    fields: tuple[Field, ...] = ()
    more: LocalText | None = None
    add_label: LocalText | None = None
    done_label: LocalText | None = None
    outcome: Outcome | None = None
    summary_label: LocalText | None = None  # the coordinator's label in a participant's summary
    records: PartyFact | None = None  # a choice whose answer is kept on the party as this fact
    format: TextFormat | None = None  # a text step whose answer must have this shape
    for_conference: bool = False  # the participant gives this answer to be shared at the conference

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
    audience: Audience
    role: Role | None  # set on a participant flow
    title: LocalText
    start: str
    steps: Mapping[str, Step]

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]
