"""Simulated participants walking their talks through a real python-telegram-bot
`Application` in process, the way Telegram delivers updates: many chats at once, each person
waiting for the bot's answer before the next tap (a closed loop), or at a set pace.

The latency of one answer runs from the update entering the `Application`'s update queue to
the last reply of that update arriving at the fake Bot API.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bench.common import BenchFakeBotAPI, Figures, JSONDict, buttons_of, latency_figures

# An offender's talk from its welcome to the preview of the questions: taps ("t:<action>")
# and typed answers.
TALK = ["t:next", "t:next", "t:o0", "t:o0", "Ik nam de fiets mee.", "t:o0", "t:skip", "t:o0",
        "Noor en haar ouders."]
STEP_TIMEOUT = 900.0  # at saturation a step waits for everyone ahead (5,000 people)
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class StepMissing(RuntimeError):
    """The bot did not offer the button the script taps next."""


@dataclass
class Person:
    user_id: int
    steps: list[str]
    at: int = 0
    message_id: int = 0
    buttons: list[str] = field(default_factory=list)
    reply_at: float = 0.0
    done: asyncio.Future[None] | None = None
    think: float = 0.0  # seconds between an answer arriving and the next update

    @property
    def finished(self) -> bool:
        return self.at >= len(self.steps)


def script(token: str | None, answers: int) -> list[str]:
    """Open the talk with the invite (when a token is given), then `answers` answers."""
    opening = [f"/start {token}"] if token else []
    return opening + [TALK[i % len(TALK)] for i in range(answers)]


class Walk:
    """Drives `people` through `application`; `checked`: taps must match a button the bot
    offered (the bot); otherwise any tap goes (the floor, whose replies have no buttons)."""

    def __init__(self, application: AnyApplication, api: BenchFakeBotAPI,
                 people: list[Person], *, checked: bool) -> None:
        self.application = application
        self.api = api
        self.checked = checked
        self.people = {person.user_id: person for person in people}
        self.latencies: list[float] = []
        self.missing = 0
        self._also = api.on_send  # whoever listened before goes on hearing
        api.on_send = self._arrived
        application.add_handler(TypeHandler(Update, self._handled), group=99)

    def add(self, people: list[Person]) -> None:
        """More people on the same Application (one Walk per Application: its hook is one)."""
        self.people.update((person.user_id, person) for person in people)

    def _arrived(self, chat: int, result: JSONDict) -> None:
        if self._also is not None:
            self._also(chat, result)
        person = self.people.get(chat)
        if person is None:
            return
        person.reply_at = time.perf_counter()
        buttons = buttons_of(result)
        if buttons or not self.checked:
            person.message_id = int(result["message_id"])
            person.buttons = buttons

    async def _handled(self, update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        person = self.people.get(user.id) if user else None
        if person is not None and person.done is not None and not person.done.done():
            person.done.set_result(None)

    def _raw(self, person: Person, step: str) -> JSONDict:
        if not step.startswith("t:"):
            return self.api.user_sends_text(person.user_id, step)
        action = step[2:]
        data = step if not self.checked else next(
            (d for d in person.buttons if d.startswith("t:") and d.endswith(f":{action}")), None)
        if data is None:
            raise StepMissing(f"user {person.user_id}: no button {action!r} at step {person.at}"
                              f" (offered: {person.buttons})")
        return self.api.user_taps(person.user_id, person.message_id, data)

    async def step(self, person: Person) -> None:
        """One update from this person, and the wait for the bot to have handled it."""
        raw = self._raw(person, person.steps[person.at])
        person.at += 1
        update = Update.de_json(raw, self.application.bot)
        person.done = asyncio.get_running_loop().create_future()
        person.reply_at = 0.0
        started = time.perf_counter()
        await self.application.update_queue.put(update)
        await asyncio.wait_for(person.done, STEP_TIMEOUT)
        end = person.reply_at if person.reply_at >= started else time.perf_counter()
        self.latencies.append(end - started)

    async def _walk(self, person: Person) -> None:
        try:
            while not person.finished:
                await self.step(person)
                if person.think and not person.finished:
                    await asyncio.sleep(person.think)
        except StepMissing:
            self.missing += 1

    async def closed_loop(self, people: list[Person]) -> Figures:
        """`people` walk all their steps at once, each answering as soon as answered."""
        chosen = people
        self.latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(self._walk(person) for person in chosen))
        elapsed = time.perf_counter() - started
        self.api.forget_updates()
        mean = sum(self.latencies) / max(1, len(self.latencies))
        return {"updates": len(self.latencies), "seconds": round(elapsed, 2),
                "per_second": round(len(self.latencies) / elapsed, 1),
                "mean_ms": round(mean * 1000, 2),
                "missing_buttons": self.missing, **latency_figures(self.latencies)}

    async def paced(self, people: list[Person], rate: float, duration: float,
                    seed: int = 8, stop: asyncio.Event | None = None) -> Figures:
        """Answers arrive as a Poisson stream of `rate` a second for `duration` seconds, each
        from someone not waiting for an answer already (people think between answers)."""
        rng = random.Random(seed)
        self.latencies.clear()
        idle = [p for p in people if not p.finished]
        rng.shuffle(idle)
        tasks: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        started = loop.time()
        due = started
        offered = 0
        while due - started < duration and idle and not (stop and stop.is_set()):
            due += rng.expovariate(rate)
            await asyncio.sleep(max(0.0, due - loop.time()))
            person = idle.pop(0)
            offered += 1

            async def one(person: Person = person) -> None:
                try:
                    await self.step(person)
                except StepMissing:
                    self.missing += 1
                    return
                if not person.finished:
                    idle.append(person)

            task = loop.create_task(one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
        self.api.forget_updates()
        return {"offered_per_second": rate, "updates": len(self.latencies),
                "missing_buttons": self.missing, **latency_figures(self.latencies)}
