"""`countermark world serve` as a user runs it: a real process, real HTTP, stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from countermark.sim import build_world

COMMAND = [sys.executable, "-m", "countermark.cli.main", "world", "serve"]


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world, built once per test session (~30 s), or the one COUNTERMARK_TEST_SITES_WORLD names."""
    prebuilt = os.environ.get("COUNTERMARK_TEST_SITES_WORLD")
    root = Path(prebuilt) if prebuilt else tmp_path_factory.getbasetemp() / "sites-world"
    if not (root / "world.json").is_file():
        build_world(root, seed=7, scale="small")
    return root


def test_world_serve_prints_its_addresses_serves_advances_and_stops_on_sigterm(world_dir: Path) -> None:
    process = subprocess.Popen(
        [*COMMAND, "--world", str(world_dir), "--port", "0", "--socks-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = None
        for line in process.stdout:
            found = re.search(r"HTTP proxy .*: http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port is not None, "the command never printed its HTTP proxy address"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__world/status", timeout=10) as answer:
            assert json.loads(answer.read())["epoch"] == 0
        advance = urllib.request.Request(f"http://127.0.0.1:{port}/__world/advance", method="POST", data=b"")
        with urllib.request.urlopen(advance, timeout=10) as answer:
            assert json.loads(answer.read()) == {"epoch": 1}
        proxy = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
        with proxy.open("http://www.linkdex.org/robots.txt", timeout=10) as answer:
            assert b"Crawl-delay: 1" in answer.read()
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
        assert process.returncode == 0
        assert "stopped" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_world_serve_says_what_is_missing_when_there_is_no_world(tmp_path: Path) -> None:
    done = subprocess.run(
        [*COMMAND, "--world", str(tmp_path), "--port", "0", "--socks-port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "countermark world build" in done.stdout + done.stderr
