"""`countermark share` commands (issue 19): partners with sealed tokens, requests for assistance moved on
from the command line, export of a collection, and a partner that does not answer told plainly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.service import create_organisation
from countermark.share.collections_service import create_collection
from countermark.share.models import AssistanceRequest, ShareCollection, SharePartner
from countermark.share.partners_service import register_partner
from countermark.share.token_vault import use_keys

SECRET = "basic:cm:s3cret-pass"


@pytest.fixture
def cli_store(store: AppContext, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """The store, named by the environment as `countermark` reads it, with a partner and two requests."""
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(store.settings.data_dir))
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", store.settings.resolved_database_url())
    use_keys(store.engine, store.settings.keys_dir)
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="DGDDI", kind="customs", country="FR")
        create_organisation(session=session, name="C3N", kind="police", country="FR")
        new = register_partner(session, name="GACC instance", kind="customs", country="CN",
                               acting_org_id=org.id, api_root_url="http://127.0.0.1:9/taxii2/api/",
                               token=SECRET)  # fmt: skip
        create_collection(session, title="FR-CN", owner_org_id=org.id, sharing_group_id=None)
        for number in (1, 2):
            session.add(AssistanceRequest(
                uuid=f"00000000-0000-4000-8000-00000000000{number}", direction="incoming", org_id=org.id,
                partner_id=new.partner.id, subject=f"Seller {number}", asked="Who?", legal_basis="CMAA",
                history=[{"status": "received", "at": "2026-12-01T00:00:00"}],
            ))  # fmt: skip
    return store


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["share", *args])
    return result.exit_code, result.output


def test_requests_are_listed_accepted_answered_and_refused_for_their_organisation(
    cli_store: AppContext,
) -> None:
    code, out = _run("requests", "list", "--org", "DGDDI")
    assert code == 0 and "Seller 1" in out and "Seller 2" in out
    code, out = _run("requests", "list", "--org", "C3N")
    assert code == 0 and "Seller" not in out
    with unit_of_work(cli_store.sessions) as session:
        first, second = (
            r.id for r in session.scalars(select(AssistanceRequest).order_by(AssistanceRequest.id))
        )
    assert _run("requests", "accept", str(first), "--org", "C3N")[0] != 0  # not theirs
    assert _run("requests", "answer", str(first), "--org", "DGDDI", "--text", "too early")[0] != 0
    assert _run("requests", "accept", str(first), "--org", "DGDDI") == (0, f"request {first} is accepted\n")
    assert _run("requests", "answer", str(first), "--org", "DGDDI", "--text", "A. Dupont")[0] == 0
    assert _run("requests", "refuse", str(second), "--org", "DGDDI", "--reason", "out of scope")[0] == 0
    with unit_of_work(cli_store.sessions) as session:
        states = {r.id: (r.status, r.answer) for r in session.scalars(select(AssistanceRequest))}
    assert states == {first: ("answered", "A. Dupont"), second: ("refused", "out of scope")}


def test_partners_show_what_may_be_shown_and_unreachable_partners_are_told(
    cli_store: AppContext, tmp_path: Path
) -> None:
    code, out = _run("partners")
    assert code == 0 and "GACC" in out and "s3cret" not in out and "pass" not in out
    code, out = _run("partner-token", "--partner", "GACC instance", "--token", "cm_abcdef123456_xyz")
    assert code == 0
    with unit_of_work(cli_store.sessions) as session:
        partner = session.scalar(select(SharePartner))
        assert partner is not None and partner.token == "cm_abcdef123456_xyz"
        assert "xyz" not in (partner.token_sealed or "")
    code, out = _run("requests", "send", "--partner", "GACC instance", "--org", "DGDDI", "--subject", "s",
                     "--asked", "a", "--legal-basis", "b", "--deadline", "2027-13-01")  # fmt: skip
    assert code == 2 and "not a date" in out
    code, out = _run("requests", "send", "--partner", "GACC instance", "--org", "DGDDI", "--subject", "s",
                     "--asked", "a", "--legal-basis", "b")  # fmt: skip
    assert code == 1 and "did not take the request" in out
    code, out = _run("psi", "--partner", "GACC instance", "--org", "DGDDI")
    assert code == 1 and "did not answer" in out
    code, out = _run("sync", "--partner", "GACC instance")
    assert code == 0 and "GACC instance" not in out  # told on stderr, the schedule goes on
    with unit_of_work(cli_store.sessions) as session:
        collection_uuid = session.execute(select(ShareCollection.uuid)).scalar_one()
    out_file = tmp_path / "bundle.json"
    code, out = _run("export", "--collection", str(collection_uuid), "--out", str(out_file))
    assert code == 0 and json.loads(out_file.read_text())["type"] == "bundle"
