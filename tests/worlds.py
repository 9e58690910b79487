"""Synthetic worlds built once per test run and shared, read only, by every test and worker that asks.

Building a small world costs several CPU seconds; many modules read the same seed. The first worker to
ask builds it under a lock in the run's shared temporary directory (the parent of each xdist worker's
own), the others wait for it and read the same files. A test that changes a world copies it first.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from countermark.sim import build_world
from countermark.sim.entities import SimAccount
from countermark.sim.world import Scale


def shared_world(tmp_path_factory: pytest.TempPathFactory, seed: int, scale: Scale = "small") -> Path:
    """The world of this seed and scale, built by whichever test asked first in this run."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / f"shared-world-{scale}-{seed}"
    built = shared / f"shared-world-{scale}-{seed}.built"  # beside it: a test may hash the whole tree
    with (shared / f"shared-world-{scale}-{seed}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.is_file():
            shutil.rmtree(root, ignore_errors=True)  # a build that died half way
            build_world(root, seed=seed, scale=scale)
            built.touch()
    return root


def web_shop(handle: str, network: str | None, role: str | None = None) -> SimAccount:
    """A web shop of the generator's own kind, in a network or honest (for the site-level assigners)."""
    return SimAccount(
        platform="web",
        handle=handle,
        display_name=handle,
        profile_url=f"https://{handle}/",
        country="CN",
        role=role or ("counterfeiter" if network else "honest"),  # type: ignore[arg-type]
        network=network,
        joined_at=datetime(2025, 1, 1),
    )
