"""Linking jobs: an analyst asks for a run through the API or the web; a process of its own does it.

A job is queued by a member of an organisation with the write scope (one queued or running job per
organisation at a time), claimed by the server's runner (`link.runner`) with one conditional UPDATE so
that two server workers never both take it, and run by `countermark link run --job ID`, which records
the run it made or why it failed. A job whose process is gone without a word (killed, out of memory, the
machine restarted) is marked failed by the next runner on its host. Jobs are their organisation's own
business: only its members see them, and another organisation's job is the same 404 as an absent one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import Code, Conflict, InvalidInput, NotFound
from countermark.core.processes import Alive, process_alive
from countermark.link.models import JOB_MODES, LinkJob
from countermark.orgs.visibility import Principal

ACTIVE = ("queued", "running")
# A job claimed but never given a process (its runner died between the two) is failed after this long.
UNSTARTED_SECONDS = 600
MESSAGE_MAX = 1000


def _own_jobs(principal: Principal) -> Any:
    if principal.org_id is None:
        return select(LinkJob).where(LinkJob.id.is_(None))  # nothing: jobs belong to organisations
    return select(LinkJob).where(LinkJob.owner_org_id == principal.org_id)


def request_job(*, session: Session, principal: Principal, mode: str) -> LinkJob:
    """Queue a linking run of the principal's organisation (the route checks the write scope)."""
    if principal.org_id is None:
        raise InvalidInput.of("only a member of an organisation links its records")
    if mode not in JOB_MODES:
        raise InvalidInput.of("a linking run is full or incremental, not {mode!r}", mode=mode[:40])
    active = session.scalar(
        _own_jobs(principal).where(LinkJob.status.in_(ACTIVE)).order_by(LinkJob.id).limit(1)
    )
    if active is not None:
        raise Conflict.of(
            "a linking run of your organisation is already {status} (job {job}): wait for it to end",
            status=Code(active.status), job=active.id, detail={"job": active.id},
        )  # fmt: skip
    job = LinkJob(owner_org_id=principal.org_id, mode=mode, status="queued", requested_by=principal.email)
    try:
        with session.begin_nested():  # another request may have queued one since the check above
            session.add(job)
    except IntegrityError:
        raise Conflict.of("a linking run of your organisation is already queued or running") from None
    return job


def visible_jobs(*, session: Session, principal: Principal, limit: int = 20) -> list[LinkJob]:
    """The organisation's newest jobs."""
    return list(session.scalars(_own_jobs(principal).order_by(LinkJob.id.desc()).limit(limit)))


def get_job(*, session: Session, principal: Principal, job_id: int) -> LinkJob:
    """One job of the principal's organisation; another's and an absent one are the same 404."""
    job: LinkJob | None = session.scalar(_own_jobs(principal).where(LinkJob.id == job_id))
    if job is None:
        raise NotFound.of("no linking job {job} that you may see", job=job_id)
    return job


def claim_next(*, session: Session, host: str) -> LinkJob | None:
    """Take the oldest queued job for this host, or None. The UPDATE only takes a job still queued, so two
    runners that pick the same one do not both get it."""
    for job_id in session.scalars(
        select(LinkJob.id).where(LinkJob.status == "queued").order_by(LinkJob.id).limit(5)
    ):
        taken = session.execute(
            update(LinkJob)
            .where(LinkJob.id == job_id, LinkJob.status == "queued")
            .values(status="running", started_at=utcnow(), host=host[:255])
        )
        if getattr(taken, "rowcount", 0) == 1:
            return session.get(LinkJob, job_id, populate_existing=True)
    return None


def begin_job(*, session: Session, job_id: int, host: str, pid: int) -> LinkJob:
    """The job a `link run --job` process is to do, with its process noted. A job still queued (the
    command run by hand) is claimed here; one that ended or that another process runs is refused."""
    job = session.get(LinkJob, job_id)
    if job is None:
        raise NotFound.of("no linking job {job}", job=job_id)
    if job.status == "queued":
        job.status, job.host = "running", host[:255]
    elif job.status != "running" or job.pid is not None:
        raise Conflict.of("linking job {job} is {status}: it is not waiting for a process", job=job_id,
                          status=Code(job.status))  # fmt: skip
    # Started when a process took it: `reap` tells the process from a later one given the same id.
    job.pid, job.started_at = pid, utcnow()
    session.flush()
    return job


def finish_job(*, session: Session, job_id: int, run_id: int, summary: dict[str, Any]) -> None:
    """Record the run the job made."""
    job = session.get(LinkJob, job_id)
    if job is not None:
        job.status, job.finished_at, job.run_id, job.summary = "done", utcnow(), run_id, summary
        job.message = ""


def fail_job(*, session: Session, job_id: int, message: str) -> None:
    """Record why the job did not finish (only a job still queued or running changes)."""
    job = session.get(LinkJob, job_id)
    if job is not None and job.status in ACTIVE:
        job.status, job.finished_at = "failed", utcnow()
        job.message = (message.strip() or "the linking process ended without a word")[:MESSAGE_MAX]


def reap(*, session: Session, host: str, alive: Alive = process_alive) -> list[int]:
    """Fail this host's running jobs whose process is gone without recording an end (its id may since
    belong to a process started later: not the job's), and those claimed long ago and never given a
    process; their ids."""
    reaped = []
    late = utcnow() - timedelta(seconds=UNSTARTED_SECONDS)
    running = select(LinkJob).where(LinkJob.status == "running", LinkJob.host == host[:255])
    for job in session.scalars(running):
        if job.pid is not None and not alive(job.pid, since=job.started_at):
            fail_job(session=session, job_id=job.id, message="the linking process ended without a word "
                     "(killed or out of memory): ask for another run")  # fmt: skip
            reaped.append(job.id)
        elif job.pid is None and job.started_at is not None and job.started_at < late:
            fail_job(session=session, job_id=job.id, message="the linking process never started")
            reaped.append(job.id)
    return reaped
