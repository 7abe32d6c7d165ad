"""A person at the `Conversation` level: fast, no Telegram, on a real database."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.conversation import Conversation, Incoming, Kind, Outgoing, Response

_update_ids = itertools.count(1000)


@dataclass
class Person:
    conversation: Conversation
    user_id: int
    language_code: str = "nl"
    seen: list[Outgoing] = field(default_factory=list)
    last: Response = field(default_factory=Response)

    async def _send(self, kind: Kind, **fields: object) -> Response:
        incoming = Incoming(update_id=next(_update_ids), user_id=self.user_id,
                            chat_id=self.user_id, kind=kind, language_code=self.language_code,
                            **fields)  # type: ignore[arg-type]
        self.last = await self.conversation.handle(incoming)
        self.seen += self.last.messages
        return self.last

    async def say(self, text: str) -> Response:
        if text.startswith("/"):
            word, _, args = text.partition(" ")
            return await self._send("command", command=word[1:], text=args)
        return await self._send("text", text=text)

    async def media(self) -> Response:
        return await self._send("media")

    async def press(self, data: str) -> Response:
        return await self._send("callback", callback_data=data)

    async def tap(self, label: str) -> Response:
        for message in reversed(self.seen):
            for row in message.buttons:
                for text, data in row:
                    if text == label:
                        return await self.press(data)
        labels = [t for m in self.seen[-3:] for row in m.buttons for t, _ in row]
        raise AssertionError(f"no button {label!r}; recent buttons: {labels}")

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.last.messages)

    def link(self) -> str:
        for message in reversed(self.seen):
            for word in message.text.split():
                if word.startswith("https://t.me/"):
                    return word
        raise AssertionError("no invite link was shown")

    def token(self) -> str:
        return self.link().split("start=", 1)[1]
