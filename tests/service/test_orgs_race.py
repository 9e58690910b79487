"""Two requests creating the same organisation at once: the second gets a Conflict, not a 500."""

from __future__ import annotations

import pytest

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Conflict
from countermark.orgs import service
from countermark.orgs.service import create_organisation, get_organisation_by_name


def test_a_name_taken_between_the_check_and_the_insert_is_a_conflict(
    store: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(store.sessions) as session:
        create_organisation(session=session, name="Douane FR", kind="customs", country="FR")
    # The other request's check ran before this one committed: it saw no organisation of that name.
    monkeypatch.setattr(service, "get_organisation_by_name", lambda **_: None)
    with unit_of_work(store.sessions) as session:
        with pytest.raises(Conflict):
            create_organisation(session=session, name="Douane FR", kind="customs", country="FR")
        # The transaction survives the refused insert: the request can still answer and write.
        create_organisation(session=session, name="Douane BE", kind="customs", country="BE")
    monkeypatch.undo()
    with store.sessions() as session:
        assert get_organisation_by_name(session=session, name="Douane BE") is not None
