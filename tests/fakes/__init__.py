"""Test doubles for the Telegram Bot API (in-process and over HTTP)."""

from tests.fakes.bot_api import (
    ApiCall,
    CallbackAnswer,
    EditRecord,
    FakeBotAPI,
    SentMessage,
    StoredFile,
    UserMessage,
    tiny_png,
)
from tests.fakes.http_server import FakeBotAPIServer
from tests.fakes.limits import TelegramLimits
from tests.fakes.request import FakeRequest
from tests.fakes.users import TelegramUser, deliver_to_application, queued_only

__all__ = [
    "ApiCall",
    "CallbackAnswer",
    "EditRecord",
    "FakeBotAPI",
    "FakeBotAPIServer",
    "FakeRequest",
    "SentMessage",
    "StoredFile",
    "TelegramLimits",
    "TelegramUser",
    "UserMessage",
    "deliver_to_application",
    "queued_only",
    "tiny_png",
]
