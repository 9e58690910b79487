"""The server's runner of linking jobs: each tick it takes a queued job and starts
`countermark link run --job ID` in a process of its own.

Linking reads every record of an organisation and clusters them, seconds to minutes of CPU: in the
server's process it would hold the interpreter's lock against every request, so it never runs there. The
child gets the server's settings through the environment (`COUNTERMARK_*`), records its run or its error
on the job, and writes its output to `<data_dir>/link/jobs/<id>.log`. A runner starts one job at a time;
a child that ends without recording an end has its job failed with the last line of its log. Children
outlive a server restart; the next runner on the host fails the jobs whose process is gone.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess  # nosec B404 - the command is this interpreter and fixed arguments
import sys
from pathlib import Path

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.link.jobs import claim_next, fail_job, reap
from countermark.link.models import LinkJob

log = logging.getLogger("countermark.link.runner")
ENV_PREFIX = "COUNTERMARK_"
LOG_TAIL_BYTES = 4000


def settings_environment(settings: Settings) -> dict[str, str]:
    """The settings as the environment variables that make a child process read the same ones."""
    found = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(getattr(value, "value", value))
        found[ENV_PREFIX + name.upper()] = text
    return found


def job_command(job_id: int) -> list[str]:
    """The command line that runs one job with this interpreter."""
    return [sys.executable, "-m", "countermark.cli.main", "link", "run", "--job", str(job_id)]


def last_line(path: Path) -> str:
    """The last non-empty line of a log (its end only is read)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


class LinkJobRunner:
    """Starts queued linking jobs one at a time and watches the one it started."""

    def __init__(self, ctx: AppContext, *, host: str | None = None) -> None:
        self.ctx = ctx
        self.host = host or socket.gethostname()
        self.child: tuple[int, subprocess.Popen[bytes], Path] | None = None

    def log_path(self, job_id: int) -> Path:
        return self.ctx.settings.data_dir / "link" / "jobs" / f"{job_id}.log"

    def tick(self) -> int | None:
        """Watch the running child, fail the jobs whose process is gone, start the next queued job when
        none runs; the id of the job started, or None."""
        self._watch()
        with unit_of_work(self.ctx.sessions) as session:
            for gone in reap(session=session, host=self.host):
                log.warning("linking job %s failed: its process is gone", gone)
        if self.child is not None:
            return None
        with unit_of_work(self.ctx.sessions) as session:
            claimed = claim_next(session=session, host=self.host)
            job_id = claimed.id if claimed is not None else None
        if job_id is not None:
            self._start(job_id)
        return job_id

    def _start(self, job_id: int) -> None:
        path = self.log_path(job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **settings_environment(self.ctx.settings)}
        try:
            with path.open("wb") as output:
                child = subprocess.Popen(  # nosec B603 - no shell, fixed arguments
                    job_command(job_id), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                    env=env, start_new_session=True, close_fds=True,
                )  # fmt: skip
        except OSError as exc:
            with unit_of_work(self.ctx.sessions) as session:
                message = f"the linking process could not start: {exc}"
                fail_job(session=session, job_id=job_id, message=message)
            log.error("linking job %s could not start: %s", job_id, exc)
            return
        self.child = (job_id, child, path)
        log.info("linking job %s started (process %s)", job_id, child.pid)

    def _watch(self) -> None:
        if self.child is None:
            return
        job_id, child, path = self.child
        code = child.poll()
        if code is None:
            return
        self.child = None
        with unit_of_work(self.ctx.sessions) as session:
            job = session.get(LinkJob, job_id)
            if job is not None and job.status == "running":
                tail = last_line(path) or f"exit status {code}"
                fail_job(session=session, job_id=job_id, message=f"the linking process ended: {tail}")
                log.warning("linking job %s ended without recording its end (exit %s)", job_id, code)

    def wait(self, timeout: float) -> int | None:
        """Wait for the running child to end (tests, shutdown); its exit status, or None."""
        if self.child is None:
            return None
        try:
            code = self.child[1].wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._watch()
        return code
