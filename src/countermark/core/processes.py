"""Processes of this machine that a record names (a crawler, a linking job's child)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

# How much later than the record a process may seem to have started and still be the one it names: the
# start time is read in clock ticks since boot and set against the wall clock now, a few ticks off.
START_SLACK = timedelta(seconds=2)


class Alive(Protocol):
    """`process_alive`'s shape (a test gives its own)."""

    def __call__(self, pid: int, *, since: datetime | None = None) -> bool: ...


def process_started(pid: int) -> datetime | None:
    """When the process of this id started (UTC), from /proc; None where /proc does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        uptime = float(Path("/proc/uptime").read_text(encoding="ascii").split()[0])
        # The command's name (the second field) is in parentheses and may hold spaces and ')': the fields
        # after the last ')' start at the third, so the start time (the 22nd) is the 20th of them.
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        age = uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return datetime.now(UTC) - timedelta(seconds=max(age, 0.0))


def process_alive(pid: int, *, since: datetime | None = None) -> bool:
    """Whether a process of this id runs on this machine (one of another user counts as running).

    With `since` (when the record named it), a process that started after that is not the one named: the
    system gave the id of one that ended to a later process, so the one named is gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if since is None:
        return True
    started = process_started(pid)
    if started is None:
        return True
    named_at = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    return started <= named_at + START_SLACK
