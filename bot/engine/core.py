"""The dialog engine: (flow, talk state, input) -> (replies, new state, events).

Pure: no Telegram, no database, no clock. The Telegram shell turns updates into inputs and
replies into messages; the use cases store the state and act on the events. The state is
plain JSON-able data so it lives in our own table, not in a pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.catalog import Catalog
from bot.engine.answers import answer_text, answered_steps
from bot.engine.formats import normalise
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
from bot.flows.conditions import holds
from bot.flows.model import Field, Flow, Step, StepKind
from bot.vocabulary import TalkStatus


def begin(flow: Flow, ctx: Context, catalog: Catalog) -> Result:
    state = TalkState(flow.id, flow.version, flow.start, path=(flow.start,))
    return _Turn(flow, ctx, catalog).enter(state, flow.start)


def advance(flow: Flow, state: TalkState, event: Input, ctx: Context, catalog: Catalog) -> Result:
    return _Turn(flow, ctx, catalog).handle(state, event)


@dataclass(frozen=True)
class _Turn:
    flow: Flow
    ctx: Context
    catalog: Catalog

    # -- helpers ------------------------------------------------------------------------------
    def t(self, key: str, **params: Any) -> str:
        coordinator = self.ctx.values.get("coordinator") or self.catalog("contact.generic",
                                                                         self.ctx.language)
        return self.catalog(key, self.ctx.language, coordinator=coordinator, **params)

    def local(self, text: Any) -> str:
        raw: str = text.get(self.ctx.language, self.ctx.variant)
        return raw.format_map(_Values(self.ctx.values)) if "{" in raw else raw

    def note(self, key: str, state: TalkState, **params: Any) -> Result:
        """A short remark, then the current step again so its buttons are at hand."""
        shown = self.prompt(state)
        return Result((Reply(self.t(key, **params)), *shown.replies), shown.state)

    # -- input --------------------------------------------------------------------------------
    def handle(self, state: TalkState, event: Input) -> Result:
        if state.status == TalkStatus.ENDED:
            return Result((Reply(self.t("talk.already_ended")),), state)
        if state.status == TalkStatus.WITHDRAWN:
            return self._withdrawn(state, event)
        if isinstance(event, Edited):
            return Result((Reply(self.t("input.edited")),), state)
        if state.status == TalkStatus.PAUSED:
            resumed = replace(state, status=TalkStatus.ACTIVE)
            if isinstance(event, Show | PauseTalk):
                shown = self.prompt(resumed)
                return Result((Reply(self.t("talk.welcome_back")), *shown.replies), shown.state,
                              (Event("resumed"),))
            result = self.handle(resumed, event)
            return replace(result, events=(Event("resumed"), *result.events))
        step = self.flow.step(state.step)
        match event:
            case Show(welcome_back):
                shown = self.prompt(state)
                if welcome_back:
                    return replace(shown, replies=(Reply(self.t("talk.welcome_back")),
                                                   *shown.replies))
                return shown
            case Media():
                return self.note("input.not_text", state)
            case PauseTalk():
                return self._pause(state)
            case AskStop():
                seq = state.seq + 1
                buttons = ((Button(self.t("button.stop_yes"), "stop"),),
                           (Button(self.t("button.stop_no"), "stay"),))
                return Result((Reply(self.t("talk.stop_confirm"), buttons, seq),),
                              replace(state, pending="stop", seq=seq))
            case GoBack():
                return self._back(state, step)
            case SkipStep():
                return self._skip(state, step)
            case Press(seq, action):
                if seq != state.seq:
                    return self.note("input.stale_button", state)
                return self._press(state, step, action)
            case Say(text):
                if state.pending == "stop":
                    return self.note("input.use_buttons", replace(state, pending=None))
                return self._say(state, step, text)
        raise AssertionError(event)  # pragma: no cover

    def _withdrawn(self, state: TalkState, event: Input) -> Result:
        if isinstance(event, Press) and event.action == "resume" and event.seq == state.seq:
            shown = self.prompt(replace(state, status=TalkStatus.ACTIVE))
            return replace(shown, events=(Event("resumed"),))
        seq = state.seq + 1
        button = ((Button(self.t("button.resume"), "resume"),),)
        return Result((Reply(self.t("talk.withdrawn_again"), button, seq),),
                      replace(state, seq=seq))

    def _pause(self, state: TalkState, key: str = "talk.paused") -> Result:
        return Result((Reply(self.t(key)),),
                      replace(state, status=TalkStatus.PAUSED, pending=None), (Event("paused"),))

    def _press(self, state: TalkState, step: Step, action: str) -> Result:
        if state.pending == "stop":
            if action == "stop":
                return Result((Reply(self.t("talk.withdrawn")),),
                              replace(state, status=TalkStatus.WITHDRAWN, pending=None),
                              (Event("withdrawn"),))
            if action == "stay":
                return self.prompt(replace(state, pending=None))
            return self.note("input.unknown_button", replace(state, pending=None))
        if action == "back":
            return self._back(state, step)
        if action == "skip":
            return self._skip(state, step)
        kind = step.kind
        if kind is StepKind.INFO and action == "next":
            return self.leave(state, step)
        if kind is StepKind.CHOICE and action.startswith("o") and action[1:].isdigit():
            index = int(action[1:])
            if index < len(step.options):
                return self._choose(state, step, index)
        if kind is StepKind.LIST and state.draft is None:
            listed = self._list_press(state, step, action)
            if listed is not None:
                return listed
        if kind is StepKind.LIST and state.draft is not None and action == "keep":
            was = state.draft.get("was") or {}
            field_id = step.fields[int(state.draft["field"])].id
            if field_id in was:
                return self._list_field(state, step, state.draft, was[field_id])
        if kind is StepKind.REVIEW:
            if action == "submit":
                return self.leave(state, step)
            if action.startswith("e:"):
                target = action[2:]
                if target in {s.id for s in answered_steps(self.flow, state)}:
                    return self._edit(state, step, target)
        return self.note("input.unknown_button", state)

    def _choose(self, state: TalkState, step: Step, index: int) -> Result:
        option = step.options[index]
        answered = state.answer(step.id, option.value)
        label = option.label.get(self.ctx.language, self.ctx.variant)
        if option.action == "pause":
            return replace(self._pause(state), answered=label)
        if option.action == "think":  # time to think: a pause with one follow-up, no pressure
            paused = self._pause(state, "talk.thinking")
            return replace(paused, answered=label, events=(Event("thinking"),))
        return replace(self.leave(answered, step, option.next), answered=label)

    def _list_press(self, state: TalkState, step: Step, action: str) -> Result | None:
        """Add an item, finish the list, or change or remove one item (by its position)."""
        items = list(state.answers.get(step.id) or [])
        if action == "add":
            return self.prompt(replace(state, draft={"field": 0, "item": {}}))
        if action == "done":
            done = self.leave(replace(state, answers={**state.answers, step.id: items}), step)
            label = self.local(step.done_label) if step.done_label else self.t("button.done")
            return replace(done, answered=label)
        verb, _, number = action.partition(":")
        if verb not in ("ie", "ir") or not number.isdigit() or int(number) >= len(items):
            return None
        index = int(number)
        if verb == "ir":
            del items[index]
            removed = replace(state, answers={**state.answers, step.id: items})
            return self.note("prompt.item_removed", removed)
        draft = {"field": 0, "item": {}, "index": index, "was": dict(items[index])}
        return self.prompt(replace(state, draft=draft))

    def _say(self, state: TalkState, step: Step, text: str) -> Result:
        text = text.strip()
        if step.kind is StepKind.TEXT and step.format is not None:
            value = normalise(step.format, text)
            if value is None:
                return self.note(f"input.bad.{step.format}", state)
            return self.leave(state.answer(step.id, value), step)
        if step.kind is StepKind.TEXT:
            return self._typed(state, step, text, step.max_length,
                               lambda s: self.leave(s.answer(step.id, text), step))
        if step.kind is StepKind.LIST:
            draft = state.draft or {"field": 0, "item": {}}
            return self._list_field(state, step, draft, text)
        if step.kind is StepKind.CHOICE:
            wanted = text.casefold()
            for index, option in enumerate(step.options):
                if wanted in (option.value.casefold(),
                              option.label.get(self.ctx.language, self.ctx.variant).casefold()):
                    return self._choose(state, step, index)
        if step.kind is StepKind.REVIEW:  # the review with its buttons is right above
            return Result((Reply(self.t("input.use_review_buttons")),), state)
        return self.note("input.use_buttons", state)

    def _typed(self, state: TalkState, step: Step, text: str, limit: int,
               accept: Callable[[TalkState], Result]) -> Result:
        if not text:
            return self.note("input.empty", state)
        if len(text) > limit:
            return self.note("input.too_long", state, length=len(text), limit=limit)
        return accept(state)

    def _list_field(self, state: TalkState, step: Step, draft: Mapping[str, Any],
                    text: str | None) -> Result:
        index = int(draft["field"])
        current: Field = step.fields[index]

        def store(s: TalkState) -> Result:
            item = {**draft["item"], current.id: text}
            if index + 1 < len(step.fields):
                return self.prompt(replace(s, draft={**draft, "field": index + 1, "item": item}))
            items = list(s.answers.get(step.id, []))
            if "index" in draft and int(draft["index"]) < len(items):
                items[int(draft["index"])] = item  # an item changed in place
            else:
                items.append(item)
            return self.prompt(replace(s, draft=None, answers={**s.answers, step.id: items}))

        if text is None:
            return store(state)
        return self._typed(state, step, text, current.max_length, store)

    def _skip(self, state: TalkState, step: Step) -> Result:
        if step.kind is StepKind.TEXT and step.optional:
            left = self.leave(state.answer(step.id, None), step)
            return replace(left, answered=self.t("button.skip"))
        if step.kind is StepKind.LIST and state.draft is not None:
            if step.fields[int(state.draft["field"])].optional:
                return self._list_field(state, step, state.draft, None)
        elif step.kind is StepKind.LIST:
            return self._press(state, step, "done")
        return self.note("input.cannot_skip", state)

    def _back(self, state: TalkState, step: Step) -> Result:
        if step.kind is StepKind.LIST and state.draft is not None:
            index = int(state.draft["field"])
            if index == 0:
                return self.prompt(replace(state, draft=None))
            previous = step.fields[index - 1].id
            item = {k: v for k, v in state.draft["item"].items() if k != previous}
            return self.prompt(replace(state, draft={**state.draft, "field": index - 1,
                                                     "item": item}))
        if state.editing is not None:
            return self.prompt(replace(state, step=state.editing, editing=None))
        if len(state.path) < 2:
            return self.note("input.at_first_step", state)
        path = state.path[:-1]
        return self.prompt(replace(state, path=path, step=path[-1], draft=None))

    def _edit(self, state: TalkState, review: Step, target: str) -> Result:
        """Back to one answered step; a list keeps its items, to change one at a time."""
        return self.prompt(replace(state, step=target, editing=review.id, draft=None))

    # -- moving on ----------------------------------------------------------------------------
    def resolve(self, state: TalkState, step: Step, chosen: str | None = None) -> str:
        if chosen:
            return chosen
        for branch in step.next:
            if branch.when is None or holds(branch.when, state.answers, self.ctx.variant,
                                                     self.ctx.flags):
                return branch.goto
        raise AssertionError(f"{self.flow.id}: no way out of {step.id}")  # validated on load

    def leave(self, state: TalkState, step: Step, chosen: str | None = None) -> Result:
        target = self.resolve(state, step, chosen)
        if state.editing is not None and step.id in state.path:
            return self._after_edit(state, step.id, target)
        return self.enter(replace(state, path=(*state.path, target)), target)

    def _after_edit(self, state: TalkState, edited: str, target: str) -> Result:
        """Back to the review if the changed answer leaves the rest of the path as it was;
        otherwise the talk goes on from the first step where the path now turns elsewhere."""
        path = state.path
        at = path.index(edited)
        while at + 1 < len(path) and path[at + 1] == target:
            at += 1
            if path[at] == state.editing:
                return self.prompt(replace(state, step=state.editing, editing=None))
            target = self._recorded_next(state, self.flow.step(path[at]))
        return self.enter(replace(state, path=(*path[: at + 1], target), editing=None), target)

    def _recorded_next(self, state: TalkState, step: Step) -> str:
        """Where a step already answered leads, given the answers as they are now."""
        if step.kind is StepKind.CHOICE:
            option = step.option(str(state.answers.get(step.id)))
            if option is not None and option.next:
                return option.next
        return self.resolve(state, step)

    def enter(self, state: TalkState, step_id: str) -> Result:
        state = replace(state, step=step_id, draft=None, pending=None)
        step = self.flow.step(step_id)
        if step.kind is StepKind.END:
            kept = {k: v for k, v in state.answers.items() if k in state.path}
            ended = replace(state, status=TalkStatus.ENDED, outcome=step.outcome, answers=kept,
                            seq=state.seq + 1)
            return Result((Reply(self.local(step.text)),), ended,
                          (Event("ended", step.outcome),))
        return self.prompt(state)

    def prompt(self, state: TalkState) -> Result:
        """Renders the current step as a message with its buttons, under a new number."""
        seq = state.seq + 1
        state = replace(state, seq=seq, pending=None)
        step = self.flow.step(state.step)
        rows: list[tuple[Button, ...]] = []
        text = self.local(step.text)
        can_back = len(state.path) > 1 or state.editing is not None or state.draft is not None
        if step.kind is StepKind.INFO:
            rows.append((Button(self.t("button.next"), "next"),))
        elif step.kind is StepKind.TEXT:
            if state.editing and state.answers.get(step.id):
                text += "\n\n" + self.t("prompt.current_answer", answer=state.answers[step.id])
            if step.optional:
                rows.append((Button(self.t("button.skip"), "skip"),))
        elif step.kind is StepKind.CHOICE:
            rows += [(Button(o.label.get(self.ctx.language, self.ctx.variant), f"o{i}"),)
                     for i, o in enumerate(step.options)]
        elif step.kind is StepKind.LIST:
            text, rows = self._list_prompt(state, step, text)
        elif step.kind is StepKind.REVIEW:
            text, rows = self._review_prompt(state, text)
        if can_back:
            rows.append((Button(self.t("button.back"), "back"),))
        return Result((Reply(text, tuple(rows), seq),), state)

    def _list_prompt(self, state: TalkState, step: Step,
                     text: str) -> tuple[str, list[tuple[Button, ...]]]:
        if state.draft is not None:
            current = step.fields[int(state.draft["field"])]
            rows: list[tuple[Button, ...]] = []
            field_text = self.local(current.text)
            was = (state.draft.get("was") or {}).get(current.id)
            if current.id in (state.draft.get("was") or {}):
                shown = was if was else self.t("answer.skipped")
                field_text += "\n\n" + self.t("prompt.current_answer", answer=shown)
                rows.append((Button(self.t("button.keep"), "keep"),))
            if current.optional:
                rows.append((Button(self.t("button.skip"), "skip"),))
            return field_text, rows
        items = state.answers.get(step.id) or []
        if items:
            listed = answer_text(step, items, self.ctx, self.catalog)
            more = self.local(step.more) if step.more is not None else text
            text = self.t("prompt.list_so_far", items=listed) + "\n\n" + more
        add = self.local(step.add_label) if step.add_label else self.t("button.add")
        done = self.local(step.done_label) if step.done_label else self.t("button.done")
        rows = [(Button(add, "add"),), (Button(done, "done"),)]
        for index, item in enumerate(items):
            short = _short(str(item.get(step.fields[0].id) or "–"))
            rows.append((Button(self.t("button.item_change", item=short), f"ie:{index}"),
                         Button(self.t("button.item_remove", item=short), f"ir:{index}")))
        return text, rows

    def _review_prompt(self, state: TalkState,
                       text: str) -> tuple[str, list[tuple[Button, ...]]]:
        lines = [text]
        rows: list[tuple[Button, ...]] = [(Button(self.t("button.submit"), "submit"),)]
        for step in answered_steps(self.flow, state):
            assert step.label is not None
            label = self.local(step.label)
            shown = answer_text(step, state.answers[step.id], self.ctx, self.catalog)
            lines.append(f"\n{label}:\n{shown}")
            rows.append((Button(self.t("button.change", label=label), f"e:{step.id}"),))
        return "\n".join(lines), rows


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Values(dict[str, str]):
    """Fills placeholders; a value the talk lacks shows as an empty string, never a crash."""

    def __missing__(self, key: str) -> str:
        return ""
