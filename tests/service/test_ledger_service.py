"""The ledger service on both databases: appends, proofs, tamper detection, checkpoints, restarts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import InvalidInput
from countermark.ledger import merkle, service
from countermark.ledger.checkpoint import InconsistentCheckpoint, Signer, verify_checkpoint
from countermark.ledger.service import EntryIn
from countermark.orgs.visibility import SYSTEM
from tests.conftest import _context


def _digest(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def _append(ctx: AppContext, count: int, *, start: int = 0, owner_org_id: int | None = None) -> list[int]:
    with unit_of_work(ctx.sessions) as session:
        entries = [
            EntryIn(
                "evidence",
                "blob",
                str(start + i),
                _digest(f"file {start + i}"),
                {"case_id": start + i},
                owner_org_id=owner_org_id,
                tlp="AMBER",
            )
            for i in range(count)
        ]
        return [e.id for e in service.append_many(session=session, entries=entries)]


@pytest.fixture
def signer() -> Signer:
    return Signer.generate("test.countermark/ledger")


def test_appended_entries_are_consecutive_leaves_whose_proofs_verify(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        first = service.append(
            session=session,
            kind="right",
            subject_type="right",
            subject_id=7,
            content_hash=_digest("r7"),
            owner_org_id=None,
            tlp="RED",
        )
    ids = [first.id, *_append(store, 6)]
    with unit_of_work(store.sessions) as session:
        assert service.tree_size(session=session) == 7
        for index, entry_id in enumerate(ids):
            proof = service.inclusion_proof(session=session, principal=SYSTEM, entry_id=entry_id)
            assert proof.leaf_index == index and proof.tree_size == 7
            assert merkle.verify_inclusion(
                bytes.fromhex(proof.leaf_hash),
                index,
                7,
                [bytes.fromhex(h) for h in proof.proof],
                bytes.fromhex(proof.root_hash),
            )
        root = merkle.root_hash(service.leaf_hashes(session=session))
        assert (
            service.inclusion_proof(session=session, principal=SYSTEM, entry_id=ids[2]).root_hash
            == root.hex()
        )


def test_consistency_proofs_between_past_and_present_sizes_verify(store: AppContext) -> None:
    _append(store, 11)
    with unit_of_work(store.sessions) as session:
        for first in range(12):
            proof = service.consistency_proof(session=session, first=first)
            assert merkle.verify_consistency(
                first,
                11,
                [bytes.fromhex(h) for h in proof.proof],
                bytes.fromhex(proof.first_root),
                bytes.fromhex(proof.second_root),
            )


def test_metadata_with_personal_data_is_refused(store: AppContext) -> None:
    with pytest.raises(InvalidInput), unit_of_work(store.sessions) as session:
        service.append(
            session=session,
            kind="case_action",
            subject_type="case",
            subject_id=1,
            content_hash=_digest("x"),
            owner_org_id=None,
            tlp="RED",
            metadata={"officer": "jean.dupont@douane.example"},
        )
    with unit_of_work(store.sessions) as session:
        assert service.tree_size(session=session) == 0


def test_an_untouched_store_verifies(store: AppContext, signer: Signer) -> None:
    _append(store, 5)
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
    _append(store, 3, start=5)
    with unit_of_work(store.sessions) as session:
        report = service.verify_store(session=session, verifier=signer.verifier())
    assert report.ok, report.problems
    assert (report.entries_checked, report.checkpoints_checked, report.tree_size) == (8, 1, 8)


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE ledger_entries SET meta = '{\"case_id\": 99}' WHERE id = :id",
        "UPDATE ledger_entries SET content_hash = :other WHERE id = :id",
        "UPDATE ledger_entries SET leaf_hash = :other WHERE id = :id",
    ],
    ids=["metadata", "content-hash", "leaf-hash"],
)
def test_tampering_with_a_stored_entry_is_detected_and_named(
    store: AppContext, signer: Signer, tampering: str
) -> None:
    ids = _append(store, 6)
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
    with store.engine.begin() as connection:
        connection.execute(text(tampering), {"id": ids[3], "other": _digest("forged")})
    with unit_of_work(store.sessions) as session:
        report = service.verify_store(session=session, verifier=signer.verifier())
    assert not report.ok
    assert report.tampered_entry_ids == [ids[3]]
    assert any(p.checkpoint_size == 6 for p in report.problems) != ("leaf_hash" in tampering)


def test_rewriting_an_entry_and_its_hashes_together_breaks_the_signed_root(
    store: AppContext, signer: Signer
) -> None:
    ids = _append(store, 4)
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
        victim = service.get_entry_or_raise(session=session, principal=SYSTEM, entry_id=ids[1])
        from countermark.ledger.entries import canonical_entry, entry_hashes

        forged = entry_hashes(
            canonical_entry(
                seq=victim.seq,
                kind=victim.kind,
                subject_type=victim.subject_type,
                subject_id=victim.subject_id,
                content_hash=_digest("forged"),
                metadata=victim.meta,
                recorded_at=victim.recorded_at,
            )
        )
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE ledger_entries SET content_hash = :c, entry_hash = :e, leaf_hash = :l WHERE id = :id"
            ),
            {"c": _digest("forged"), "e": forged[0], "l": forged[1], "id": ids[1]},
        )
    with unit_of_work(store.sessions) as session:
        report = service.verify_store(session=session, verifier=signer.verifier())
        assert [p.checkpoint_size for p in report.problems] == [4]
        with pytest.raises(InconsistentCheckpoint):
            service.sign_checkpoint(session=session, signer=signer)


def test_a_checkpoint_is_not_signed_after_an_earlier_leaf_was_rewritten(
    store: AppContext, signer: Signer
) -> None:
    ids = _append(store, 5)
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
    _append(store, 2, start=5)
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_entries SET leaf_hash = :h WHERE id = :id"),
            {"h": _digest("other"), "id": ids[0]},
        )
    with (
        pytest.raises(InconsistentCheckpoint, match="not consistent"),
        unit_of_work(store.sessions) as session,
    ):
        service.sign_checkpoint(session=session, signer=signer)


def test_a_checkpoint_is_not_signed_after_entries_were_removed(store: AppContext, signer: Signer) -> None:
    _append(store, 5)
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_entries WHERE seq >= 3"))
    with pytest.raises(InconsistentCheckpoint, match="removed"), unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
    with unit_of_work(store.sessions) as session:
        report = service.verify_store(session=session, verifier=signer.verifier())
    assert [p.checkpoint_size for p in report.problems] == [5]


def test_checkpoints_are_signed_notes_that_extend_each_other(store: AppContext, signer: Signer) -> None:
    _append(store, 3)
    with unit_of_work(store.sessions) as session:
        first = service.sign_checkpoint(session=session, signer=signer)
        again = service.sign_checkpoint(session=session, signer=signer)
    assert again.id == first.id
    _append(store, 4, start=3)
    with unit_of_work(store.sessions) as session:
        second = service.sign_checkpoint(session=session, signer=signer)
        proof = service.consistency_proof(session=session, first=3, second=7)
    one, two = (verify_checkpoint(c.note, signer.verifier()) for c in (first, second))
    assert (one.size, two.size) == (3, 7)
    assert merkle.verify_consistency(
        3, 7, [bytes.fromhex(h) for h in proof.proof], one.root_hash, two.root_hash
    )


def test_a_restarted_context_continues_the_same_tree(
    store: AppContext, signer: Signer, tmp_path: Path
) -> None:
    database_url = store.settings.resolved_database_url()
    _append(store, 5)
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
    store.close()
    restarted = _context(database_url, tmp_path)
    try:
        ids = _append(restarted, 2, start=5)
        with unit_of_work(restarted.sessions) as session:
            checkpoint = service.sign_checkpoint(session=session, signer=signer)
            proof = service.inclusion_proof(session=session, principal=SYSTEM, entry_id=ids[-1])
            report = service.verify_store(session=session, verifier=signer.verifier())
    finally:
        restarted.close()
    assert checkpoint.size == 7 and proof.leaf_index == 6 and proof.checkpoint == checkpoint.note
    assert report.ok, report.problems


def test_api_serves_the_checkpoint_and_proofs_that_verify_to_signed_readers(
    store: AppContext, signer: Signer
) -> None:
    from fastapi.testclient import TestClient

    from countermark.web.app import create_app
    from tests.api.conftest import Actors, make_actor

    actors = Actors()
    make_actor(store, "customs", "DGDDI", "customs", "FR", actors, scopes=("read",))
    make_actor(store, "brand", "Aurel", "rights_holder", "FR", actors, scopes=("read",))
    ids = _append(store, 5, owner_org_id=actors.org_ids["customs"])
    with unit_of_work(store.sessions) as session:
        service.sign_checkpoint(session=session, signer=signer)
    with TestClient(create_app(context=store), raise_server_exceptions=False) as client:
        assert client.get("/api/v1/ledger/checkpoint").status_code == 401
        headers = actors.headers("customs")
        note = client.get("/api/v1/ledger/checkpoint", headers=headers).json()["note"]
        checkpoint = verify_checkpoint(note, signer.verifier())
        body = client.get(f"/api/v1/ledger/entries/{ids[3]}/proof", headers=headers).json()
        assert merkle.verify_inclusion(
            bytes.fromhex(body["leaf_hash"]),
            3,
            5,
            [bytes.fromhex(h) for h in body["proof"]],
            checkpoint.root_hash,
        )
        consistency = client.get("/api/v1/ledger/consistency?first=2", headers=headers).json()
        assert consistency["second_root"] == checkpoint.root_hash.hex()
        assert client.get("/api/v1/ledger/entries/999/proof", headers=headers).status_code == 404
        # Another organisation gets the public checkpoint and consistency proofs, never the entries.
        other = actors.headers("brand")
        assert client.get("/api/v1/ledger/checkpoint", headers=other).json()["note"] == note
        assert client.get("/api/v1/ledger/consistency?first=2", headers=other).json() == consistency
        assert client.get(f"/api/v1/ledger/entries/{ids[3]}/proof", headers=other).status_code == 404
        assert client.get("/api/v1/ledger/consistency?first=9", headers=headers).status_code == 422
        assert client.get("/api/v1/ledger/consistency?first=x", headers=headers).status_code == 422


def test_the_rights_pipeline_records_each_right_version_once(store: AppContext, tmp_path: Path) -> None:
    from countermark.demo.ledger import record_rights
    from tests.service.helpers import ingest, make_org, write_jsonl

    org_id = make_org(store)
    rights = [
        {
            "source": "t",
            "external_id": f"r{i}",
            "kind": "trademark",
            "name": f"Mark {i}",
            "holder_name": "Aurel",
            "registration_number": f"EU{i}",
            "office": "EUIPO",
            "jurisdictions": ["EU"],
        }
        for i in range(3)
    ]
    report = ingest(store, "rights", write_jsonl(tmp_path / "rights.jsonl", rights), org_id)
    assert report.stored == 3
    with unit_of_work(store.sessions) as session:
        summary = record_rights(store, session, lambda done, total: None)
    assert summary.startswith("3 right versions recorded")
    with unit_of_work(store.sessions) as session:
        assert record_rights(store, session, lambda done, total: None).startswith("0 right versions recorded")
        assert service.tree_size(session=session) == 3
        verified = service.verify_store(session=session)
        assert verified.ok, verified.problems
