"""The sockets under httpx: an httpcore network backend written on asyncio's own transports and protocols.

httpcore's default backend on asyncio goes through anyio: every read and write opens a cancel scope, every
connection runs anyio's happy-eyeballs task group, and the "is this pooled connection still good?" check
rebuilds a dict of socket attributes. That was most of the CPU of a poll where every feed answers 304. httpx
and httpcore still do all of the HTTP (requests, responses, the pool, keep-alive); this is only the byte pipe.

A connection's bytes are read as they arrive (the protocol buffers them), so a read is a buffer take or one
future to wait on, with its timeout as a single timer.
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

HAPPY_EYEBALLS_DELAY = 0.25  # seconds before trying a host's next address, as anyio did (RFC 8305)
_HIGH_WATER = 64 * 1024  # bytes buffered from the server before we stop reading the socket


class _Protocol(asyncio.Protocol):
    """Buffers what the server sends; wakes the one reader waiting; tracks write flow control."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.drain: asyncio.Future[None] | None = None
        self.paused_reading = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None and not self.paused_reading:
            self.paused_reading = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close our side too: HTTP/1.1 does not half-close

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()
        drain, self.drain = self.drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)

    def pause_writing(self) -> None:
        if self.drain is None:
            self.drain = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drain, self.drain = self.drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


async def _wait(future: asyncio.Future[None], timeout: float | None) -> None:
    """Wait for `future`, raising TimeoutError after `timeout` seconds (None: no limit)."""
    if timeout is None:
        await future
        return
    timer = asyncio.get_running_loop().call_later(max(timeout, 0.0), _expire, future)
    try:
        await future
    finally:
        timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        p = self._protocol
        if not p.buffer and not p.eof:
            p.waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(p.waiter, timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the server") from None
            finally:
                p.waiter = None
        if p.buffer:
            data = bytes(p.buffer[:max_bytes])
            del p.buffer[:max_bytes]
            if p.paused_reading and len(p.buffer) <= _HIGH_WATER // 4:
                p.paused_reading = False
                self._transport.resume_reading()
            return data
        if p.error is not None:
            raise httpcore.ReadError(str(p.error) or type(p.error).__name__) from p.error
        return b""  # the server closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        p = self._protocol
        if self._transport.is_closing():
            error = p.error
            raise httpcore.WriteError(str(error) if error else "the connection is closed") from error
        self._transport.write(buffer)
        drain = p.drain
        if drain is not None:
            try:
                await _wait(drain, timeout)
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out writing to the server") from None
            if p.error is not None:
                raise httpcore.WriteError(str(p.error) or type(p.error).__name__) from p.error

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out during the TLS handshake") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the server closed the connection during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        # From here the protocol's bytes come through the TLS transport: flow control goes there too.
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of every pooled connection before it is reused: anything buffered, or a closed
            # connection, makes an idle HTTP/1.1 connection unusable.
            p = self._protocol
            if p.buffer or p.eof:
                return True
            sock = self._transport.get_extra_info("socket")
            fd = -1 if sock is None else sock.fileno()
            if fd < 0:
                return True
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(0))
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


_ERRNO = re.compile(r"\[Errno (\d+)\]")


def _one_errno(exc: OSError) -> OSError:
    """asyncio reports a host whose every address failed as one OSError without an errno ("Multiple
    exceptions: [Errno 111] ..., [Errno 111] ..."): when they all failed the same way, that error, so the
    user reads "connection refused" rather than the list."""
    if exc.errno is not None:
        return exc
    codes = {int(code) for code in _ERRNO.findall(str(exc))}
    if len(codes) != 1:
        return exc
    code = codes.pop()
    return OSError(code, os.strerror(code))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _Protocol,
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY,
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:
            cause = _one_errno(exc)
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from cause
        assert isinstance(transport, asyncio.Transport)
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            if sock is not None:
                sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_unix_connection(_Protocol, path)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {path}") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        assert isinstance(transport, asyncio.Transport)
        return AsyncioStream(transport, protocol)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
