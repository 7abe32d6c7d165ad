"""Real-HTTP transport: serves a :class:`FakeBotAPI` on 127.0.0.1 for a bot in another process.

Why: end-to-end tests start herstelbot with ``python -m bot`` and point
``TELEGRAM_API_URL`` here, so the production HTTPXRequest, connection pooling, multipart
uploads and long-poll timeouts are all exercised for real. Only the standard library is
used; requests are HTTP/1.1 keep-alive with exact Content-Length like api.telegram.org.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import traceback
from email.message import Message
from email.parser import HeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.fakes.bot_api import API_PATH_RE, FILE_PATH_RE, FakeBotAPI

__all__ = ["FakeBotAPIServer", "ParsedBody", "parse_body", "parse_multipart"]

ParsedBody = tuple[dict[str, Any], dict[str, bytes], dict[str, tuple[str, str]]]


def _content_type(header: str) -> tuple[str, Message]:
    message = Message()
    message["content-type"] = header or "application/octet-stream"
    return message.get_content_type(), message


def parse_multipart(body: bytes, boundary: str) -> ParsedBody:
    """Split a multipart/form-data body into (fields, files, file meta).

    A small byte-exact parser (binary uploads must arrive unchanged; ``cgi`` is gone in
    3.13 and ``email`` may rewrite line endings).
    """
    fields: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    meta: dict[str, tuple[str, str]] = {}
    delimiter = b"--" + boundary.encode("latin-1")
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # closing delimiter
        chunk = chunk.removeprefix(b"\r\n")
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            continue
        content = content.removesuffix(b"\r\n")
        # Part headers carry raw UTF-8 (HTML5 form encoding, quotes as %22), not RFC 2047.
        headers = HeaderParser().parsestr(head.decode("utf-8", "replace") + "\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        filename = headers.get_filename()
        if not isinstance(name, str):
            continue
        name = unquote(name)
        if filename is not None:
            files[name] = content
            meta[name] = (filename.replace("%22", '"'), headers.get_content_type())
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files, meta


def parse_body(content_type: str, body: bytes, query: str = "") -> ParsedBody:
    """Parameters from the query string plus a JSON, urlencoded or multipart body."""
    fields: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, bytes] = {}
    meta: dict[str, tuple[str, str]] = {}
    kind, message = _content_type(content_type)
    if not body:
        return fields, files, meta
    if kind == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        fields.update(decoded)
    elif kind == "application/x-www-form-urlencoded":
        fields.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif kind == "multipart/form-data":
        boundary = message.get_param("boundary")
        if not isinstance(boundary, str):
            raise ValueError("multipart body without boundary")
        more_fields, files, meta = parse_multipart(body, boundary)
        fields.update(more_fields)
    return fields, files, meta


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Telegram takes as many connections as a bot opens; socketserver's backlog of 5 resets
    # the rest when a bot sends 200 replies at once (a floor bot without retries lost them).
    request_queue_size = 1024

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.closing = False
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-response (cancelled long polls) are normal here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server
    server_version = "nginx/1.18.0"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (it would spam test output)."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        if self.server.closing:
            self.close_connection = True
            self._reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
            return
        url = urlsplit(self.path)
        path = unquote(url.path)  # PTB percent-encodes file URLs (":" -> %3A)
        file_match = FILE_PATH_RE.search(path)
        if file_match is not None and self.command == "GET":
            self._download(file_match["token"], file_match["path"])
            return
        match = API_PATH_RE.search(path)
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        api = self.server.api
        rejected = api.check_token(match["token"])
        if rejected is not None:
            self._reply(*rejected)
            return
        try:
            params, files, meta = parse_body(self.headers.get("Content-Type", ""), body, url.query)
        except ValueError as error:
            self._reply(
                400,
                {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"},
            )
            return
        try:
            status, payload = api.handle(match["method"], params, files, file_meta=meta)
        except Exception as error:  # a bug in the fake: make it loud, not a dropped socket
            traceback.print_exc()
            status, payload = (
                500,
                {
                    "ok": False,
                    "error_code": 500,
                    "description": f"Internal Server Error: the fake crashed: {error!r}",
                },
            )
        self._reply(status, payload)

    def _download(self, token: str, file_path: str) -> None:
        rejected = self.server.api.check_token(token)
        if rejected is not None:
            self._reply(*rejected)
            return
        content = self.server.api.file_content(file_path)
        if content is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self._send(200, content, "application/octet-stream")

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up (e.g. a cancelled long poll)


class FakeBotAPIServer:
    """``with FakeBotAPIServer(api) as server:`` serves ``api`` at ``server.base_url``.

    Point PTB at it with ``.base_url(f"{server.base_url}/bot")`` (PTB appends the token)
    and ``.base_file_url(f"{server.base_url}/file/bot")``.
    """

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:43121`` (the bot adds ``/bot<token>/<method>``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBotAPIServer:
        if self._server is not None:
            raise RuntimeError("server already started")
        self._server = _Server(self.api)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeBotAPIServer",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, wake long polls, drop keep-alive connections, join all threads."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.closing = True
        self.api.interrupt_long_polls()
        server.shutdown()
        with server.connections_lock:
            connections = list(server.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.api.interrupt_long_polls()  # again: a poll may have slipped past `closing`
        server.server_close()  # joins handler threads (block_on_close)
        thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
