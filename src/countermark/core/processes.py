"""Processes of this machine that a record names (a crawler, a linking job's child)."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine (one of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
