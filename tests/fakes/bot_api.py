"""An in-memory, thread-safe fake of the Telegram Bot API server.

Why: herstelbot's tests must exercise the real python-telegram-bot stack (request
encoding, error mapping, polling) without touching api.telegram.org. This class is the
*server side* only — no sockets, no asyncio. Transports live elsewhere:
:mod:`tests.fakes.request` (in-process ``BaseRequest``) and :mod:`tests.fakes.http_server`
(real HTTP for a bot running as its own process).

Faithfulness goals (each one is a production bug class the fake lets tests catch):

* error replies use Telegram's status codes and descriptions, so PTB raises the same
  exception types (``BadRequest``, ``Forbidden``, ``RetryAfter``, ``Conflict`` ...);
* ``parse_mode`` is parsed server-side (bad HTML/MarkdownV2 is a 400, text is stored
  rendered), ``message is not modified``, ``editMessageText`` without ``reply_markup``
  removes the keyboard, only inline keyboards are echoed in returned messages;
* ``getUpdates`` is a real long poll with offset confirmation, and a newer
  ``getUpdates`` terminates an older one with 409 like Telegram does;
* private chats only: chat id == user id; sending to a user who never talked to the bot
  is ``400 chat not found`` (disable with ``strict_chats=False``).
"""

from __future__ import annotations

import copy
import itertools
import json
import mimetypes
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.formatting import EntityParseError, find_bot_commands, render, utf16_len
from tests.fakes.limits import TelegramLimits

__all__ = [
    "API_PATH_RE",
    "DEFAULT_ALLOWED_UPDATES",
    "FILE_PATH_RE",
    "ApiCall",
    "ApiError",
    "CallbackAnswer",
    "EditRecord",
    "FakeBotAPI",
    "SentMessage",
    "StoredFile",
    "UserMessage",
    "tiny_png",
]

JSONDict = dict[str, Any]
Files = dict[str, bytes]
FileMeta = dict[str, tuple[str, str]]
# Every method implementation takes (params, files, file meta, may_block).
MethodImpl = Callable[[JSONDict, Files, FileMeta, bool], Any]

# URL paths of the Bot API (shared by both transports): /bot<token>/<method> and file downloads.
API_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/?]+)$")
FILE_PATH_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")

# Update types Telegram delivers when allowed_updates is empty / never set.
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

# Parameters that arrive JSON-encoded in form/multipart bodies (PTB json.dumps() every
# non-str value). Plain strings such as ``text`` must NOT be decoded: "123" stays "123".
_JSON_PARAMS = frozenset(
    {
        "allow_sending_without_reply",
        "allowed_updates",
        "cache_time",
        "caption_entities",
        "chat_id",
        "commands",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "entities",
        "from_chat_id",
        "has_spoiler",
        "limit",
        "link_preview_options",
        "max_connections",
        "menu_button",
        "message_id",
        "message_ids",
        "message_thread_id",
        "offset",
        "protect_content",
        "reply_markup",
        "reply_parameters",
        "reply_to_message_id",
        "scope",
        "show_alert",
        "show_caption_above_media",
        "timeout",
        "user_id",
    }
)

_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
GETUPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)


class ApiError(Exception):
    """A Bot API error reply; turned into ``{"ok": false, ...}`` by :meth:`FakeBotAPI.handle`."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    @property
    def body(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _inline_rows(markup: JSONDict | None) -> list[list[JSONDict]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard")
    return rows if isinstance(rows, list) else []


@dataclass
class SentMessage:
    """A message the bot sent; text/caption/markup reflect the *current* state after edits.

    ``text``/``caption`` are what the user sees (parse_mode applied, tags removed); the raw
    request is in ``params``. ``reply_markup`` is the markup as sent (any keyboard type),
    replaced by the current inline keyboard (or None) when the bot edits the message.
    """

    method: str
    chat_id: int
    message_id: int
    text: str | None
    reply_markup: JSONDict | None
    photo: bytes | None
    caption: str | None
    params: JSONDict
    date: int
    document: bytes | None = None
    document_name: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None
    raw: JSONDict = field(default_factory=dict, repr=False)

    @property
    def content(self) -> str:
        """Text or caption, whichever this message has ("" for neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def button_rows(self) -> list[list[JSONDict]]:
        """Inline keyboard rows currently attached (empty for reply keyboards)."""
        return _inline_rows(self.reply_markup)

    @property
    def buttons(self) -> list[JSONDict]:
        """All inline buttons, row by row."""
        return [button for row in self.button_rows for button in row]

    @property
    def button_labels(self) -> list[str]:
        return [str(button.get("text", "")) for button in self.buttons]

    def describe(self) -> str:
        """One line for assertion dumps."""
        flags = " (deleted)" if self.deleted else ""
        kind = "" if self.method == "sendMessage" else f"[{self.method}] "
        labels = self.button_labels
        keyboard = f"  buttons={labels}" if labels else ""
        return f"#{self.message_id} bot{flags}: {kind}{self.content!r}{keyboard}"


@dataclass
class UserMessage:
    """A message a simulated user sent (kept so edits/taps/replies can refer to it)."""

    chat_id: int
    message_id: int
    user_id: int
    kind: str
    text: str | None
    date: int
    raw: JSONDict = field(repr=False)
    deleted: bool = False

    def describe(self) -> str:
        flags = " (deleted)" if self.deleted else ""
        body = repr(self.text) if self.text is not None else f"<{self.kind}>"
        return f"#{self.message_id} user{flags}: {body}"


@dataclass
class EditRecord:
    """One successful edit* call, in order (SentMessage keeps only the latest state)."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    reply_markup: JSONDict | None
    params: JSONDict
    date: int


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery call, linked back to the tap that caused it."""

    callback_query_id: str
    user_id: int
    message_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    params: JSONDict


@dataclass
class ApiCall:
    """Every request the fake received (including failed and unknown ones)."""

    method: str
    params: JSONDict
    status: int
    description: str | None
    at: float


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or sent by a simulated user)."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes | None
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class _Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    chat_id: int | None
    remaining: int
    skip: int = 0  # matching calls to let through first


