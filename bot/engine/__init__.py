"""The dialog engine: (flow, talk state, input) -> (replies, new state, events), pure.

`values` holds what goes in and out; `core` walks the flow.
"""

from bot.engine.answers import answer_text, answered_steps, migrate
from bot.engine.core import advance, begin
from bot.engine.values import (
    AskStop,
    Button,
    Context,
    Edited,
    Event,
    GoBack,
    Input,
    Media,
    PauseTalk,
    Press,
    Reply,
    Result,
    Say,
    Show,
    SkipStep,
    TalkState,
)

__all__ = [
    "AskStop",
    "Button",
    "Context",
    "Edited",
    "Event",
    "GoBack",
    "Input",
    "Media",
    "PauseTalk",
    "Press",
    "Reply",
    "Result",
    "Say",
    "Show",
    "SkipStep",
    "TalkState",
    "advance",
    "answer_text",
    "answered_steps",
    "begin",
    "migrate",
]
