"""A TCP proxy on 127.0.0.1 that a test can cut and restore: the database "goes away"
without touching the real server other tests use. It can also answer as PostgreSQL does
while it shuts down or starts up: every new connection is refused with SQLSTATE 57P03."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Awaitable, Callable

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> CuttableProxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *_: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _run(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)  # type: ignore[arg-type]

    def restore(self) -> None:
        """Accept connections again."""
        self._serve(self._pipe)

    def starting_up(self) -> None:
        """Break every open connection; answer each new one as a server that is starting up
        ("the database system is starting up", 57P03), as PostgreSQL does after a restart."""
        self._serve(self._starting)

    def cut(self) -> None:
        """Refuse new connections and break every open one."""
        self._run(self._stop())

    def _serve(self, handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                       Awaitable[None]]) -> None:
        async def start() -> None:
            await self._stop()
            self._server = await asyncio.start_server(handler, "127.0.0.1", self.port)

        self._run(start())

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _starting(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        """Reads the client's startup packet (saying no to SSL or GSS first), then refuses
        it with a FATAL error response, as the server does before it accepts connections."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                length, code = struct.unpack("!ii", await reader.readexactly(8))
                if code not in (SSL_REQUEST, GSSENC_REQUEST):
                    await reader.readexactly(length - 8)
                    break
                writer.write(b"N")  # no encryption here: go on in plain text
                await writer.drain()
            fields = b"".join(kind + text.encode() + b"\0" for kind, text in (
                (b"S", "FATAL"), (b"V", "FATAL"), (b"C", "57P03"),
                (b"M", "the database system is starting up")))
            body = fields + b"\0"
            writer.write(b"E" + struct.pack("!i", len(body) + 4) + body)
            await writer.drain()
        writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, upstream_writer}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(copy(reader, upstream_writer), copy(upstream_reader, writer))
