"""A talk's replies as messages: every answer button goes through the codec."""

from __future__ import annotations

from bot import buttons
from bot.buttons import Keyboard, TalkTap
from bot.engine import Result


def talk_messages(talk_id: int, result: Result) -> list[tuple[str, Keyboard]]:
    return [
        (reply.text, tuple(
            tuple((b.label, buttons.encode(TalkTap(talk_id, reply.seq or 0, b.action)))
                  for b in row)
            for row in reply.buttons))
        for reply in result.replies if reply.text
    ]
