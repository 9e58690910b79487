"""Issue #12, finding 4: the ledger told other organisations about AMBER and RED cases.

With the rights holder's token, `GET /api/v1/ledger/entries/{id}/proof` returned customs' AMBER and the
police's RED case ids, procedures, steps, decisions and each evidence file's SHA-256, for every id in
turn. Entries are now owned and marked like the records they describe: an entry one may not see is
answered exactly as an id that does not exist, and one that may be seen still proves its inclusion.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ledger import merkle, service
from countermark.ledger.checkpoint import Signer, verify_checkpoint
from countermark.ledger.models import LedgerEntry
from countermark.orgs.visibility import SYSTEM
from tests.api.conftest import Actors

EVIDENCE = b"photo of the seized bags"


def _case(client: TestClient, actors: Actors, org: str, **body: Any) -> int:
    response = client.post("/api/v1/cases", json=body, headers=actors.headers(org))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _evidence(client: TestClient, actors: Actors, org: str, case_id: int, data: bytes) -> tuple[int, str]:
    response = client.post(
        f"/api/v1/cases/{case_id}/evidence",
        headers=actors.headers(org),
        files={"file": ("bags.jpg", data, "image/jpeg")},
        data={"description": "seized bags", "source": "officer's camera"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"]), str(response.json()["sha256"])


def _entries(store: AppContext) -> dict[int, tuple[str, str, str]]:
    """Every entry: id → (subject type, subject id, content hash)."""
    with unit_of_work(store.sessions) as session:
        rows = session.query(LedgerEntry).order_by(LedgerEntry.seq).all()
        return {e.id: (e.subject_type, e.subject_id, e.content_hash) for e in rows}


def _sign(store: AppContext, signer: Signer) -> None:
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)


def test_another_organisation_learns_nothing_of_amber_and_red_cases_from_the_ledger(
    client: TestClient, actors: Actors, store: AppContext
) -> None:
    amber = _case(client, actors, "customs", procedure="eu_standard", title="Bags", tlp="AMBER")
    customs_item, digest = _evidence(client, actors, "customs", amber, EVIDENCE)
    moved = client.post(
        f"/api/v1/cases/{amber}/decisions", json={"decision": "notify"}, headers=actors.headers("customs")
    )
    assert moved.status_code == 201, moved.text
    red = _case(client, actors, "police", procedure="investigation", title="Ring", tlp="RED")
    police_item, _ = _evidence(client, actors, "police", red, b"wiretap transcript hash")
    _sign(store, Signer.generate("test.countermark/ledger"))
    entries = _entries(store)
    assert len(entries) == 5  # opened, evidence, notify for customs; opened, evidence for the police
    absent = client.get("/api/v1/ledger/entries/999999/proof", headers=actors.headers("brand"))
    assert absent.status_code == 404
    for entry_id in entries:
        for outsider in ("brand", "platform", "abroad"):
            answer = client.get(f"/api/v1/ledger/entries/{entry_id}/proof", headers=actors.headers(outsider))
            assert answer.status_code == 404, (outsider, entry_id, answer.text)
            # The same answer as an id that does not exist, but for the id itself: nothing leaks.
            assert answer.json()["message"] == absent.json()["message"].replace("999999", str(entry_id))
            assert digest not in answer.text and "eu_standard" not in answer.text
    subjects = {
        "customs": {("case", str(amber)), ("case_evidence", str(customs_item))},
        "police": {("case", str(red)), ("case_evidence", str(police_item))},
    }
    for owner, theirs in subjects.items():
        seen = {
            entries[i][:2]
            for i in entries
            if client.get(f"/api/v1/ledger/entries/{i}/proof", headers=actors.headers(owner)).status_code
            == 200
        }
        assert seen == theirs
    # Checkpoints (size and root) stay public: they say nothing about any entry.
    assert client.get("/api/v1/ledger/checkpoint", headers=actors.headers("brand")).json()["size"] == 5


def test_a_visible_case_entry_still_proves_its_inclusion_against_the_checkpoint(
    client: TestClient, actors: Actors, store: AppContext
) -> None:
    green = _case(client, actors, "customs", procedure="eu_standard", title="Bags", tlp="GREEN")
    _, digest = _evidence(client, actors, "customs", green, EVIDENCE)
    _case(client, actors, "police", procedure="investigation", title="Ring", tlp="RED")
    signer = Signer.generate("test.countermark/ledger")
    _sign(store, signer)
    entries = _entries(store)
    [evidence_id] = [i for i, (kind, _, _) in entries.items() if kind == "case_evidence"]
    with unit_of_work(store.sessions) as session:
        note = service.latest_checkpoint(session=session)
        assert note is not None
        head = verify_checkpoint(note.note, signer.verifier())
    for viewer in ("customs", "brand", "platform"):  # the owner, and the community of a GREEN case
        response = client.get(f"/api/v1/ledger/entries/{evidence_id}/proof", headers=actors.headers(viewer))
        assert response.status_code == 200, response.text
        body = response.json()
        # Whoever may see the evidence item may see its digest: the case page shows it too.
        assert body["entry"]["content_hash"] == digest and body["entry"]["metadata"]["case_id"] == green
        assert body["tree_size"] == head.size == 3 and body["root_hash"] == head.root_hash.hex()
        assert merkle.verify_inclusion(
            bytes.fromhex(body["leaf_hash"]),
            body["leaf_index"],
            body["tree_size"],
            [bytes.fromhex(h) for h in body["proof"]],
            head.root_hash,
        )
        assert body["checkpoint"] == note.note
    with unit_of_work(store.sessions) as session:
        assert service.verify_store(session=session, verifier=signer.verifier()).ok
        entry = service.get_entry_or_raise(session=session, principal=SYSTEM, entry_id=evidence_id)
        assert (entry.tlp, entry.owner_org_id) == ("GREEN", actors.org_ids["customs"])


def test_re_marking_a_case_re_marks_the_entries_about_it_and_its_evidence(
    client: TestClient, actors: Actors, store: AppContext
) -> None:
    case_id = _case(client, actors, "customs", procedure="eu_standard", title="Bags", tlp="GREEN")
    _evidence(client, actors, "customs", case_id, EVIDENCE)
    other = _case(client, actors, "customs", procedure="eu_standard", title="Other", tlp="GREEN")
    entries = _entries(store)
    about_case = [i for i, (kind, subject, _) in entries.items() if kind != "case" or subject == str(case_id)]
    about_other = [i for i, (kind, subject, _) in entries.items() if kind == "case" and subject == str(other)]
    assert len(about_case) == 2 and len(about_other) == 1

    def brand_sees(entry_id: int) -> bool:
        answer = client.get(f"/api/v1/ledger/entries/{entry_id}/proof", headers=actors.headers("brand"))
        return answer.status_code == 200

    assert all(brand_sees(i) for i in entries)
    narrowed = client.put(
        f"/api/v1/markings/cases/{case_id}", json={"tlp": "RED"}, headers=actors.headers("customs")
    )
    assert narrowed.status_code == 200, narrowed.text
    assert not any(brand_sees(i) for i in about_case) and all(brand_sees(i) for i in about_other)
    with unit_of_work(store.sessions) as session:
        assert {e.tlp for e in session.query(LedgerEntry).filter(LedgerEntry.id.in_(about_case))} == {"RED"}
        signer = Signer.generate("test.countermark/ledger")
        service.sign_checkpoint(session=session, signer=signer)
        assert service.verify_store(session=session, verifier=signer.verifier()).ok  # no leaf changed
    widened = client.put(
        f"/api/v1/markings/cases/{case_id}", json={"tlp": "GREEN"}, headers=actors.headers("customs")
    )
    assert widened.status_code == 200 and all(brand_sees(i) for i in about_case)
