"""What the engine takes and gives: a talk's state, its context, the inputs a person can
make and the replies and events that come out. Plain, JSON-able data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.vocabulary import TalkStatus


@dataclass(frozen=True)
class TalkState:
    flow_id: str
    flow_version: int
    step: str
    status: str = TalkStatus.ACTIVE
    answers: Mapping[str, Any] = field(default_factory=dict)
    path: tuple[str, ...] = ()  # steps walked, the current one last (except while editing)
    draft: Mapping[str, Any] | None = None  # a list step's record in progress
    editing: str | None = None  # the review step to return to after changing one answer
    pending: str | None = None  # "stop" while asking "do you really want to stop?"
    seq: int = 0  # numbers each prompt; a button from an older prompt is stale
    outcome: str | None = None
    first: Mapping[str, Any] = field(default_factory=dict)  # the first answer, if changed

    def answer(self, step_id: str, value: Any) -> TalkState:
        """The state with this answer; a different earlier answer is kept as the first, so
        the coordinator sees what changed (first: no, now: partly)."""
        first = self.first
        earlier = self.answers.get(step_id)
        if step_id in self.answers and earlier != value and step_id not in first:
            first = {**first, step_id: earlier}
        return replace(self, answers={**self.answers, step_id: value}, first=first)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = list(self.path)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TalkState:
        values = dict(data)
        values["path"] = tuple(values.get("path", ()))
        values["answers"] = dict(values.get("answers", {}))
        values["first"] = dict(values.get("first", {}))
        return cls(**values)


@dataclass(frozen=True)
class Context:
    """What the talk may show besides the flow: language, variant and a few named values."""

    language: str
    variant: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()  # see bot.flows.conditions.FLAGS


# Inputs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Show:
    """Show the current step again (a second /start, a restart, a language switch)."""

    welcome_back: bool = False


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Press:
    seq: int
    action: str


@dataclass(frozen=True)
class GoBack:
    pass


@dataclass(frozen=True)
class SkipStep:
    pass


@dataclass(frozen=True)
class PauseTalk:
    pass


@dataclass(frozen=True)
class AskStop:
    pass


@dataclass(frozen=True)
class Media:
    pass


@dataclass(frozen=True)
class Edited:
    pass


Input = Show | Say | Press | GoBack | SkipStep | PauseTalk | AskStop | Media | Edited


# Outputs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    seq: int | None = None  # set on a prompt: its buttons belong to this prompt


@dataclass(frozen=True)
class Event:
    kind: str  # "ended", "paused", "thinking", "withdrawn", "resumed"
    outcome: str | None = None


@dataclass(frozen=True)
class Result:
    replies: tuple[Reply, ...]
    state: TalkState
    events: tuple[Event, ...] = ()
    answered: str | None = None  # the label of the button that answered the question
