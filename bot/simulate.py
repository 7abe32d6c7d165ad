"""Rehearse a talk in the terminal with the real engine: no Telegram, nothing stored.

Buttons are numbered; type the number (or the label). Type /back, /skip, /pause or /stop as
in Telegram, /quit to leave.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

from bot.catalog import Catalog
from bot.commands import talk_inputs
from bot.engine import Button, Context, Input, Press, Reply, Say, Show, advance, begin
from bot.flows import Flow
from bot.vocabulary import TalkStatus

COMMANDS: dict[str, Input] = {**talk_inputs(), "/start": Show()}


def simulate(flow: Flow, ctx: Context, catalog: Catalog, lines: Iterator[str],
             out: TextIO = sys.stdout) -> dict[str, object]:
    result = begin(flow, ctx, catalog)
    buttons = _print(result.replies, out)
    state = result.state
    for raw in lines:
        typed = raw.rstrip("\n")
        out.write(f"> {typed}\n")
        if typed.strip() == "/quit":
            break
        event: Input
        number = typed.strip()
        if number.isdigit() and 1 <= int(number) <= len(buttons):
            event = Press(state.seq, buttons[int(number) - 1].action)
        elif typed.strip() in COMMANDS:
            event = COMMANDS[typed.strip()]
        else:
            event = Say(typed)
        result = advance(flow, state, event, ctx, catalog)
        state = result.state
        for happened in result.events:
            outcome = f" {happened.outcome}" if happened.outcome else ""
            out.write(f"   [event: {happened.kind}{outcome}]\n")
        buttons = _print(result.replies, out) or buttons
        if state.status == TalkStatus.ENDED:
            break
    out.write(f"\n[talk {state.status}; outcome: {state.outcome}]\n")
    return dict(state.answers)


def _print(replies: tuple[Reply, ...], out: TextIO) -> list[Button]:
    shown: list[Button] = []
    for reply in replies:
        out.write("\n" + reply.text + "\n")
        for row in reply.buttons:
            for button in row:
                shown.append(button)
                out.write(f"  [{len(shown)}] {button.label}\n")
    return shown
