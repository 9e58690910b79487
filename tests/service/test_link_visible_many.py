"""A reader's view of many networks at once: the records they name are checked in bounded queries."""

from __future__ import annotations

from countermark.core.context import AppContext
from countermark.core.db import IN_CHUNK as CHUNK
from countermark.core.db import unit_of_work
from countermark.link.visible_parts import seen_records
from countermark.orgs.visibility import Principal
from tests.service.helpers import make_org


def test_tens_of_thousands_of_records_are_checked_without_overflowing_the_query(store: AppContext) -> None:
    # A page of 500 networks can name more records than one statement may bind (PostgreSQL: 65,535).
    principal = Principal(org_id=make_org(store))
    records = [("listing", i) for i in range(1, 70_001)] + [("account", i) for i in range(1, CHUNK + 2)]
    with unit_of_work(store.sessions) as session:
        assert seen_records(session=session, principal=principal, records=records) == set()
