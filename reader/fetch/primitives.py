"""The locks, events and cancellation shields of httpcore's async pool, on asyncio's own primitives.

httpcore makes its async locks, events and shields through anyio (choosing anyio or trio per object with
sniffio): the first one imports most of anyio, and every request then enters anyio cancel scopes to take a
connection, wait for it and close it. In the reader every async request runs on asyncio and on
`reader.fetch.network`'s backend, so `use_asyncio_primitives` points httpcore's pool, connection and HTTP/1.1
modules at the plain asyncio equivalents below: about a tenth of the CPU of a poll where every feed answers
304, and anyio is never imported.

Why the shield may be a no-op here: httpcore shields only the closing of connections from cancellation, and
on our backend closing never suspends (`AsyncioStream.aclose` closes the transport synchronously; the state
lock it takes is free), so no cancellation can be delivered inside it.

It is applied only to the httpcore version whose internals were read for this (`PATCHED_VERSION`, pinned in
pyproject.toml); any other version keeps its own primitives.
"""

from __future__ import annotations

import asyncio
import types

import httpcore

PATCHED_VERSION = "1.0.9"
_applied = False


class AsyncioLock:
    """httpcore's `AsyncLock` (an async context manager) as an asyncio.Lock."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> AsyncioLock:
        await self._lock.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        self._lock.release()


class AsyncioEvent:
    """httpcore's `AsyncEvent`: waiting past `timeout` seconds raises httpcore.PoolTimeout."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float | None = None) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
        except TimeoutError:
            raise httpcore.PoolTimeout("timed out waiting for a connection from the pool") from None


class NoSuspendShield:
    """httpcore's `AsyncShieldCancellation` around code that never suspends on our backend (see above)."""

    def __enter__(self) -> NoSuspendShield:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        return None


def use_asyncio_primitives() -> bool:
    """Point httpcore's async pool at the primitives above (once); False when the version is not the one
    this was written for (httpcore then keeps its own)."""
    global _applied
    if _applied:
        return True
    if getattr(httpcore, "__version__", None) != PATCHED_VERSION:
        return False
    from httpcore._async import connection, connection_pool, http11

    names = (
        (connection, "AsyncLock", AsyncioLock),
        (http11, "AsyncLock", AsyncioLock),
        (http11, "AsyncShieldCancellation", NoSuspendShield),
        (connection_pool, "AsyncEvent", AsyncioEvent),
        (connection_pool, "AsyncShieldCancellation", NoSuspendShield),
    )
    if not all(hasattr(module, name) for module, name, _ in names):
        return False
    for module, name, replacement in names:
        setattr(module, name, replacement)
    _applied = True
    return True
