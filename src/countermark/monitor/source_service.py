"""Sources to watch: create, edit, pause, list what a principal may see, find the ones due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.core.marking import TLP_LEVELS
from countermark.monitor.config import SourceConfig
from countermark.monitor.models import MonitorSource
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, can_see, require_owner, visible

MIN_FREQUENCY = 5
MAX_FREQUENCY = 60 * 24 * 90


def check_config(config: dict[str, Any]) -> SourceConfig:
    """The validated configuration, or InvalidInput naming every field at fault."""
    try:
        return SourceConfig.model_validate(config)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'config'}: {error['msg']}" for error in exc.errors()
        )
        raise InvalidInput.of("the source's configuration is not valid: {reasons}", reasons=reasons) from None


def _check_fields(name: str, platform: str, frequency_minutes: int, tlp: str) -> None:
    if not name.strip() or len(name) > 100:
        raise InvalidInput.of("a source needs a name of 1 to 100 characters")
    if not platform.strip() or len(platform) > 100:
        raise InvalidInput.of("a source needs a platform name of 1 to 100 characters")
    if not MIN_FREQUENCY <= frequency_minutes <= MAX_FREQUENCY:
        raise InvalidInput.of("frequency must be between {least} minutes and 90 days", least=MIN_FREQUENCY)
    if tlp not in TLP_LEVELS:
        raise InvalidInput.of(
            "unknown TLP marking {tlp!r}: use one of {levels}", tlp=tlp, levels=", ".join(TLP_LEVELS)
        )


def create_source(
    *,
    session: Session,
    owner_org_id: int,
    name: str,
    platform: str,
    config: dict[str, Any],
    actor: str,
    frequency_minutes: int = 1440,
    tlp: str = "AMBER",
) -> MonitorSource:
    """Store a new source of the organisation; due at once."""
    _check_fields(name, platform, frequency_minutes, tlp)
    checked = check_config(config)
    taken = session.scalar(
        select(MonitorSource.id).where(MonitorSource.owner_org_id == owner_org_id, MonitorSource.name == name)
    )
    if taken is not None:
        raise Conflict.of("your organisation already has a source named {name!r}", name=name)
    source = MonitorSource(
        name=name.strip(),
        platform=platform.strip(),
        config=checked.model_dump(mode="json"),
        frequency_minutes=frequency_minutes,
        next_due_at=utcnow(),
        created_by=actor,
        owner_org_id=owner_org_id,
        tlp=tlp,
    )
    session.add(source)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        org_id=owner_org_id,
        action="monitor.source.create",
        subject_type="monitor_source",
        subject_id=str(source.id),
        detail={"name": name},
    )
    return source


def update_source(
    *,
    session: Session,
    principal: Principal,
    source_id: int,
    actor: str,
    config: dict[str, Any] | None = None,
    platform: str | None = None,
    frequency_minutes: int | None = None,
    paused: bool | None = None,
) -> MonitorSource:
    """Change a source the principal's organisation owns (configuration, frequency, paused)."""
    source = require_owner(session.get(MonitorSource, source_id), principal, what="source")
    _check_fields(
        source.name, platform or source.platform, frequency_minutes or source.frequency_minutes, source.tlp
    )
    if config is not None:
        source.config = check_config(config).model_dump(mode="json")
    if platform is not None:
        source.platform = platform.strip()
    if frequency_minutes is not None:
        source.frequency_minutes = frequency_minutes
    if paused is not None:
        source.paused = paused
        if not paused and source.next_due_at is None:
            source.next_due_at = utcnow()
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        org_id=source.owner_org_id,
        action="monitor.source.update",
        subject_type="monitor_source",
        subject_id=str(source.id),
        detail={"paused": source.paused, "config_changed": config is not None},
    )
    return source


def visible_sources(*, session: Session, principal: Principal) -> list[MonitorSource]:
    """The sources the principal may see, by name."""
    return list(session.scalars(visible(MonitorSource, principal).order_by(MonitorSource.name)))


def get_visible_source(*, session: Session, principal: Principal, source_id: int) -> MonitorSource:
    """A source the principal may see; NotFound otherwise (the same answer whether it exists or not)."""
    source = session.get(MonitorSource, source_id)
    if source is None or not can_see(
        principal, owner_org_id=source.owner_org_id, tlp=source.tlp, sharing_group_id=source.sharing_group_id
    ):
        raise NotFound.of("no source that you may see")
    return source


def find_source(*, session: Session, owner_org_id: int, name: str) -> MonitorSource:
    """The organisation's source of this name (for the command line)."""
    source = session.scalar(
        select(MonitorSource).where(MonitorSource.owner_org_id == owner_org_id, MonitorSource.name == name)
    )
    if source is None:
        raise NotFound.of("no source named {name!r} in this organisation", name=name)
    return source


def due_sources(*, session: Session, at: datetime | None = None) -> list[MonitorSource]:
    """Sources not paused whose next crawl is due."""
    now = at or utcnow()
    return list(
        session.scalars(
            select(MonitorSource)
            .where(
                MonitorSource.paused.is_(False),
                or_(MonitorSource.next_due_at.is_(None), MonitorSource.next_due_at <= now),
            )
            .order_by(MonitorSource.next_due_at, MonitorSource.id)
        )
    )


def schedule_next(source: MonitorSource, *, after: datetime) -> None:
    """Set when the source is next due, one period after the crawl that just ended."""
    source.next_due_at = after + timedelta(minutes=source.frequency_minutes)