@dataclass
class _PendingQuery:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False


@dataclass
class _User:
    user_id: int
    first_name: str
    language_code: str
    username: str | None = None
    last_name: str | None = None

    def to_json(self) -> JSONDict:
        data: JSONDict = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def chat_json(self) -> JSONDict:
        data: JSONDict = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A valid grey PNG, used for user photos and in tests (the fake sniffs image headers)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _image_size(content: bytes) -> tuple[int, int] | None:
    """Width/height of PNG/JPEG/GIF/BMP/WebP data; None if it is not an image Telegram takes."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content.startswith(b"BM") and len(content) >= 26:
        width, height = struct.unpack("<ii", content[18:26])
        return abs(int(width)), abs(int(height))
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return 512, 512
    if content.startswith(b"\xff\xd8\xff"):
        return _jpeg_size(content) or (800, 600)
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(content):
        if content[index] != 0xFF:
            return None
        marker = content[index + 1]
        (length,) = struct.unpack(">H", content[index + 2 : index + 4])
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", content[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + int(length)
    return None


class FakeBotAPI:
    """The fake server state. All public methods are safe to call from any thread."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "herstel_test_bot",
        bot_id: int = 123456,
        *,
        bot_first_name: str = "Herstelbot",
        strict_chats: bool = True,
        clock: Callable[[], float] = time.time,
        limits: TelegramLimits | None = None,
    ) -> None:
        self.token = token
        self.limits = limits
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_chats = strict_chats
        self.clock = clock
        # RLock so helpers can nest; Condition.wait() still releases it fully.
        self._cond = threading.Condition(threading.RLock())

        self.sent: list[SentMessage] = []
        self.user_messages: list[UserMessage] = []
        self.edits: list[EditRecord] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.deleted: list[tuple[int, int]] = []
        self.calls: list[ApiCall] = []
        self.unsupported_calls: list[str] = []
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.webhook_url = ""
        self.close_calls = 0
        self.log_out_calls = 0

        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(100_000_001)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids: dict[int, int] = {}
        self._bot_messages: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[tuple[int, int], UserMessage] = {}
        self._users: dict[int, _User] = {}
        self._blocked: set[int] = set()
        self._queries: dict[str, _PendingQuery] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[JSONDict]] = {}
        self._faults: list[_Fault] = []
        self._delays: dict[str, list[tuple[float, int | None]]] = {}
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_seq = 0
        self._interrupt_gen = 0

        self._methods: dict[str, MethodImpl] = {
            "getme": self._get_me,
            "logout": self._log_out,
            "close": self._close,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendchataction": self._send_chat_action,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "setmydescription": self._bot_text_setter("description"),
            "getmydescription": self._bot_text_getter("description"),
            "setmyshortdescription": self._bot_text_setter("short_description"),
            "getmyshortdescription": self._bot_text_getter("short_description"),
            "setmyname": self._bot_text_setter("name"),
            "getmyname": self._bot_text_getter("name"),
        }

    # ------------------------------------------------------------------ transport entry

    @property
    def bot_user(self) -> JSONDict:
        """The bot as a ``User`` object (``from`` of every bot message)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def check_token(self, token: str) -> tuple[int, JSONDict] | None:
        """None if the token is ours, else the reply Telegram gives (404 malformed / 401)."""
        if token == self.token:
            return None
        if not re.fullmatch(r"\d+:[\w-]+", token):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}

    def handle(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, bytes] | None = None,
        *,
        file_meta: Mapping[str, tuple[str, str]] | None = None,
        block: bool = True,
        apply_delay: bool = True,
    ) -> tuple[int, JSONDict]:
        """Execute one Bot API call and return (HTTP status, Telegram JSON body).

        ``file_meta`` maps upload part names to (filename, mime type). ``block=False`` makes
        getUpdates ignore ``timeout`` (asyncio transports wait themselves);
        ``apply_delay=False`` means the transport already consumed a :meth:`delay_next`.
        """
        name = method.lower()  # Telegram's method names are case-insensitive
        decoded = self._decode_params(params)
        if apply_delay:
            delay = self.consume_delay(name, decoded)
            if delay > 0:
                self._sleep(delay)
        try:
            fault = self._take_fault(name, decoded)
            if fault is not None:
                raise fault
            self._enforce_limits(name, decoded)
            handler = self._methods.get(name)
            if handler is None:
                with self._cond:
                    self.unsupported_calls.append(method)
                raise ApiError(404, "Not Found")
            result = handler(decoded, dict(files or {}), dict(file_meta or {}), block)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.error_code, error.body
        with self._cond:
            self.calls.append(
                ApiCall(method, decoded, status, body.get("description"), time.monotonic())
            )
            self._cond.notify_all()
        return status, body

    @staticmethod
    def _decode_params(params: Mapping[str, Any]) -> JSONDict:
        decoded: JSONDict = {}
        for key, value in params.items():
            if isinstance(value, str) and key in _JSON_PARAMS:
                try:
                    decoded[key] = json.loads(value)
                except ValueError:
                    decoded[key] = value
            else:
                decoded[key] = value
        return decoded

    def _sleep(self, seconds: float) -> None:
        """Sleep, but return early if the server shuts down (interrupt_long_polls)."""
        deadline = time.monotonic() + seconds
        with self._cond:
            generation = self._interrupt_gen
            while generation == self._interrupt_gen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def interrupt_long_polls(self) -> None:
        """Wake every blocked getUpdates/delay so an HTTP server can shut down promptly."""
        with self._cond:
            self._interrupt_gen += 1
            self._cond.notify_all()

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally only to ``chat_id``) fail,
        once ``after`` matching calls have gone through (a message's second part, say).

        429 needs ``retry_after`` (Telegram always sends it; PTB maps it to RetryAfter).
        ``description`` defaults to Telegram's wording for 429/403/400/409.
        """
        if error_code == 429 and retry_after is None:
            raise ValueError("a 429 from Telegram always carries parameters.retry_after")
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: BLOCKED,
                400: "Bad Request",
                409: GETUPDATES_CONFLICT,
                502: "Bad Gateway",
            }.get(error_code, "Internal Server Error")
        with self._cond:
            self._faults.append(
                _Fault(method.lower(), error_code, description, retry_after, chat_id, times,
                       after)
            )

    def delay_next(self, method: str, seconds: float, *, chat_id: int | None = None) -> None:
        """Make the next call of ``method`` (optionally only to ``chat_id``) take ``seconds``
        longer (the call still happens)."""
        with self._cond:
            self._delays.setdefault(method.lower(), []).append((seconds, chat_id))

    def delays_pending(self, method: str) -> int:
        """How many :meth:`delay_next` of ``method`` no call has taken yet (a call that took
        one is under way from that moment)."""
        with self._cond:
            return len(self._delays.get(method.lower(), []))

    def consume_delay(self, method: str, params: Mapping[str, Any] | None = None) -> float:
        """Pop the pending delay for this call (for transports that sleep asynchronously)."""
        chat = self._decode_params(params or {}).get("chat_id")
        with self._cond:
            queue = self._delays.get(method.lower(), [])
            for index, (seconds, chat_id) in enumerate(queue):
                if chat_id is None or str(chat_id) == str(chat):
                    del queue[index]
                    return seconds
            return 0.0

    def has_fault_for(self, method: str, params: Mapping[str, Any]) -> bool:
        """Whether :meth:`fail_next` will fail the next call (transports then skip waiting)."""
        decoded = self._decode_params(params)
        with self._cond:
            return any(self._fault_matches(f, method.lower(), decoded) and not f.skip
                       for f in self._faults)

    @staticmethod
    def _fault_matches(fault: _Fault, method: str, params: JSONDict) -> bool:
        if fault.method != method:
            return False
        return fault.chat_id is None or params.get("chat_id") == fault.chat_id

    @property
    def too_many(self) -> int:
        """How many calls the enforced limits answered with 429."""
        return self.limits.too_many if self.limits is not None else 0

    def _enforce_limits(self, method: str, params: JSONDict) -> None:
        if self.limits is None:
            return
        wait = self.limits.check(method, params.get("chat_id"))
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    def _take_fault(self, method: str, params: JSONDict) -> ApiError | None:
        with self._cond:
            for fault in self._faults:
                if self._fault_matches(fault, method, params):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    parameters = (
                        {"retry_after": fault.retry_after}
                        if fault.retry_after is not None
                        else None
                    )
                    return ApiError(fault.error_code, fault.description, parameters)
        return None

    # ------------------------------------------------------------------ inspection helpers

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Bot messages sent to ``chat_id`` in order (deleted ones included, flagged)."""
        with self._cond:
            return [m for m in self.sent if m.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """The bot message with this id (KeyError if the bot never sent it)."""
        with self._cond:
            return self._bot_messages[(chat_id, message_id)]

    @property
    def polls_started(self) -> int:
        """How many getUpdates calls reached the queue (lets tests wait for a poll to begin)."""
        with self._cond:
            return self._poll_seq

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed via getUpdates offset."""
        with self._cond:
            return len(self._updates)

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """Commands set for a scope (default scope if None) and language."""
        with self._cond:
            return list(self.commands.get(self._scope_key(scope, language_code), []))

    def dump_chat(self, chat_id: int) -> str:
        """The whole conversation (user and bot, in message-id order) for failure messages."""
        with self._cond:
            lines: list[tuple[int, str]] = [
                (m.message_id, m.describe()) for m in self.sent if m.chat_id == chat_id
            ]
            lines += [
                (m.message_id, m.describe()) for m in self.user_messages if m.chat_id == chat_id
            ]
        lines.sort()
        return "\n".join(line for _, line in lines) or "(no messages)"

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Block (thread-safely) until ``predicate()`` is true after some API call."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
                self._cond.wait(remaining)

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Block until the bot sent at least ``count`` messages to ``chat_id``.

        Do not call this from the event loop the bot runs on (it blocks the thread).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                messages = [m for m in self.sent if m.chat_id == chat_id]
                if len(messages) >= count:
                    return messages
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected >= {count} bot messages to chat {chat_id} within {timeout}s, "
                        f"got {len(messages)}. Conversation:\n{self.dump_chat(chat_id)}"
                    )
                self._cond.wait(remaining)

    def file_content(self, file_path: str) -> bytes | None:
        """Bytes behind a getFile ``file_path`` (for file downloads), None if unknown."""
        with self._cond:
            stored = self._files_by_path.get(file_path)
            return stored.content if stored else None

    def stored_file(self, file_id: str) -> StoredFile:
        with self._cond:
            return self._files[file_id]

    # ------------------------------------------------------------------ simulated users

    def register_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """Make a user known (their private chat then exists). Returns the User object."""
        with self._cond:
            user = self._users.get(user_id)
            if user is None:
                user = _User(user_id, first_name or "Test", language_code or "nl")
                self._users[user_id] = user
            if first_name is not None:
                user.first_name = first_name
            if language_code is not None:
                user.language_code = language_code
            if username is not None:
                user.username = username
            if last_name is not None:
                user.last_name = last_name
            return user.to_json()

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """Queue a text message from a user; "/cmd ..." gets bot_command entities."""
        content: JSONDict = {"text": text}
        entities = find_bot_commands(text)
        if entities:
            content["entities"] = entities
        return self._user_message(
            user_id,
            "text",
            content,
            text=text,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=reply_to_message_id,
        )

    def user_sends_photo(
        self, user_id: int, *, caption: str | None = None, content: bytes | None = None
    ) -> JSONDict:
        """Queue a photo from a user (a real PNG, retrievable via getFile)."""
        data = content if content is not None else tiny_png(64, 48)
        size = _image_size(data) or (64, 48)
        with self._cond:
            photo = self._photo_sizes(data, size)
        payload: JSONDict = {"photo": photo}
        if caption is not None:
            payload["caption"] = caption
        return self._user_message(user_id, "photo", payload, text=None)

    def user_sends_sticker(self, user_id: int, *, emoji: str = "👍") -> JSONDict:
        """Queue a sticker from a user."""
        with self._cond:
            stored = self._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 14,
        }
        return self._user_message(user_id, "sticker", {"sticker": sticker}, text=None)

    def user_sends_voice(self, user_id: int, *, duration: int = 3) -> JSONDict:
        """Queue a voice note from a user."""
        data = b"OggS" + b"\x00" * 60
        with self._cond:
            stored = self._store_file("voice", data, "oga", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._user_message(user_id, "voice", {"voice": voice}, text=None)

    def user_sends_document(
        self,
        user_id: int,
        *,
        file_name: str = "verslag.pdf",
        content: bytes = b"%PDF-1.4\n%fake\n",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> JSONDict:
        """Queue a document from a user."""
        with self._cond:
            stored = self._store_file(
                "document", content, file_name.rsplit(".", 1)[-1], file_name, mime_type
            )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        payload: JSONDict = {"document": document}
        if caption is not None:
            payload["caption"] = caption
        return self._user_message(user_id, "document", payload, text=None)

    def user_sends_other(self, user_id: int, content: JSONDict) -> JSONDict:
        """Queue a message of any other kind, e.g. ``{"location": {...}}``, ``{"dice": {...}}``
        (the content is not checked: it is what Telegram would put in the message)."""
        return self._user_message(user_id, next(iter(content), "other"), content, text=None)

    def user_taps(self, user_id: int, message_id: int, callback_data: str) -> JSONDict:
        """Queue a callback_query as if the user pressed a button on bot message ``message_id``.

        ``callback_data`` is not checked against the keyboard, so tests can forge stale or
        tampered taps. A deleted message arrives as an InaccessibleMessage (date 0).
        """
        with self._cond:
            user = self._ensure_user(user_id, None, None)
            record = self._bot_messages.get((user_id, message_id))
            if record is None:
                raise ValueError(
                    f"user {user_id} cannot tap message {message_id}: the bot never sent it. "
                    f"Conversation:\n{self.dump_chat(user_id)}"
                )
            query_id = str(4_700_000_000_000_000_000 + next(self._query_ids))
            if record.deleted:
                message: JSONDict = {
                    "chat": user.chat_json(),
                    "message_id": message_id,
                    "date": 0,
                }
            else:
                message = copy.deepcopy(record.raw)
            self._queries[query_id] = _PendingQuery(
                query_id, user_id, user_id, message_id, callback_data
            )
            query = {
                "id": query_id,
                "from": user.to_json(),
                "message": message,
                "chat_instance": self._chat_instance(user_id),
                "data": callback_data,
            }
            return self._queue("callback_query", query)

    def user_edits(self, user_id: int, message_id: int, new_text: str) -> JSONDict:
        """Queue an ``edited_message`` for a text message this user sent earlier."""
        with self._cond:
            record = self._user_messages.get((user_id, message_id))
            if record is None or record.kind != "text":
                raise ValueError(f"user {user_id} has no text message {message_id} to edit")
            record.text = new_text
            record.raw["text"] = new_text
            entities = find_bot_commands(new_text)
            if entities:
                record.raw["entities"] = entities
            else:
                record.raw.pop("entities", None)
            record.raw["edit_date"] = self._now()
            return self._queue("edited_message", copy.deepcopy(record.raw))

    def user_blocks_bot(self, user_id: int) -> JSONDict:
        """User blocks the bot: sends become 403 and a my_chat_member update is queued."""
        with self._cond:
            self._blocked.add(user_id)
            return self._queue("my_chat_member", self._member_change(user_id, "member", "kicked"))

    def user_unblocks_bot(self, user_id: int) -> JSONDict:
        """User restarts the bot after blocking it."""
        with self._cond:
            self._blocked.discard(user_id)
            return self._queue("my_chat_member", self._member_change(user_id, "kicked", "member"))

    def _member_change(self, user_id: int, old: str, new: str) -> JSONDict:
        user = self._ensure_user(user_id, None, None)

        def member(status: str) -> JSONDict:
            data: JSONDict = {"status": status, "user": self.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        return {
            "chat": user.chat_json(),
            "from": user.to_json(),
            "date": self._now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    # ------------------------------------------------------------------ groups, channels, raw

    def user_writes_in_group(
        self, user_id: int, chat_id: int, text: str, *, edited: bool = False
    ) -> JSONDict:
        """Queue a message (or an edit of one) a user writes in a group the bot is in.
        Nothing is recorded as a chat: a group is no chat this fake lets the bot write to."""
        with self._cond:
            user = self._ensure_user(user_id, None, None)
            raw = self._group_message(chat_id, text, sender=user.to_json())
            if edited:
                raw["edit_date"] = raw["date"]
            return self._queue("edited_message" if edited else "message", raw)

    def channel_posts(self, chat_id: int, text: str, *, edited: bool = False) -> JSONDict:
        """Queue a post (or an edit of one) in a channel the bot is in: no user, a sender chat."""
        with self._cond:
            raw = self._group_message(chat_id, text, sender=None)
            if edited:
                raw["edit_date"] = raw["date"]
            return self._queue("edited_channel_post" if edited else "channel_post", raw)

    def user_taps_in_group(self, user_id: int, chat_id: int, callback_data: str) -> JSONDict:
        """Queue a tap on a button under a bot message in a group (answerable once)."""
        with self._cond:
            user = self._ensure_user(user_id, None, None)
            message = self._group_message(chat_id, "…", sender=self.bot_user)
            query_id = str(4_700_000_000_000_000_000 + next(self._query_ids))
            self._queries[query_id] = _PendingQuery(
                query_id, user_id, chat_id, message["message_id"], callback_data
            )
            query = {
                "id": query_id,
                "from": user.to_json(),
                "message": message,
                "chat_instance": self._chat_instance(chat_id),
                "data": callback_data,
            }
            return self._queue("callback_query", query)

    def group_membership_changes(
        self, user_id: int, chat_id: int, *, bot_itself: bool
    ) -> JSONDict:
        """Queue a membership change in a group: the bot added by this user (my_chat_member)
        or the user joining (chat_member)."""
        with self._cond:
            user = self._ensure_user(user_id, None, None)
            who = self.bot_user if bot_itself else user.to_json()
            change = {
                "chat": self._group_chat(chat_id),
                "from": user.to_json(),
                "date": self._now(),
                "old_chat_member": {"status": "left", "user": who},
                "new_chat_member": {"status": "member", "user": who},
            }
            return self._queue("my_chat_member" if bot_itself else "chat_member", change)

    def raw_update(self, kind: str, payload: JSONDict) -> JSONDict:
        """Queue an update of any kind, also one neither this fake nor the bot knows."""
        return self._queue(kind, payload)

    def deliver_again(self, update: JSONDict) -> JSONDict:
        """Queue an update a second time, under the same update_id (Telegram redelivers)."""
        with self._cond:
            again = copy.deepcopy(update)
            self._updates.append(again)
            self._cond.notify_all()
            return copy.deepcopy(again)

    @staticmethod
    def _group_chat(chat_id: int, *, channel: bool = False) -> JSONDict:
        """A group's, supergroup's (id from -10^12 down) or channel's Chat object."""
        kind = "channel" if channel else "supergroup" if chat_id <= -(10**12) else "group"
        return {"id": chat_id, "type": kind, "title": f"A {kind}"}

    def _group_message(self, chat_id: int, text: str, *, sender: JSONDict | None) -> JSONDict:
        """A message in a group from ``sender``, or a channel post (``sender`` None)."""
        chat = self._group_chat(chat_id, channel=sender is None)
        raw: JSONDict = {"message_id": self._next_message_id(chat_id), "chat": chat,
                         "date": self._now(), "text": text}
        if sender is None:
            raw["sender_chat"] = chat
        else:
            raw["from"] = sender
        entities = find_bot_commands(text)
        if entities:
            raw["entities"] = entities
        return raw

    def _user_message(
        self,
        user_id: int,
        kind: str,
        content: JSONDict,
        *,
        text: str | None,
        first_name: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        with self._cond:
            user = self._ensure_user(user_id, first_name, language_code)
            if user_id in self._blocked:  # writing to a blocked bot means "Restart": unblock
                self.user_unblocks_bot(user_id)
            message_id = self._next_message_id(user_id)
            date = self._now()
            raw: JSONDict = {
                "message_id": message_id,
                "from": user.to_json(),
                "chat": user.chat_json(),
                "date": date,
                **content,
            }
            if reply_to_message_id is not None:
                target = self._find_any_message(user_id, reply_to_message_id)
                if target is None:
                    raise ValueError(f"no message {reply_to_message_id} to reply to")
                raw["reply_to_message"] = self._without_reply(target)
            record = UserMessage(user_id, message_id, user_id, kind, text, date, raw)
            self.user_messages.append(record)
            self._user_messages[(user_id, message_id)] = record
            return self._queue("message", copy.deepcopy(raw))

    def _ensure_user(
        self, user_id: int, first_name: str | None, language_code: str | None
    ) -> _User:
        self.register_user(user_id, first_name, language_code=language_code)
        return self._users[user_id]

    def _queue(self, kind: str, payload: JSONDict) -> JSONDict:
        """Append an update with a fresh, strictly increasing update_id; returns a copy."""
        with self._cond:
            update = {"update_id": next(self._update_ids), kind: payload}
            self._updates.append(update)
            self._cond.notify_all()
            return copy.deepcopy(update)

    def _chat_instance(self, chat_id: int) -> str:
        return str((chat_id * 2_654_435_761) % (2**62) - 2**61)

    def _now(self) -> int:
        return int(self.clock())

    def _next_message_id(self, chat_id: int) -> int:
        """Per-chat counter shared by user and bot messages, like private chats in Telegram."""
        value = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = value
        return value

    # ------------------------------------------------------------------ parameter helpers

    @staticmethod
    def _int_param(params: JSONDict, key: str, missing: str) -> int:
        value = params.get(key)
        if value is None or value == "":
            raise _bad_request(missing)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad_request(f"invalid {key} specified")
        return value

    def _chat_id(self, params: JSONDict) -> int:
        value = params.get("chat_id")
        if value is None or value == "":
            raise _bad_request("chat_id is empty")
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad_request("chat not found")  # "@channel" usernames: no channels here
        return value

    def _require_chat(self, chat_id: int, *, sending: bool = True) -> None:
        if chat_id == self.bot_id:
            raise ApiError(403, "Forbidden: bot can't send messages to bots")
        if self.strict_chats and chat_id not in self._users:
            raise _bad_request("chat not found")
        if sending and chat_id in self._blocked:
            raise ApiError(403, BLOCKED)

    def _chat_json(self, chat_id: int) -> JSONDict:
        user = self._users.get(chat_id)
        if user is not None:
            return user.chat_json()
        return {"id": chat_id, "type": "private", "first_name": "Test"}

    @staticmethod
    def _render(
        text: str, parse_mode: Any, entities: Any, *, caption: bool = False
    ) -> tuple[str, list[JSONDict]]:
        try:
            rendered, found = render(
                text,
                parse_mode if isinstance(parse_mode, str) else None,
                entities if isinstance(entities, list) else None,
            )
        except EntityParseError as error:
            raise _bad_request(f"can't parse entities: {error}") from None
        limit = 1024 if caption else 4096
        if utf16_len(rendered) > limit:
            raise _bad_request("message caption is too long" if caption else "message is too long")
        return rendered, found

    def _reply_markup(self, params: JSONDict, *, inline_only: bool = False) -> JSONDict | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request('field "inline_keyboard" must be an Array of Arrays')
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return markup
        if inline_only:
            raise _bad_request("inline keyboard expected")
        if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad_request(
                'can\'t parse inline keyboard button: Field "text" must be of type String'
            )
        if not button["text"]:
            raise _bad_request("BUTTON_TEXT_INVALID")
        actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise _bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not button["url"]:
            raise _bad_request("BUTTON_URL_INVALID")

    @staticmethod
    def _visible_inline(markup: JSONDict | None) -> JSONDict | None:
        """The part of a markup Telegram echoes back: non-empty inline keyboards only."""
        if markup and any(_inline_rows(markup)):
            return markup
        return None

    def _find_any_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        bot = self._bot_messages.get((chat_id, message_id))
        if bot is not None and not bot.deleted:
            return bot.raw
        user = self._user_messages.get((chat_id, message_id))
        if user is not None and not user.deleted:
            return user.raw
        return None

    @staticmethod
    def _without_reply(raw: JSONDict) -> JSONDict:
        result = copy.deepcopy(raw)
        result.pop("reply_to_message", None)
        return result

    def _reply_target(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        message_id: Any = params.get("reply_to_message_id")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        if message_id is None:
            return None
        target = self._find_any_message(chat_id, message_id)
        if target is None:
            if allow_missing:
                return None
            raise _bad_request("message to be replied not found")
        return self._without_reply(target)

    # ------------------------------------------------------------------ files

    def _store_file(
        self,
        kind: str,
        content: bytes | None,
        extension: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        number = next(self._file_ids)
        prefix = {"photo": "AgACAgQAAxk", "document": "BQACAgQAAxk", "sticker": "CAACAgQAAxk"}
        file_id = f"{prefix.get(kind, 'AwACAgQAAxk')}BA{number:06d}{kind[:3].upper()}"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{number:06d}",
            kind=kind,
            content=content,
            file_path=f"{kind}s/file_{number}.{extension}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _photo_sizes(self, content: bytes | None, size: tuple[int, int]) -> list[JSONDict]:
        """Thumbnails + the (capped) original, like Telegram's PhotoSize array."""
        width, height = size
        longest = max(width, height, 1)
        limits = [limit for limit in (90, 320, 800) if limit < longest] + [min(longest, 1280)]
        sizes: list[JSONDict] = []
        for limit in limits:
            scale = limit / longest
            stored = self._store_file("photo", content, "jpg", mime_type="image/jpeg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": max(1, round(len(content or b"") * scale * scale)),
                }
            )
        for photo_size in sizes:
            self._photo_sets[photo_size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    @staticmethod
    def _upload(
        field_name: str,
        params: JSONDict,
        files: Files,
        meta: FileMeta,
    ) -> tuple[bytes | None, str | None, tuple[str, str] | None]:
        """Resolve an InputFile parameter: (uploaded bytes, file_id/URL string, meta)."""
        value = params.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            part = value[len("attach://") :]
            if part not in files:
                raise _bad_request(f"wrong remote file identifier specified: can't find {part}")
            return files[part], None, meta.get(part)
        if field_name in files:
            return files[field_name], None, meta.get(field_name)
        if isinstance(value, str) and value:
            return None, value, None
        raise _bad_request(f"there is no {field_name} in the request")

    # ------------------------------------------------------------------ message methods

    def _new_bot_message(
        self,
        method: str,
        chat_id: int,
        params: JSONDict,
        content: JSONDict,
        *,
        text: str | None = None,
        entities: list[JSONDict] | None = None,
        caption: str | None = None,
        photo: bytes | None = None,
        document: bytes | None = None,
        document_name: str | None = None,
    ) -> JSONDict:
        markup = self._reply_markup(params)
        with self._cond:
            self._require_chat(chat_id)
            reply_to = self._reply_target(chat_id, params)
            message_id = self._next_message_id(chat_id)
            date = self._now()
            raw: JSONDict = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat_json(chat_id),
                "date": date,
            }
            if reply_to is not None:
                raw["reply_to_message"] = reply_to
            raw.update(content)
            visible = self._visible_inline(markup)
            if visible is not None:
                raw["reply_markup"] = visible
            record = SentMessage(
                method=method,
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                reply_markup=markup,
                photo=photo,
                caption=caption,
                params=params,
                date=date,
                document=document,
                document_name=document_name,
                entities=list(entities or []),
                raw=raw,
            )
            self.sent.append(record)
            self._bot_messages[(chat_id, message_id)] = record
            self._cond.notify_all()
            return copy.deepcopy(raw)

    def _caption_content(self, params: JSONDict) -> tuple[str | None, JSONDict]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, {}
        rendered, entities = self._render(
            str(caption), params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        content: JSONDict = {"caption": rendered}
        if entities:
            content["caption_entities"] = entities
        return rendered, content

    def _send_message(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> JSONDict:
        chat_id = self._chat_id(params)
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        rendered, entities = self._render(
            str(text), params.get("parse_mode"), params.get("entities")
        )
        if not rendered:
            raise _bad_request("message text is empty")
        content: JSONDict = {"text": rendered}
        if entities:
            content["entities"] = entities
        return self._new_bot_message(
            "sendMessage", chat_id, params, content, text=rendered, entities=entities
        )

    def _send_photo(self, params: JSONDict, files: Files, meta: FileMeta, _b: bool) -> JSONDict:
        chat_id = self._chat_id(params)
        data, reference, _ = self._upload("photo", params, files, meta)
        caption, content = self._caption_content(params)
        with self._cond:
            self._require_chat(chat_id)
            if data is not None:
                if not data:
                    raise _bad_request("file must be non-empty")
                size = _image_size(data)
                if size is None:
                    raise _bad_request("IMAGE_PROCESS_FAILED")
                sizes = self._photo_sizes(data, size)
            elif reference is not None and re.match(r"https?://", reference):
                sizes = self._photo_sizes(None, (800, 600))
            else:
                assert reference is not None
                known = self._photo_sets.get(reference)
                if known is None:
                    if reference in self._files:
                        raise _bad_request("type of file mismatch")
                    raise _bad_request("wrong file identifier/HTTP URL specified")
                sizes = copy.deepcopy(known)
                data = self._files[reference].content
            return self._new_bot_message(
                "sendPhoto",
                chat_id,
                params,
                {"photo": sizes, **content},
                caption=caption,
                photo=data,
            )

    def _send_document(self, params: JSONDict, files: Files, meta: FileMeta, _b: bool) -> JSONDict:
        chat_id = self._chat_id(params)
        data, reference, file_meta = self._upload("document", params, files, meta)
        caption, content = self._caption_content(params)
        with self._cond:
            self._require_chat(chat_id)
            if data is not None:
                if not data:
                    raise _bad_request("file must be non-empty")
                file_name = file_meta[0] if file_meta and file_meta[0] else "document"
                mime = (
                    file_meta[1]
                    if file_meta and file_meta[1]
                    else mimetypes.guess_type(file_name)[0] or "application/octet-stream"
                )
                extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
                stored = self._store_file("document", data, extension, file_name, mime)
            elif reference is not None and re.match(r"https?://", reference):
                file_name = reference.rsplit("/", 1)[-1] or "document"
                stored = self._store_file(
                    "document", None, "bin", file_name, "application/octet-stream"
                )
            else:
                assert reference is not None
                known_file = self._files.get(reference)
                if known_file is None:
                    raise _bad_request("wrong file identifier/HTTP URL specified")
                stored = known_file
                data = stored.content
            document: JSONDict = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content or b""),
            }
            if stored.file_name:
                document["file_name"] = stored.file_name
            if stored.mime_type:
                document["mime_type"] = stored.mime_type
            return self._new_bot_message(
                "sendDocument",
                chat_id,
                params,
                {"document": document, **content},
                caption=caption,
                document=data,
                document_name=stored.file_name,
            )

    def _send_chat_action(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        chat_id = self._chat_id(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        with self._cond:
            self._require_chat(chat_id)
            self.chat_actions.append((chat_id, str(action)))
        return True

    def _editable(self, params: JSONDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad_request("MESSAGE_ID_INVALID")
        chat_id = self._chat_id(params)
        message_id = self._int_param(params, "message_id", "message identifier is not specified")
        self._require_chat(chat_id, sending=False)
        record = self._bot_messages.get((chat_id, message_id))
        if record is None or record.deleted:
            user_message = self._user_messages.get((chat_id, message_id))
            if user_message is not None and not user_message.deleted:
                raise _bad_request("message can't be edited")
            raise _bad_request("message to edit not found")
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        return record

    def _apply_edit(
        self,
        method: str,
        record: SentMessage,
        params: JSONDict,
        markup: JSONDict | None,
        changes: JSONDict,
        removals: Iterable[str],
    ) -> JSONDict:
        visible = self._visible_inline(markup)
        raw = record.raw
        for key in removals:
            raw.pop(key, None)
        raw.update(changes)
        if visible is None:
            raw.pop("reply_markup", None)
        else:
            raw["reply_markup"] = visible
        record.reply_markup = visible
        record.edit_date = self._now()
        raw["edit_date"] = record.edit_date
        self.edits.append(
            EditRecord(
                method,
                record.chat_id,
                record.message_id,
                record.content,
                visible,
                params,
                record.edit_date,
            )
        )
        self._cond.notify_all()
        return copy.deepcopy(raw)

    def _edit_message_text(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> JSONDict:
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        rendered, entities = self._render(
            str(text), params.get("parse_mode"), params.get("entities")
        )
        if not rendered:
            raise _bad_request("message text is empty")
        markup = self._reply_markup(params, inline_only=True)
        with self._cond:
            record = self._editable(params)
            if record.text is None:
                raise _bad_request("there is no text in the message to edit")
            current = self._visible_inline(record.reply_markup)
            if (
                rendered == record.text
                and entities == record.entities
                and self._visible_inline(markup) == current
            ):
                raise _bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
            record.text = rendered
            record.entities = list(entities)
            changes: JSONDict = {"text": rendered}
            if entities:
                changes["entities"] = entities
            return self._apply_edit(
                "editMessageText", record, params, markup, changes, ["entities"]
            )

    def _edit_message_caption(
        self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool
    ) -> JSONDict:
        caption, content = self._caption_content(params)
        markup = self._reply_markup(params, inline_only=True)
        with self._cond:
            record = self._editable(params)
            if record.text is not None:
                raise _bad_request("there is no caption in the message to edit")
            if caption == record.caption and self._visible_inline(markup) == self._visible_inline(
                record.reply_markup
            ):
                raise _bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
            record.caption = caption
            return self._apply_edit(
                "editMessageCaption",
                record,
                params,
                markup,
                content,
                ["caption", "caption_entities"],
            )

    def _edit_message_reply_markup(
        self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool
    ) -> JSONDict:
        markup = self._reply_markup(params, inline_only=True)
        with self._cond:
            record = self._editable(params)
            if self._visible_inline(markup) == self._visible_inline(record.reply_markup):
                raise _bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
            return self._apply_edit("editMessageReplyMarkup", record, params, markup, {}, [])

    def _delete_one(self, chat_id: int, message_id: int) -> bool:
        bot = self._bot_messages.get((chat_id, message_id))
        if bot is not None and not bot.deleted:
            bot.deleted = True
        else:
            user = self._user_messages.get((chat_id, message_id))
            if user is None or user.deleted:
                return False
            user.deleted = True
        self.deleted.append((chat_id, message_id))
        self._cond.notify_all()
        return True

    def _delete_message(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        chat_id = self._chat_id(params)
        message_id = self._int_param(params, "message_id", "message identifier is not specified")
        with self._cond:
            self._require_chat(chat_id, sending=False)
            if not self._delete_one(chat_id, message_id):
                raise _bad_request("message to delete not found")
        return True

    def _delete_messages(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        chat_id = self._chat_id(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad_request("message identifiers are not specified")
        with self._cond:
            self._require_chat(chat_id, sending=False)
            for message_id in ids:
                self._delete_one(chat_id, int(message_id))
        return True

    def _answer_callback_query(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        with self._cond:
            query = self._queries.get(query_id)
            if query is None or query.answered:
                raise _bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
            query.answered = True
            cache_time = params.get("cache_time")
            self.callback_answers.append(
                CallbackAnswer(
                    callback_query_id=query_id,
                    user_id=query.user_id,
                    message_id=query.message_id,
                    data=query.data,
                    text=text if isinstance(text, str) else None,
                    show_alert=bool(params.get("show_alert")),
                    url=params.get("url"),
                    cache_time=cache_time if isinstance(cache_time, int) else None,
                    params=params,
                )
            )
            self._cond.notify_all()
        return True

    def _get_file(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> JSONDict:
        with self._cond:
            stored = self._files.get(str(params.get("file_id") or ""))
            if stored is None:
                raise _bad_request("invalid file_id")
            return {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content or b""),
                "file_path": stored.file_path,
            }

    def _get_chat(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> JSONDict:
        chat_id = self._chat_id(params)
        with self._cond:
            self._require_chat(chat_id, sending=False)
            return {
                **self._chat_json(chat_id),
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }

    # ------------------------------------------------------------------ bot settings

    def _get_me(self, _p: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _log_out(self, _p: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        with self._cond:
            self.log_out_calls += 1
        return True

    def _close(self, _p: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        with self._cond:
            self.close_calls += 1
        return True

    def _set_webhook(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        with self._cond:
            self.webhook_url = str(params.get("url") or "")
            if params.get("drop_pending_updates"):
                self._updates.clear()
            self._poll_seq += 1  # a webhook terminates a running long poll
            self._cond.notify_all()
        return True

    def _delete_webhook(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        with self._cond:
            self.webhook_url = ""
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _get_webhook_info(self, _p: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> JSONDict:
        with self._cond:
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if scope is None or scope == "":
            scope = {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _bad_request("can't parse BotCommandScope JSON object")
        if scope["type"].startswith("chat") and "chat_id" not in scope:
            raise _bad_request("chat_id is empty")
        language = str(language_code or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    def _set_my_commands(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope")
        key = self._scope_key(scope, params.get("language_code"))
        with self._cond:
            if isinstance(scope, dict) and "chat_id" in scope:
                chat = scope["chat_id"]
                if not isinstance(chat, int) or isinstance(chat, bool):
                    raise _bad_request("chat not found")
                self._require_chat(chat, sending=False)
            if commands:
                self.commands[key] = [
                    {"command": c["command"], "description": c["description"]} for c in commands
                ]
            else:
                self.commands.pop(key, None)
        return True

    def _get_my_commands(
        self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool
    ) -> list[JSONDict]:
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        with self._cond:
            return copy.deepcopy(self.commands.get(key, []))

    def _delete_my_commands(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        with self._cond:
            self.commands.pop(key, None)
        return True

    def _set_chat_menu_button(self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise _bad_request("can't parse menu button JSON object")
        chat_id = self._chat_id(params) if params.get("chat_id") is not None else None
        with self._cond:
            if chat_id is not None:
                self._require_chat(chat_id, sending=False)
            self.menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(
        self, params: JSONDict, _f: Files, _m: FileMeta, _b: bool
    ) -> JSONDict:
        chat_id = self._chat_id(params) if params.get("chat_id") is not None else None
        with self._cond:
            button = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None)
            return copy.deepcopy(button or {"type": "commands"})

    def _bot_text_setter(
        self, field_name: str
    ) -> Callable[[JSONDict, Files, FileMeta, bool], bool]:
        def setter(params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> bool:
            language = str(params.get("language_code") or "")
            value = str(params.get(field_name) or "")
            with self._cond:
                if value:
                    self.bot_texts[(field_name, language)] = value
                else:
                    self.bot_texts.pop((field_name, language), None)
            return True

        return setter

    def _bot_text_getter(
        self, field_name: str
    ) -> Callable[[JSONDict, Files, FileMeta, bool], JSONDict]:
        def getter(params: JSONDict, _f: Files, _m: FileMeta, _b: bool) -> JSONDict:
            language = str(params.get("language_code") or "")
            with self._cond:
                value = self.bot_texts.get((field_name, language), "")
            if field_name == "name" and not value:
                value = self.bot_first_name
            return {field_name: value}

        return getter

    # ------------------------------------------------------------------ getUpdates

    def _get_updates(
        self, params: JSONDict, _f: Files, _m: FileMeta, block: bool
    ) -> list[JSONDict]:
        offset = params.get("offset")
        limit = params.get("limit")
        timeout = params.get("timeout")
        allowed = params.get("allowed_updates")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) and limit else 100
        wait = float(timeout) if isinstance(timeout, int | float) and block else 0.0
        deadline = time.monotonic() + max(wait, 0.0)
        with self._cond:
            if self.webhook_url:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if isinstance(allowed, list):
                self._allowed_updates = (
                    frozenset(str(kind) for kind in allowed) if allowed else DEFAULT_ALLOWED_UPDATES
                )
            self._confirm(offset)
            self._poll_seq += 1
            ticket = self._poll_seq
            self._cond.notify_all()
            generation = self._interrupt_gen
            while True:
                if ticket != self._poll_seq:
                    raise ApiError(409, GETUPDATES_CONFLICT)
                if isinstance(offset, int) and offset > 0:
                    self._confirm(offset)  # also covers updates queued while we waited
                # Updates of types the bot does not want are never delivered (dropped).
                allowed = self._allowed_updates
                self._updates = [u for u in self._updates if self._update_kind(u) in allowed]
                if self._updates:
                    return copy.deepcopy(self._updates[:limit])
                remaining = deadline - time.monotonic()
                if remaining <= 0 or generation != self._interrupt_gen:
                    return []
                self._cond.wait(remaining)

    def updates_available(self, offset: Any = None) -> bool:
        """Whether getUpdates with this offset would return something now (for async polling)."""
        with self._cond:
            if self.webhook_url:
                return True  # the call will fail with 409 immediately
            if isinstance(offset, str):
                try:
                    offset = json.loads(offset)
                except ValueError:
                    offset = None
            if isinstance(offset, int) and offset > 0:
                return any(u["update_id"] >= offset for u in self._updates)
            return bool(self._updates)

    @staticmethod
    def _update_kind(update: JSONDict) -> str:
        return next(key for key in update if key != "update_id")

    def _confirm(self, offset: Any) -> None:
        """Offset semantics: confirm (forget) all updates with update_id < offset;
        a negative offset keeps only the last -offset updates."""
        if not isinstance(offset, int) or isinstance(offset, bool) or offset == 0:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
            return
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
