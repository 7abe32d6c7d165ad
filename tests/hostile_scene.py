"""The scene of the hostile property test (tests/test_hostile_property.py): one person's
talk with the coordinator and others around it, what a patient person does next, and every
kind of hostile update thrown at it, with what each may and may not change."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import strategies as st
from sqlmodel import col, select

from bot import buttons
from bot.buttons import PickLanguage, TalkTap
from bot.catalog import load_catalog
from bot.commands import COMMANDS as BOT_COMMANDS
from bot.flows import load_registry
from bot.flows.model import StepKind
from bot.language import pick_language
from bot.models import Party, Talk
from tests.fakes import FakeBotAPI, TelegramUser
from tests.fakes.users import Deliver, JSONDict
from tests.languages import foreign
from tests.world import (
    World,
    add_offender,
    add_third_party,
    add_victim,
    invite_supporter,
    offender_completes,
    offender_to_responsibility,
    open_case,
)


@cache
def bot_dialogs() -> tuple[Any, Any]:
    """The flows and catalogues, read once for all examples (they do not change)."""
    from bot.paths import dialogs_dir

    folder = dialogs_dir()
    return load_registry(folder), load_catalog(folder / "messages.yaml")


FLOWS = ("offender", "victim", "supporter", "third_party")
SAM, STRANGER = 222, 666
PERSON = {"offender": (SAM, "Sam"), "victim": (333, "Noor"), "supporter": (444, "Els"),
          "third_party": (555, "Jan")}
ON_THE_CARD = {"offender": "Sam (dader)", "victim": "Noor (slachtoffer)",
               "supporter": "Els (steunfiguur van Sam)", "third_party": "Jan (relevante derde)"}
LANGUAGE_BUTTON = {"nl": "Nederlands", "en": "Engels"}  # as the Dutch coordinator sees them
FACTS = "Op 3 maart nam Sam de fiets van Noor mee."
FACTS_EN = "On 3 March Sam took Noor's bicycle."  # the coordinator's version for Sam in English
ANSWER = {"nl": "Een gewoon antwoord bij {step}.", "en": "An ordinary answer for {step}."}
# The choice a person who wants to take part makes (else the option "yes").
PREFERRED = {"needs": "no", "speaks_first": "victim_first", "address": "je",
             "responsibility_confirm": "reconsider", "set_right_confirm": "reconsider"}
GROUP, SUPERGROUP, CHANNEL = -4_000_000_001, -1_001_234_567_890, -1_009_876_543_210
NOT_PRIVATE = {GROUP, SUPERGROUP, CHANNEL}
HOSTILE_CHARACTERS = ("\x00\x01\x1b\x7f\x85\x9b\u202e\u202d\u2066\u2069\u200b\u200e\ufeff"
                      "\U0001f600\u0301aé\n\t\r ")
COMMANDS = [
    *sorted({f"/{w}" for c in BOT_COMMANDS for w in (c.name, c.alias)}),
    "/help@otherbot", "/pauze@other_bot", "/start@herstel_test_bot", "/START",
    "/start garbage!!", "/start " + "x" * 70, "/start \u202e\x00", "/audit 1", "/",
    "/ /", "/foo", "/start@", "/@herstel_test_bot"]
FORGED = ["t:1:1:next", "t:2147483648:1:o0", "t:99999999999999999999:1:o0", "c:card:1",
          "h:1:1", "m:2", "m:9", "n:1:1", "s:1", "t:1:999:e:review", "l:xx", "w", "c:era:1",
          "t:3:1:e:" + "s" * 40, "x" * 80, "", "t:-1:1:o0", "l:", "t:3:2:o\x00"]
GROUP_KINDS = ["message", "edit", "tap", "bot_added", "joins", "channel_post",
               "channel_edit"]
OTHER_MEDIA: dict[str, JSONDict] = {  # message contents besides text, as Telegram sends them
    "location": {"location": {"latitude": 51.05, "longitude": 3.72}},
    "contact": {"contact": {"phone_number": "+32470112233", "first_name": "Mama"}},
    "dice": {"dice": {"emoji": "🎲", "value": 6}},
    "video_note": {"video_note": {"file_id": "vn1", "file_unique_id": "u1", "length": 240,
                                  "duration": 3}},
    "video": {"video": {"file_id": "v1", "file_unique_id": "u2", "width": 64, "height": 48,
                        "duration": 2}, "caption": "/start"},
    "audio": {"audio": {"file_id": "a1", "file_unique_id": "u3", "duration": 5}},
    "animation": {"animation": {"file_id": "g1", "file_unique_id": "u4", "width": 64,
                                "height": 48, "duration": 1}},
    "poll": {"poll": {"id": "p1", "question": "Ja?", "options": [
        {"text": "ja", "voter_count": 0, "persistent_id": "a"}], "total_voter_count": 0,
        "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False,
        "members_only": False}},
}
UNKNOWN_KINDS = ["extra_fields", "unknown_content", "unknown_kind", "reaction",
                 "inline_query", "poll_answer"]

texts = st.one_of(st.text(alphabet=st.sampled_from(HOSTILE_CHARACTERS), max_size=60),
                  st.text(max_size=120), st.just(""), st.just("x" * 100_000))
picks = st.integers(min_value=0, max_value=10_000)  # taken modulo what there is to pick
events = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("command"), st.one_of(
        st.sampled_from(COMMANDS),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_@ ", min_size=1, max_size=30)
        .map(lambda word: "/" + word))),
    st.tuples(st.just("forged"), st.one_of(st.sampled_from(FORGED), st.text(max_size=70))),
    st.tuples(st.just("own_button"), picks),
    st.tuples(st.just("copied"), picks),
    st.tuples(st.just("stranger_copies"), picks),
    st.tuples(st.just("media"), st.one_of(
        st.sampled_from(["sticker", "voice", "document", *OTHER_MEDIA]),
        st.tuples(st.just("photo"), st.one_of(st.none(), texts)))),
    st.tuples(st.just("stranger"), texts),
    st.tuples(st.just("link"), st.sampled_from(["own", "stranger"])),
    st.tuples(st.just("edit"), st.tuples(picks, texts)),
    st.tuples(st.just("group"), st.tuples(st.sampled_from(GROUP_KINDS),
                                          st.one_of(texts, st.sampled_from(COMMANDS)))),
    st.tuples(st.just("member"), st.just("block")),
    st.tuples(st.just("again"), picks),
    st.tuples(st.just("unknown"), st.sampled_from(UNKNOWN_KINDS)),
)
STEPS = {"offender": 16, "victim": 14, "supporter": 9, "third_party": 11}  # to the review


def unwanted(character: str) -> bool:
    """Control characters (but tab and line breaks) and direction overrides: never stored."""
    return ((unicodedata.category(character) == "Cc" and character not in "\t\n\r")
            or "\u202a" <= character <= "\u202e" or "\u2066" <= character <= "\u2069")


def without_unwanted(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFC", text) if not unwanted(c))


def as_stored(text: str) -> str:
    """A typed answer as the talk must keep it."""
    return without_unwanted(text).strip()


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


@dataclass
class Scene:
    """One example: the world, the person whose talk it is, and what the test remembers."""

    world: World
    flow: str
    coordinator: TelegramUser
    person: TelegramUser
    stranger: TelegramUser
    token: str
    language: str  # the person's talk language (the coordinator chose; a picker may change it)
    deliver: Deliver  # a raw update, through the real Application
    updates: list[JSONDict] = field(default_factory=list)  # delivered, to deliver again
    thrown: Counter[str] = field(default_factory=Counter)
    expected: dict[str, Any] = field(default_factory=dict)  # step -> the answer it must keep
    edits: list[str] = field(default_factory=list)  # edited texts: never an answer
    switched: bool = False  # the person picked another language on the way
    stranger_language: str | None = None  # a language the stranger picked (a copied picker)
    quoted: list[str] = field(default_factory=list)  # what people typed, as sent and stored
    _read: int = 0  # how many of the fake's user messages `quoted` has

    def typed(self) -> list[str]:
        """Everything anyone typed so far (edited texts as first sent, too)."""
        messages = self.api.user_messages
        for message in messages[self._read:]:
            if message.text and len(message.text) >= 4:
                self.quoted += [message.text, as_stored(message.text)]
        self._read = len(messages)
        return self.quoted

    @property
    def api(self) -> FakeBotAPI:
        return self.world.api

    async def talk(self) -> Talk:
        async with self.world.db.transaction() as session:
            return (await session.exec(select(Talk).where(
                Talk.user_id == self.person.user_id))).one()

    async def send(self, update: JSONDict) -> JSONDict:
        await self.deliver(update)
        return update


# -------------------------------------------------------------------------------- setting up

async def invite(world: World, coordinator: TelegramUser, flow: str, language: str) -> str:
    """The coordinator prepares the case up to this flow's invitation; returns its token."""
    await open_case(coordinator, facts=FACTS)
    button = LANGUAGE_BUTTON[language]
    if flow == "offender":
        return await add_offender(coordinator, own_facts=FACTS_EN if language == "en" else None,
                                  language=button)
    if flow == "third_party":
        return await add_third_party(coordinator, language=button)
    sam = world.person(SAM, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await offender_completes(sam, supporter="Mama")  # the victim's talk may begin now
    await world.deliver_outbox()
    if flow == "supporter":
        return await invite_supporter(coordinator, "Mama", "Els", language=button)
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    return await add_victim(coordinator, language=button)


async def snapshot(world: World, but: int) -> list[tuple[Any, ...]]:
    """Everyone else's talks and parties, as they are."""
    async with world.db.transaction() as session:
        talks = (await session.exec(select(Talk).where(Talk.user_id != but)
                                    .order_by(col(Talk.id)))).all()
        parties = (await session.exec(select(Party).order_by(col(Party.id)))).all()
        return ([(t.id, t.user_id, t.status, t.step, t.seq, t.outcome, t.answers)
                 for t in talks]
                + [(p.id, p.name, p.role, p.language, p.telegram_user_id, p.facts,
                    p.acknowledged, p.wants_to_set_right, p.willing, p.speaks_first)
                   for p in parties if p.telegram_user_id != but])


# ------------------------------------------------------------------------- a patient person

def _button_message(person: TelegramUser, data: str) -> int | None:
    """The newest message (still there) that carries this button."""
    for message in reversed(person.messages):
        if not message.deleted and any(b.get("callback_data") == data for b in message.buttons):
            return message.message_id
    return None


async def progress(scene: Scene) -> bool:
    """What a patient person does at the talk's current question: the ordinary answer, or
    the tap of someone who wants to take part. True once the talk has ended."""
    talk = await scene.talk()
    if talk.status == "ended":
        return True
    person, kept = scene.person, talk.progress or {}
    flow = scene.world.services.flows.get(talk.flow_id, talk.flow_version)
    assert flow is not None and talk.id is not None
    step = flow.step(talk.step)
    if talk.status == "paused":
        await observe(scene, person.send("/start"), "progress")
        return False
    if talk.status == "withdrawn":
        action = "resume"
    elif kept.get("pending") == "stop":
        action = "stay"
    elif kept.get("draft") is not None:
        action = "back"  # someone half added to a list: not the answer; back to the list
    elif step.kind is StepKind.TEXT:
        answer = ANSWER[scene.language].format(step=step.id)
        await observe(scene, person.send(answer), "progress", typed=answer)
        return False
    elif step.kind is StepKind.CHOICE:
        wanted = PREFERRED.get(step.id, "yes")
        action = next((f"o{i}" for i, o in enumerate(step.options) if o.value == wanted),
                      "o0")
    else:
        action = {StepKind.INFO: "next", StepKind.LIST: "done",
                  StepKind.REVIEW: "submit"}[step.kind]
    data = buttons.encode(TalkTap(talk.id, talk.seq, action))
    message_id = _button_message(person, data)
    if message_id is None:  # the question is not on screen (deleted, or never arrived)
        await observe(scene, person.send("/start"), "progress")
    else:
        option = action[1:] if action.startswith("o") else ""
        chose = (step.id, step.options[int(option)].value) if option.isdigit() else None
        await observe(scene, person.tap_data(message_id, data), "progress", chose=chose)
    return False


async def observe(scene: Scene, act: Awaitable[JSONDict], kind: str, *,
                  typed: str | None = None, chose: tuple[str, str] | None = None) -> None:
    """Does one thing as the person and checks what came of it: the tap answered, the reply
    in the person's language, and which answer each step must now keep."""
    person, stranger = scene.person, scene.stranger
    before, seen = await scene.talk(), len(person.messages)
    strangers_seen = len(stranger.messages)
    update = await act
    scene.updates.append(update)
    after = await scene.talk()
    query = update.get("callback_query")
    if query is not None:
        assert query["id"] in {a.callback_query_id for a in scene.api.callback_answers}, (
            f"the tap {query['data']!r} ({kind}) was never answered")
        tapped = buttons.decode(query["data"] or "")
        if isinstance(tapped, PickLanguage) and query["from"]["id"] == person.user_id:
            scene.language, scene.switched = tapped.language, True
    check_replies(scene, person, person.messages[seen:], scene.language)
    check_replies(scene, stranger, stranger.messages[strangers_seen:],
                   scene.stranger_language or pick_language(stranger.language_code))
    # Which answer each step keeps: the answer typed or chosen where the talk was, once the
    # talk moved on. Only typing, commands and a patient person's moves may change answers;
    # a change the test cannot foresee (a skip, a list) leaves that step's answer unknown.
    predicted: dict[str, Any] = {}
    if before.step != after.step or before.status != after.status:
        flow = scene.world.services.flows.get(before.flow_id, before.flow_version)
        assert flow is not None
        step = flow.step(before.step)
        pending = (before.progress or {}).get("pending")
        if (typed is not None and not without_unwanted(typed).startswith("/")
                and step.kind is StepKind.TEXT and pending is None
                and before.status in ("active", "paused")):
            predicted[before.step] = as_stored(typed)
        elif chose is not None and chose[0] == before.step:
            predicted[before.step] = chose[1]
    changed = {k for k in {*before.answers, *after.answers}
               if before.answers.get(k) != after.answers.get(k)}
    assert typed is not None or kind == "progress" or not changed, (
        f"a {kind} changed the answers to {sorted(changed)}:\n{person.transcript()}")
    for step_id in changed - predicted.keys():
        scene.expected.pop(step_id, None)
    scene.expected.update(predicted)


def check_replies(scene: Scene, who: TelegramUser, messages: list[Any],
                  language: str) -> None:
    """Every reply is kind and in `language`: all of it (buttons too) in that language, no
    empty message, no placeholder left unfilled, no "None", no "something went wrong"."""
    quoted = [*scene.typed(), *scene.edits, FACTS, FACTS_EN]
    went_wrong = {bot_dialogs()[1]("error.general", lang) for lang in ("nl", "en")}
    for message in messages:
        wrong = foreign(message.content, message.button_labels, language, quoted)
        assert not wrong, (f"{who!r} reads another language than {language!r}: {wrong}\n"
                           f"{message.describe()}")
        own = message.content
        for piece in sorted((q for q in quoted if len(q) >= 4), key=len, reverse=True):
            own = own.replace(piece, " ")
        assert message.method != "sendMessage" or own.strip(), message.describe()
        assert not UNKIND.search(own) and message.content not in went_wrong, (
            f"{who!r} got an unkind reply: {message.describe()}")


UNKIND = re.compile(r"\{[a-z_]+\}|\bNone\b|Traceback|Exception")


async def finish(scene: Scene) -> None:
    """Whatever state the talk is in now, a patient person can still finish it."""
    for _ in range(80):
        if await progress(scene):
            return
    raise AssertionError(f"the talk did not finish:\n{scene.person.transcript()}")


# ---------------------------------------------------------------------------- hostile input

def _taps_of(messages: list[Any]) -> list[tuple[int, str]]:
    return [(m.message_id, str(b["callback_data"])) for m in messages for b in m.buttons
            if isinstance(b.get("callback_data"), str)]


async def throw(scene: Scene, event: tuple[str, Any]) -> None:
    """One hostile event; most are one update, a few two."""
    kind, value = event
    person, stranger, api = scene.person, scene.stranger, scene.api
    scene.thrown[kind] += 1
    newest = person.messages[-1].message_id
    if kind in ("text", "command"):
        await observe(scene, person.send(value), kind, typed=value)
    elif kind == "forged":
        await observe(scene, person.tap_data(newest, value), kind)
    elif kind == "own_button":  # an older button of the person's own (never the current one)
        talk = await scene.talk()
        current = f"t:{talk.id}:{talk.seq}:"
        pool = [(m, d) for m, d in _taps_of(person.messages) if not d.startswith(current)]
        if pool:
            message_id, data = pool[value % len(pool)]
            await observe(scene, person.tap_data(message_id, data), kind)
    elif kind == "copied":  # data from the coordinator's or another participant's buttons
        others = [m for m in api.sent if m.chat_id != person.user_id]
        pool = _taps_of(others)
        if pool:
            await observe(scene, person.tap_data(newest, pool[value % len(pool)][1]), kind)
    elif kind == "stranger_copies":  # someone else taps the person's buttons: changes nothing
        pool = _taps_of(person.messages)
        if pool:
            data = pool[value % len(pool)][1]
            picked = buttons.decode(data)
            if isinstance(picked, PickLanguage):  # a language picker only sets the tapper's
                scene.stranger_language = picked.language
            await unchanged(scene, lambda: stranger.tap_data(
                stranger.messages[-1].message_id, data))
    elif kind == "media":
        if isinstance(value, tuple):  # a photo, with or without a caption
            await observe(scene, person.send_photo(caption=value[1]), kind)
        elif value in OTHER_MEDIA:
            await observe(scene, scene.send(api.user_sends_other(person.user_id,
                                                                 OTHER_MEDIA[value])), kind)
        else:
            await observe(scene, getattr(person, f"send_{value}")(), kind)
    elif kind == "stranger":
        await unchanged(scene, lambda: stranger.send(value))
    elif kind == "link":
        who = person if value == "own" else stranger
        act = who.send(f"/start {scene.token}")
        if who is person:
            await observe(scene, act, kind)
        else:
            await unchanged(scene, lambda: act)
    elif kind == "edit":
        number, text = value
        own = [m for m in api.user_messages if m.user_id == person.user_id and m.kind == "text"]
        edited = "bewerkt-7f3a " + text
        scene.edits.append(as_stored(edited))
        await observe(scene, person.edit(own[number % len(own)].message_id, edited), kind)
    elif kind == "group":
        await in_a_group(scene, *value)
    elif kind == "member":  # the person blocks the bot, and takes it back
        await observe(scene, scene.send(api.user_blocks_bot(person.user_id)), kind)
        await observe(scene, scene.send(api.user_unblocks_bot(person.user_id)), kind)
        scene.thrown[kind] += 1
    elif kind == "again":  # an update delivered before, delivered again: nothing happens
        earlier = scene.updates[value % len(scene.updates)]
        await scene.world.deliver_outbox()
        sent = len(api.sent)
        await unchanged(scene, lambda: scene.send(api.deliver_again(earlier)))
        assert len(api.sent) == sent, f"an update seen before was answered again: {earlier}"
    else:
        update = unknown(scene, value)
        text = (update.get("message") or {}).get("text")  # a text with fields of the future
        await observe(scene, scene.send(update), kind, typed=text)


async def unchanged(scene: Scene, act: Callable[[], Awaitable[JSONDict]]) -> None:
    """What someone else (or a group, or an old update) does leaves the talk as it was."""
    before = await scene.talk()
    stranger_seen = len(scene.stranger.messages)
    update = await act()
    scene.updates.append(update)
    after = await scene.talk()
    assert (after.step, after.status, after.seq, after.answers) == (
        before.step, before.status, before.seq, before.answers), f"changed by {update}"
    query = update.get("callback_query")
    if query is not None:
        assert query["id"] in {a.callback_query_id for a in scene.api.callback_answers}, (
            f"the tap {query['data']!r} was never answered")
    check_replies(scene, scene.stranger, scene.stranger.messages[stranger_seen:],
                   scene.stranger_language
                   or pick_language(scene.stranger.language_code))


async def in_a_group(scene: Scene, kind: str, text: str) -> None:
    """Groups and channels: the bot reads along at most; it never answers there."""
    api, user_id = scene.api, scene.person.user_id
    if kind in ("message", "edit"):
        chat = GROUP if kind == "message" else SUPERGROUP
        update = api.user_writes_in_group(user_id, chat, text, edited=kind == "edit")
    elif kind == "tap":  # a button of the person's own, as if under a message in a group
        pool = _taps_of(scene.person.messages) or [(0, "x")]
        update = api.user_taps_in_group(user_id, SUPERGROUP, pool[len(text) % len(pool)][1])
    elif kind in ("bot_added", "joins"):
        update = api.group_membership_changes(user_id, GROUP, bot_itself=kind == "bot_added")
    else:
        update = api.channel_posts(CHANNEL, text, edited=kind == "channel_edit")
    seen = len(api.sent)
    await unchanged(scene, lambda: scene.send(update))
    assert not [m for m in api.sent[seen:] if m.chat_id == user_id], (
        f"a {kind} in a group was answered in the person's private chat")


def unknown(scene: Scene, kind: str) -> JSONDict:
    """Updates with fields the bot does not know, or of kinds it does not handle."""
    api, person = scene.api, scene.person
    user = api.register_user(person.user_id)
    chat = {"id": person.user_id, "type": "private", "first_name": person.first_name}
    if kind == "extra_fields":
        update = api.user_sends_text(person.user_id, "Een bericht van later.")
        update["message"]["some_future_field"] = {"nested": [1, "twee", None]}
        update["a_future_top_level_field"] = {"x": 1}
        return update
    if kind == "unknown_content":
        return api.raw_update("message", {"message_id": 999_999, "from": user, "chat": chat,
                                          "date": 0, "future_content": {"x": 1}})
    if kind == "unknown_kind":
        return api.raw_update("future_update", {"from": user, "chat": chat, "text": "/start"})
    if kind == "reaction":
        return api.raw_update("message_reaction", {
            "chat": chat, "message_id": person.messages[-1].message_id, "user": user,
            "date": 0, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]})
    if kind == "inline_query":
        return api.raw_update("inline_query", {"id": "77", "from": user, "query": "/start",
                                               "offset": ""})
    return api.raw_update("poll_answer", {"poll_id": "5", "user": user, "option_ids": [0],
                                          "option_persistent_ids": ["a"]})


# ------------------------------------------------------------------------------- the property

THROWN: Counter[str] = Counter()  # hostile updates thrown per kind, for the closing figures
EXAMPLES: Counter[str] = Counter()  # examples run per flow, database and talk language
HIT: dict[str, set[str]] = {}  # per flow, the steps (and "ended") hostile input landed on
