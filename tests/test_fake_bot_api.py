"""The Telegram fake is only useful if real python-telegram-bot cannot tell it from Telegram.

These tests drive the fake with PTB itself (no herstelbot code): in-process through
``FakeRequest`` and over real HTTP through ``FakeBotAPIServer`` with PTB's own HTTPXRequest.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes import (
    FakeBotAPI,
    FakeBotAPIServer,
    FakeRequest,
    TelegramLimits,
    TelegramUser,
    deliver_to_application,
    queued_only,
    tiny_png,
)
from tests.fakes.http_server import parse_body

AnyApp = Application[Any, Any, Any, Any, Any, Any]
ANNA = 4242
BRAM = 5151


@pytest.fixture(autouse=True)
def _timedelta_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on int time periods (RetryAfter!) unless opted in; warnings are errors."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
def server(api: FakeBotAPI) -> Iterator[FakeBotAPIServer]:
    with FakeBotAPIServer(api) as running:
        yield running


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    # Both request slots: without get_updates_request PTB would poll api.telegram.org.
    async with Bot(
        api.token, request=FakeRequest(api), get_updates_request=FakeRequest(api)
    ) as in_process_bot:
        yield in_process_bot


@pytest.fixture
async def http_bot(api: FakeBotAPI, server: FakeBotAPIServer) -> AsyncIterator[Bot]:
    async with Bot(
        api.token,
        base_url=f"{server.base_url}/bot",
        base_file_url=f"{server.base_url}/file/bot",
    ) as over_http:
        yield over_http


# --------------------------------------------------------------------------- a tiny PTB bot


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    context.bot_data["start_args"] = list(context.args or [])
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Ja", callback_data="answer:yes")],
            [InlineKeyboardButton("Nee, liever niet", callback_data="answer:no")],
        ]
    )
    await update.effective_message.reply_text(
        f"Welkom <b>{update.effective_user.first_name}</b> &amp; fijn dat je er bent",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def _photo_in(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    photo_file = await message.photo[-1].get_file()
    content = await photo_file.download_as_bytearray()
    await message.reply_text(f"foto van {len(content)} bytes")


async def _qr(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_photo(tiny_png(29, 29), caption="Jouw QR-code")


async def _tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Genoteerd")
    # PTB 22.8 parses even an inaccessible message (date 0) as `Message`; check the flag.
    if query.message is not None and query.message.is_accessible:
        await query.edit_message_text(f"Je koos: {query.data}")  # no markup: keyboard goes
    else:
        await context.bot.send_message(query.from_user.id, "Dat bericht bestaat niet meer")


def _build(app: AnyApp) -> AnyApp:
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CommandHandler("qr", _qr))
    app.add_handler(MessageHandler(filters.PHOTO, _photo_in))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_tapped))
    return app


def _in_process_app(api: FakeBotAPI) -> AnyApp:
    builder = (
        Application.builder()
        .token(api.token)
        .request(FakeRequest(api))
        .get_updates_request(FakeRequest(api))
    )
    return _build(builder.build())


# --------------------------------------------------------------------------- in-process


async def test_in_process_conversation_with_buttons(api: FakeBotAPI) -> None:
    async with _in_process_app(api) as app:
        anna = TelegramUser(api, ANNA, "Anna", deliver_to_application(app))

        update = await anna.send("/start uitnodiging-123")
        assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        assert app.bot_data["start_args"] == ["uitnodiging-123"]
        welcome = anna.messages[-1]
        assert welcome.text == "Welkom Anna & fijn dat je er bent"  # rendered like a client
        assert welcome.entities == [{"type": "bold", "offset": 7, "length": 4}]
        assert anna.buttons(welcome) == ["Ja", "Nee, liever niet"]
        assert welcome.raw["from"]["is_bot"] is True
        assert isinstance(welcome.raw["date"], int)

        await anna.send("hallo daar")
        assert anna.last_text == "echo: hallo daar"
        # User and bot messages share one per-chat counter, as in a private chat.
        assert [m.message_id for m in anna.messages] == [2, 4]

        await anna.tap("liever niet")  # substring match
        answer = api.callback_answers[-1]
        assert (answer.text, answer.data, answer.message_id) == ("Genoteerd", "answer:no", 2)
        assert welcome.text == "Je koos: answer:no"
        assert anna.buttons(welcome) == []  # editMessageText without markup drops it
        assert [edit.method for edit in api.edits] == ["editMessageText"]
        with pytest.raises(AssertionError, match="sees no button 'Ja'"):
            await anna.tap("Ja")

        # A forged tap on a message that was deleted meanwhile arrives as inaccessible.
        await app.bot.delete_message(ANNA, welcome.message_id)
        tap = await anna.tap_data(welcome.message_id, "answer:yes")
        parsed = Update.de_json(tap, app.bot)
        assert parsed.callback_query is not None
        message = parsed.callback_query.message
        assert message is not None and not message.is_accessible
        assert anna.last_text == "Dat bericht bestaat niet meer"
        assert anna.texts_since(2) == ["Dat bericht bestaat niet meer"]


async def test_in_process_media_and_user_updates_parse_in_ptb(api: FakeBotAPI) -> None:
    async with _in_process_app(api) as app:
        bram = TelegramUser(api, BRAM, "Bram", deliver_to_application(app), language_code="en")
        await bram.send_photo(caption="kijk")
        assert bram.last_text is not None and bram.last_text.startswith("foto van ")
        assert int(bram.last_text.split()[2]) == len(tiny_png(64, 48))

        await bram.send("/qr")
        qr_message = bram.messages[-1]
        assert qr_message.photo == tiny_png(29, 29)
        assert qr_message.caption == "Jouw QR-code"

        for update in (
            api.user_sends_sticker(BRAM),
            api.user_sends_voice(BRAM),
            api.user_sends_document(BRAM),
            api.user_edits(BRAM, 3, "/qr bewerkt"),
            api.user_blocks_bot(BRAM),
        ):
            parsed = Update.de_json(update, app.bot)
            assert parsed.update_id == update["update_id"]
        edited = Update.de_json(api.user_edits(BRAM, 3, "nieuw"), app.bot).edited_message
        assert edited is not None and edited.text == "nieuw" and edited.edit_date is not None
        sticker = Update.de_json(api.user_sends_sticker(BRAM), app.bot).effective_message
        assert sticker is not None and sticker.sticker is not None
        assert sticker.from_user is not None and sticker.from_user.language_code == "en"


async def test_bot_api_errors_become_ptb_exceptions(api: FakeBotAPI, bot: Bot) -> None:
    api.user_sends_text(ANNA, "/start")
    api.user_sends_text(BRAM, "/start")

    api.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(ANNA, "te snel")
    assert flood.value.retry_after == timedelta(seconds=7)

    api.fail_next("sendmessage", error_code=403, chat_id=ANNA, times=2)
    await bot.send_message(BRAM, "Bram is niet geblokkeerd")  # other chat unaffected
    for _ in range(2):
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(ANNA, "hallo")
    await bot.send_message(ANNA, "weer goed")
    assert [m.text for m in api.messages_to(ANNA)] == ["weer goed"]

    api.user_blocks_bot(BRAM)
    with pytest.raises(Forbidden):
        await bot.send_message(BRAM, "geblokkeerd")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(999, "wie?")
    # PTB str.capitalize()s descriptions, hence the case-insensitive patterns.
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "5" at byte offset 1'):
        await bot.send_message(ANNA, "x<5 en y>3", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Character '.' is reserved"):
        await bot.send_message(ANNA, "Klaar.", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(ANNA, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(
            ANNA,
            "te lange data",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="x" * 65)]]
            ),
        )

    sent = await bot.send_message(
        ANNA,
        "kies",
        reply_markup=InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a")),
    )
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_reply_markup(ANNA, sent.message_id, reply_markup=sent.reply_markup)
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANNA, message_id=9999)
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await bot.answer_callback_query("12345")
    assert await bot.delete_message(ANNA, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(ANNA, sent.message_id)

    # Only inline keyboards come back in the Message; a reply keyboard is recorded though.
    with_keyboard = await bot.send_message(ANNA, "kies", reply_markup=ReplyKeyboardMarkup([["Ja"]]))
    assert with_keyboard.reply_markup is None
    recorded = api.messages_to(ANNA)[-1].reply_markup
    assert recorded is not None and recorded["keyboard"] == [[{"text": "Ja"}]]

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    with pytest.raises(InvalidToken):
        await Bot("123456:WRONG", request=FakeRequest(api)).get_me()


async def test_commands_menu_and_settings(api: FakeBotAPI, bot: Bot) -> None:
    api.user_sends_text(ANNA, "/start")
    menu = [BotCommand("start", "Begin"), BotCommand("help", "Hulp")]
    assert await bot.set_my_commands(menu, language_code="nl")
    assert await bot.set_my_commands(menu[:1], scope=BotCommandScopeChat(ANNA))
    assert await bot.get_my_commands(language_code="nl") == tuple(menu)
    assert await bot.get_my_commands() == ()
    assert api.commands_for(language_code="nl") == [
        {"command": "start", "description": "Begin"},
        {"command": "help", "description": "Hulp"},
    ]
    assert api.commands_for({"type": "chat", "chat_id": ANNA}) == [
        {"command": "start", "description": "Begin"}
    ]
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):  # chat the bot never saw
        await bot.set_my_commands(menu, scope=BotCommandScopeChat(777))
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "hoofdletter")])
    assert await bot.delete_my_commands(language_code="nl")
    assert api.commands_for(language_code="nl") == []
    assert await bot.set_chat_menu_button()
    assert await bot.log_out()
    assert await bot.close()
    assert api.close_calls == 1 and api.log_out_calls == 1


async def test_in_process_long_poll_offsets_and_order(api: FakeBotAPI, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.5  # functional: it really waited

    loop = asyncio.get_running_loop()
    loop.call_later(0.1, api.user_sends_text, ANNA, "wakker?")
    woken = await bot.get_updates(timeout=10)
    assert [u.message.text for u in woken if u.message] == ["wakker?"]

    for index in range(5):
        api.user_sends_text(ANNA, f"bericht {index}")
    offset = woken[-1].update_id + 1
    first = await bot.get_updates(offset=offset, limit=2)
    assert [u.message.text for u in first if u.message] == ["bericht 0", "bericht 1"]
    assert api.pending_updates() == 5  # not confirmed until a higher offset arrives
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["bericht 2", "bericht 3", "bericht 4"]
    ids = [u.update_id for u in (*woken, *first, *rest)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    await bot.get_updates(offset=-1)
    assert api.pending_updates() == 1


def test_update_ids_and_message_ids_under_concurrency(api: FakeBotAPI) -> None:
    def chatter(user_id: int) -> None:
        for index in range(50):
            api.user_sends_text(user_id, f"{user_id}-{index}")

    threads = [threading.Thread(target=chatter, args=(1000 + n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    status, body = api.handle("getUpdates", {"limit": "100"})
    seen: list[int] = []
    while body["result"]:
        assert status == 200
        seen += [update["update_id"] for update in body["result"]]
        status, body = api.handle("getUpdates", {"offset": str(seen[-1] + 1), "timeout": "0"})
    assert len(seen) == 400
    assert all(later > earlier for earlier, later in itertools.pairwise(seen))
    per_chat = [m.message_id for m in api.user_messages if m.chat_id == 1003]
    assert per_chat == list(range(1, 51))


async def test_slow_call_times_out_but_still_happens(api: FakeBotAPI) -> None:
    api.user_sends_text(ANNA, "/start")
    async with Bot(api.token, request=FakeRequest(api, read_timeout=0.1)) as slow_bot:
        api.delay_next("sendMessage", 0.3)
        with pytest.raises(TimedOut):
            await slow_bot.send_message(ANNA, "kom ik aan?")
    # shutdown waited for the server side: like Telegram, the message was delivered anyway
    assert [m.text for m in api.messages_to(ANNA)] == ["kom ik aan?"]


def test_wait_for_messages_explains_what_was_sent(api: FakeBotAPI) -> None:
    api.user_sends_text(ANNA, "/start")
    api.handle("sendMessage", {"chat_id": str(ANNA), "text": "Welkom"})
    assert [m.text for m in api.wait_for_messages(ANNA, 1, timeout=1)] == ["Welkom"]
    with pytest.raises(AssertionError) as failure:
        api.wait_for_messages(ANNA, 2, timeout=0.05)
    assert "#1 user: '/start'" in str(failure.value)
    assert "#2 bot: 'Welkom'" in str(failure.value)


def test_handle_decodes_form_values_like_telegram(api: FakeBotAPI) -> None:
    api.user_sends_text(ANNA, "hoi")
    status, body = api.handle(
        "SENDMESSAGE",  # method names are case-insensitive
        {
            "chat_id": str(ANNA),
            "text": "123",  # stays a string
            "reply_markup": '{"inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]}',
        },
    )
    assert status == 200 and body["result"]["text"] == "123"
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Ok"
    assert api.handle("noSuchMethod", {}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    api.fail_next("sendMessage", error_code=429, retry_after=3)
    assert api.handle("sendMessage", {"chat_id": ANNA, "text": "x"}) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )


# --------------------------------------------------------------------------- over HTTP


async def test_polling_application_over_http(api: FakeBotAPI, server: FakeBotAPIServer) -> None:
    app = _build(
        Application.builder()
        .token(api.token)
        .base_url(f"{server.base_url}/bot")
        .base_file_url(f"{server.base_url}/file/bot")
        .build()
    )
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=timedelta(seconds=2), poll_interval=0)
        try:
            anna = TelegramUser(api, ANNA, "Anna", queued_only)
            await anna.send("/start")
            welcome = await anna.wait_for_text("Welkom Anna")
            assert anna.buttons(welcome) == ["Ja", "Nee, liever niet"]

            await anna.tap("Ja")
            await anna.wait_for_text("Je koos: answer:yes")
            assert api.callback_answers[-1].text == "Genoteerd"

            await anna.send_photo()
            await anna.wait_for_text("foto van")  # getFile + download over HTTP

            await anna.send("/qr")
            qr = await anna.wait_for_text("QR-code")
            assert qr.photo == tiny_png(29, 29)  # multipart upload arrived byte-exact
            assert qr.raw["photo"][-1]["width"] == 29

            await anna.send("nog één")
            await anna.wait_for_text("echo: nog één")
        finally:
            await app.updater.stop()
            await app.stop()
    assert api.pending_updates() == 0  # the updater's last getUpdates confirmed everything
    assert api.unsupported_calls == []


async def test_http_errors_uploads_and_long_poll(
    api: FakeBotAPI, server: FakeBotAPIServer, http_bot: Bot
) -> None:
    api.user_sends_text(ANNA, "/start")
    assert await http_bot.get_updates() != ()
    await http_bot.get_updates(offset=-1)

    started = time.monotonic()
    await http_bot.get_updates(offset=10**10, timeout=1)
    assert time.monotonic() - started >= 0.5

    api.fail_next("sendMessage", error_code=429, retry_after=11)
    with pytest.raises(RetryAfter) as flood:
        await http_bot.send_message(ANNA, "te snel")
    assert flood.value.retry_after == timedelta(seconds=11)
    api.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    with pytest.raises(Forbidden):
        await http_bot.send_message(ANNA, "hallo")

    photo = await http_bot.send_photo(
        ANNA, tiny_png(300, 200), caption="<i>QR</i>", parse_mode="HTML"
    )
    assert api.messages_to(ANNA)[-1].photo == tiny_png(300, 200)
    assert photo.caption == "QR" and photo.photo[-1].width == 300
    again = await http_bot.send_photo(ANNA, photo.photo[-1].file_id)  # re-send by file_id
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    document = await http_bot.send_document(ANNA, b"a,b\r\n1,2\r\n", filename="lijst.csv")
    assert document.document is not None and document.document.file_name == "lijst.csv"
    assert api.messages_to(ANNA)[-1].document == b"a,b\r\n1,2\r\n"

    with pytest.raises(InvalidToken):
        async with Bot("123456:WRONG", base_url=f"{server.base_url}/bot"):
            pass  # initialize() calls getMe


async def test_second_bot_instance_gets_conflict(
    api: FakeBotAPI, server: FakeBotAPIServer, http_bot: Bot
) -> None:
    first = asyncio.create_task(http_bot.get_updates(timeout=20))
    await asyncio.to_thread(api.wait_until, lambda: api.polls_started > 0, 5.0, "first poll")
    async with Bot(api.token, base_url=f"{server.base_url}/bot") as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getupdates request"):
        await first


async def test_raw_http_keep_alive_and_body_formats(
    api: FakeBotAPI, server: FakeBotAPIServer
) -> None:
    api.user_sends_text(ANNA, "hoi")
    root = f"{server.base_url}/bot{api.token}"
    async with httpx.AsyncClient() as client:
        as_json = await client.post(f"{root}/sendMessage", json={"chat_id": ANNA, "text": "json"})
        as_query = await client.get(f"{root}/sendMessage", params={"chat_id": ANNA, "text": "get"})
        as_form = await client.post(f"{root}/sendMessage", data={"chat_id": ANNA, "text": "form"})
        unknown = await client.post(f"{root}/fooBar")
        wrong = await client.post(f"{server.base_url}/bot1:nope/getMe")
    for response in (as_json, as_query, as_form):
        assert response.status_code == 200 and response.json()["ok"] is True
        assert response.headers["content-length"] == str(len(response.content))
        assert response.http_version == "HTTP/1.1"
    assert unknown.status_code == 404 and unknown.json()["description"] == "Not Found"
    assert wrong.status_code == 401 and wrong.json()["description"] == "Unauthorized"
    assert [m.text for m in api.messages_to(ANNA)] == ["json", "get", "form"]


def test_multipart_parsing_is_byte_exact() -> None:
    payload = bytes(range(256)) * 4 + b"\r\n--boundary-ish\r\n\r\n"
    request = httpx.Request(
        "POST",
        "http://x/",
        data={"chat_id": "42", "caption": "héllo"},
        files={"document": ('coördinatie "v2".bin', payload, "application/octet-stream")},
    )
    fields, files, meta = parse_body(request.headers["content-type"], request.read())
    assert fields == {"chat_id": "42", "caption": "héllo"}
    assert files == {"document": payload}
    assert meta == {"document": ('coördinatie "v2".bin', "application/octet-stream")}


def test_server_shutdown_wakes_a_blocked_long_poll(api: FakeBotAPI) -> None:
    outcome: list[str] = []

    def poll(url: str) -> None:
        try:
            with httpx.Client() as client:
                client.post(url, data={"timeout": "60"}, timeout=90)
            outcome.append("answered")
        except httpx.HTTPError:
            outcome.append("connection closed")

    with FakeBotAPIServer(api) as running:
        poller = threading.Thread(
            target=poll, args=(f"{running.base_url}/bot{api.token}/getUpdates",)
        )
        poller.start()
        api.wait_until(lambda: api.polls_started > 0, timeout=5, what="the long poll to start")
    poller.join(timeout=10)
    assert not poller.is_alive() and outcome


async def test_deliver_can_surface_handler_crashes(api: FakeBotAPI) -> None:
    async def crash(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        raise ZeroDivisionError("handler bug")

    app = Application.builder().token(api.token).request(FakeRequest(api)).build()
    app.add_handler(MessageHandler(filters.ALL, crash))
    async with app:
        anna = TelegramUser(api, ANNA, "Anna", deliver_to_application(app, raise_errors=True))
        with pytest.raises(ZeroDivisionError, match="handler bug"):
            await anna.send("hoi")
        api.user_blocks_bot(ANNA)
        with pytest.raises(ZeroDivisionError):
            await anna.send("/start")  # writing again unblocks, like Telegram's "Restart"
    kinds = [
        next(k for k in u if k != "update_id") for u in api.handle("getUpdates", {})[1]["result"]
    ]
    assert kinds == ["message", "my_chat_member", "my_chat_member", "message"]


async def test_the_fake_enforces_telegrams_flood_limits_when_asked() -> None:
    """A burst past one chat's allowance, or past the bot's 30 a second, draws 429s with a
    wait; a chat that keeps to one a second, and other chats, are not affected."""
    now = [0.0]
    limits = TelegramLimits(clock=lambda: now[0])
    api = FakeBotAPI(limits=limits)
    for user in (7, 8):
        api.register_user(user)
    async with Bot(api.token, request=FakeRequest(api)) as bot:
        for _ in range(3):  # a short burst is allowed
            await bot.send_message(7, "ok")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(7, "one too many")
        assert raised.value.retry_after == timedelta(seconds=1)
        await bot.send_message(8, "another chat is not held up")
        now[0] += 1.0
        await bot.send_message(7, "a second later it goes")
        assert api.too_many == 1
        for chat in range(1000, 1040):  # 40 chats at once: past the bot's own 30 a second
            api.register_user(chat)
        refused = 0
        for chat in range(1000, 1040):
            try:
                await bot.send_message(chat, "hello")
            except RetryAfter:
                refused += 1
        assert refused == 40 - (30 - 1)  # the send to chat 7 this second took one of 30
