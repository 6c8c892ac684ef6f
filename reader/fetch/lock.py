"""An advisory file lock so two fetches (cron and the TUI, or two crons) never poll at the same time."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from reader.errors import LockedError, StorageError


class FetchLock:
    """An exclusive `flock` on a file in the data dir, held for the length of one fetch.

    The kernel drops the lock when the process dies (even on SIGKILL), so a crash never leaves it stuck.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float = 0.0, poll: float = 0.1) -> None:
        """Take the lock, waiting up to `timeout` seconds; raise LockedError if another process keeps it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:  # e.g. the lock path is a directory, or the data dir is read-only
            raise StorageError(f"cannot open the fetch lock {self.path}: {exc.strerror or exc}") from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_pid(fd)
                    os.close(fd)
                    who = f" (pid {holder})" if holder else ""
                    raise LockedError(
                        f"another fetch is running{who}; waited {timeout:g} s for it to finish"
                    ) from None
                time.sleep(poll)
        try:  # the pid is only there to name the holder in a message; a full disk must not stop a fetch
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError:
            pass
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> FetchLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        data = os.pread(fd, 32, 0)
    except OSError:
        return ""
    text = data.decode("ascii", "replace").strip()
    return text if text.isdigit() else ""
