"""One run at a time per warehouse: whoever starts it (CLI, UI, sensor, schedule), a
second run that would write the build or the release refuses clearly instead of racing
(and instead of DuckDB's raw "Conflicting lock")."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class RefreshLockedError(RuntimeError):
    pass


def acquire(lock_file: Path, holder: str = "") -> IO[str]:
    """Take the warehouse's exclusive lock (released when the returned handle closes,
    also when the process dies)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_file.open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        held_by = handle.read().strip() or "unknown"
        handle.close()
        raise RefreshLockedError(
            f"another refresh of this warehouse is running (pid {held_by}); "
            f"try again when it has finished (lock: {lock_file})"
        ) from None
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}{', ' + holder if holder else ''}")
    handle.flush()
    return handle


@contextmanager
def refresh_lock(lock_file: Path, holder: str = "") -> Iterator[None]:
    handle = acquire(lock_file, holder)
    try:
        yield
    finally:
        handle.close()
