"""Migrations create the schema on both databases, and the models agree with them."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.migrate import current_revision, head_revision, model_differences
from countermark.orgs.models import AuditEntry, AuditIsAppendOnly
from countermark.orgs.service import create_organisation, record_audit
from countermark.tables import metadata


def test_migrations_reach_the_head_revision(migrated_store: AppContext) -> None:
    assert current_revision(migrated_store.engine) == head_revision()


def test_models_and_migrations_agree(migrated_store: AppContext) -> None:
    assert model_differences(migrated_store.engine, metadata()) == []


def test_every_model_table_is_created_by_the_migrations(migrated_store: AppContext) -> None:
    created = set(inspect(migrated_store.engine).get_table_names()) - {"alembic_version"}
    assert created == set(metadata().tables)


def test_audit_entries_cannot_be_changed_or_deleted(migrated_store: AppContext) -> None:
    with unit_of_work(migrated_store.sessions) as session:
        org = create_organisation(session=session, name="DGDDI", kind="customs", country="FR")
        entry_id = record_audit(session=session, actor="a", action="x", subject_type="y", org_id=org.id).id
    with pytest.raises(AuditIsAppendOnly), unit_of_work(migrated_store.sessions) as session:
        entry = session.get(AuditEntry, entry_id)
        assert entry is not None
        entry.actor = "someone else"
        session.flush()
    with pytest.raises(AuditIsAppendOnly), unit_of_work(migrated_store.sessions) as session:
        entry = session.get(AuditEntry, entry_id)
        session.delete(entry)
        session.flush()
