"""In-process transport: a PTB ``BaseRequest`` that talks to a :class:`FakeBotAPI` directly.

Why: in-process tests get PTB's full request pipeline (``RequestData`` encoding, status
code -> exception mapping in ``BaseRequest._request_wrapper``) without sockets. Parameters
are taken from ``RequestData.json_parameters`` — exactly the strings HTTPXRequest would put
on the wire — so the fake decodes them the same way in both transports.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from tests.fakes.bot_api import API_PATH_RE, FILE_PATH_RE, FakeBotAPI

__all__ = ["FakeRequest"]


def _json_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode("utf-8")


class FakeRequest(BaseRequest):
    """``BaseRequest`` backed by a :class:`FakeBotAPI`; use one instance per Bot request slot.

    getUpdates long polls are awaited with ``asyncio.sleep`` steps instead of a blocking
    thread, so cancelling the poll (``updater.stop()``) is instant and leaves no threads.
    Read timeouts are honoured: a :meth:`FakeBotAPI.delay_next` longer than the read timeout
    raises ``telegram.error.TimedOut`` while the fake still executes the call afterwards
    (as a slow Telegram server would).
    """

    __slots__ = ("_api", "_background", "_closed", "_poll_step", "_read_timeout")

    def __init__(
        self, api: FakeBotAPI, *, read_timeout: float | None = 5.0, poll_step: float = 0.01
    ) -> None:
        self._api = api
        self._read_timeout = read_timeout
        self._poll_step = poll_step
        self._closed = False
        self._background: set[asyncio.Task[None]] = set()

    @property
    def api(self) -> FakeBotAPI:
        return self._api

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout, mirrored from HTTPXRequest (PTB adds it to getUpdates' timeout)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open; re-initialising after shutdown is allowed like HTTPXRequest."""
        self._closed = False

    async def shutdown(self) -> None:
        """Let calls that outlived a client-side timeout finish, then refuse new requests."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        self._closed = True

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route ``<base>/bot<token>/<method>`` and ``<base>/file/bot<token>/<path>``."""
        if self._closed:
            raise RuntimeError("This FakeRequest is not initialized!")
        path = unquote(urlsplit(url).path)  # PTB percent-encodes file URLs (":" -> %3A)
        file_match = FILE_PATH_RE.search(path)
        if file_match is not None:
            return self._download(file_match["token"], file_match["path"])
        match = API_PATH_RE.search(path)
        if match is None:
            return 404, _json_bytes({"ok": False, "error_code": 404, "description": "Not Found"})
        rejected = self._api.check_token(match["token"])
        if rejected is not None:
            return rejected[0], _json_bytes(rejected[1])

        api_method = match["method"]
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, bytes] = {}
        meta: dict[str, tuple[str, str]] = {}
        if request_data is not None and request_data.contains_files:
            for part, (filename, content, mime_type) in request_data.multipart_data.items():
                files[part] = content if isinstance(content, bytes) else content.read()
                meta[part] = (filename, mime_type)

        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        delay = self._api.consume_delay(api_method, params)
        if delay > 0:
            if timeout is not None and delay > timeout:
                task = asyncio.create_task(self._late_call(delay, api_method, params, files, meta))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
                await asyncio.sleep(timeout)
                raise TimedOut
            await asyncio.sleep(delay)

        if api_method.lower() == "getupdates":
            await self._long_poll(params)
        status, body = self._api.handle(
            api_method, params, files, file_meta=meta, block=False, apply_delay=False
        )
        return status, _json_bytes(body)

    async def _late_call(
        self,
        delay: float,
        api_method: str,
        params: dict[str, Any],
        files: dict[str, bytes],
        meta: dict[str, tuple[str, str]],
    ) -> None:
        await asyncio.sleep(delay)
        self._api.handle(api_method, params, files, file_meta=meta, block=False, apply_delay=False)

    async def _long_poll(self, params: dict[str, Any]) -> None:
        """Wait (cancellably) until getUpdates would return something or its timeout passes."""
        try:
            wait = float(params.get("timeout") or 0)
        except ValueError:
            wait = 0.0
        if wait <= 0 or self._api.has_fault_for("getUpdates", params):
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        offset = params.get("offset")
        while not self._api.updates_available(offset):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(min(self._poll_step, remaining))

    def _download(self, token: str, file_path: str) -> tuple[int, bytes]:
        rejected = self._api.check_token(token)
        if rejected is not None:
            return rejected[0], _json_bytes(rejected[1])
        content = self._api.file_content(file_path)
        if content is None:
            return 404, _json_bytes({"ok": False, "error_code": 404, "description": "Not Found"})
        return 200, content
