"""A record's process id names the process that was running then, not a later one given the same id."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from countermark.core.clock import utcnow
from countermark.core.processes import START_SLACK, process_alive, process_started

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="process start times come from /proc")


def test_a_process_start_is_read_from_proc() -> None:
    before = utcnow()
    time.sleep(0.05)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = process_started(child.pid)
        assert started is not None
        # Clock ticks since boot set against the wall clock: within the slack of when it was started.
        assert before - START_SLACK <= started <= utcnow() + START_SLACK
        own = process_started(os.getpid())
        assert own is not None and own < started
    finally:
        child.kill()
        child.wait()
    assert process_started(child.pid) is None  # reaped: no /proc entry


def test_a_process_started_after_the_record_is_not_the_one_it_names() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert process_alive(child.pid)
        assert process_alive(child.pid, since=utcnow())
        assert process_alive(child.pid, since=utcnow().replace(tzinfo=None))  # naive UTC, as SQLite gives
        assert not process_alive(child.pid, since=utcnow() - timedelta(minutes=5))
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)
