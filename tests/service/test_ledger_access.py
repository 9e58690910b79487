"""Ledger entries are owned and marked like the records they describe, on both databases.

Covers the appenders (case events, evidence, notices), the read rule (`get_entry_or_raise` and
`inclusion_proof` answer an unseen entry as an absent one), and revision 0011, which marks the entries
a store already holds from their records, and the rest RED with no owner.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from countermark.cases.evidence_service import add_evidence
from countermark.cases.notice_service import generate_notice
from countermark.cases.notices import NoticeFacts
from countermark.cases.service import open_case, record_decision
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import NotFound
from countermark.core.migrate import upgrade
from countermark.ledger import merkle, service
from countermark.ledger.checkpoint import Signer
from countermark.ledger.entries import canonical_entry, entry_hashes
from countermark.ledger.models import LedgerEntry
from countermark.orgs.service import create_organisation
from countermark.orgs.visibility import SYSTEM, Principal
from tests.conftest import _context

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _principal(org_id: int) -> Principal:
    return Principal(org_id=org_id, role="analyst", scopes=frozenset({"read", "write"}))


def test_every_case_appender_marks_its_entry_like_its_record(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        customs = create_organisation(session=session, name="DGDDI", kind="customs", country="FR").id
        brand = create_organisation(session=session, name="Aurel", kind="rights_holder", country="FR").id
        case = open_case(
            session=session, owner_org_id=customs, procedure="eu_standard", title="Bags", at=AT, actor="t",
            tlp="AMBER", rights_holder_org_id=brand,
        )  # fmt: skip
        record_decision(
            session=session,
            case=case,
            decision="notify",
            role="customs_officer",
            at=AT,
            actor="t",
            org_id=customs,
        )
        add_evidence(
            session=session, blobs=store.blobs, case=case, data=b"photo", media_type="image/jpeg",
            description="photo", source="camera", actor="t", org_id=customs, at=AT,
        )  # fmt: skip
        facts = NoticeFacts(
            infringing_urls=("https://shop.example/1",), platform="Shop", right_kind="trademark",
            right_name="AUREL", notifier_name="Aurel", notifier_email="legal@aurel.example",
            explanation="Bags bearing the AUREL mark that the holder never made.", good_faith=True,
        )  # fmt: skip
        generate_notice(session=session, case=case, kind="dsa", facts=facts, actor="t", org_id=customs, at=AT)
        entries = session.query(LedgerEntry).order_by(LedgerEntry.seq).all()
        assert [e.subject_type for e in entries] == ["case", "case", "case_evidence", "case_notice"]
        assert {(e.owner_org_id, e.tlp, e.sharing_group_id) for e in entries} == {(customs, "AMBER", None)}
        ids = [e.id for e in entries]
    with unit_of_work(store.sessions) as session:
        for entry_id in ids:
            # The brand is the case's rights holder but may not see an AMBER case shared with no group.
            with pytest.raises(NotFound) as refused:
                service.inclusion_proof(session=session, principal=_principal(brand), entry_id=entry_id)
            with pytest.raises(NotFound) as absent:
                service.inclusion_proof(
                    session=session, principal=_principal(brand), entry_id=entry_id + 1000
                )
            assert refused.value.message.replace(str(entry_id), "N") == absent.value.message.replace(
                str(entry_id + 1000), "N"
            )
            proof = service.inclusion_proof(session=session, principal=_principal(customs), entry_id=entry_id)
            assert merkle.verify_inclusion(
                bytes.fromhex(proof.leaf_hash), proof.leaf_index, proof.tree_size,
                [bytes.fromhex(h) for h in proof.proof], bytes.fromhex(proof.root_hash),
            )  # fmt: skip


def test_an_entry_appended_without_an_owner_is_seen_by_the_system_alone(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="DGDDI", kind="customs", country="FR").id
        [entry] = service.append_many(
            session=session, entries=[service.EntryIn("other", "blob", "1", "a" * 64)]
        )
        assert (entry.owner_org_id, entry.tlp) == (None, "RED")
        with pytest.raises(NotFound):
            service.get_entry_or_raise(session=session, principal=_principal(org), entry_id=entry.id)
        assert service.get_entry_or_raise(session=session, principal=SYSTEM, entry_id=entry.id) is entry


def _raw_entry(engine: Engine, seq: int, subject_type: str, subject_id: str, content: str) -> None:
    """An entry as revision 0010 stored it (no owner, no marking), with its true hashes."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    canonical = canonical_entry(
        seq=seq, kind="other", subject_type=subject_type, subject_id=subject_id, content_hash=digest,
        metadata={}, recorded_at=AT,
    )  # fmt: skip
    entry_hash, leaf = entry_hashes(canonical)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ledger_entries (seq, kind, subject_type, subject_id, content_hash, meta, "
                "recorded_at, entry_hash, leaf_hash) "
                "VALUES (:seq, 'other', :st, :sid, :ch, '{}', :at, :eh, :lh)"
            ),
            {"seq": seq, "st": subject_type, "sid": subject_id, "ch": digest, "at": AT, "eh": entry_hash,
             "lh": leaf},
        )  # fmt: skip


def _raw_case(engine: Engine, reference: str, title: str, owner: int, tlp: str) -> int:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (reference, title, jurisdiction, procedure, step, status, country, "
                "perishable, opened_at, step_entered_at, opened_by, updated_at, owner_org_id, tlp) "
                "VALUES (:ref, :title, 'ANY', 'investigation', 'seized', 'open', 'FR', false, :at, :at, "
                "'t', :at, :owner, :tlp)"
            ),
            {"ref": reference, "title": title, "at": AT, "owner": owner, "tlp": tlp},
        )
        found: int = connection.execute(
            text("SELECT id FROM cases WHERE reference = :ref"), {"ref": reference}
        ).scalar_one()
    return found


def test_the_migration_marks_existing_entries_from_their_records(database_url: str, tmp_path: Path) -> None:
    ctx = _context(database_url, tmp_path)
    try:
        upgrade(ctx.engine, "0010")
        with unit_of_work(ctx.sessions) as session:
            police = create_organisation(session=session, name="C3N", kind="police", country="FR").id
        # The cases table as it stood at 0010 (later revisions add columns the model already has).
        red_id = _raw_case(ctx.engine, "CM-2026-000001", "Ring", police, "RED")
        green_id = _raw_case(ctx.engine, "CM-2026-000002", "Bags", police, "GREEN")
        _raw_entry(ctx.engine, 0, "case", str(red_id), "opened")
        _raw_entry(ctx.engine, 1, "case", str(green_id), "opened")
        _raw_entry(ctx.engine, 2, "case", "999", "a case that is gone")
        _raw_entry(ctx.engine, 3, "blob", "not-a-number", "a kind the migration does not know")
        upgrade(ctx.engine)
        with unit_of_work(ctx.sessions) as session:
            marked = [
                (e.subject_id, e.owner_org_id, e.tlp, e.sharing_group_id)
                for e in session.query(LedgerEntry).order_by(LedgerEntry.seq)
            ]
            assert marked == [
                (str(red_id), police, "RED", None),
                (str(green_id), police, "GREEN", None),
                ("999", None, "RED", None),
                ("not-a-number", None, "RED", None),
            ]
            # The marking is outside the hashed bytes: the old leaves still verify under a new checkpoint.
            signer = Signer.generate("test.countermark/ledger")
            service.sign_checkpoint(session=session, signer=signer)
            assert service.verify_store(session=session, verifier=signer.verifier()).ok
    finally:
        ctx.close()


def test_a_right_s_entries_are_marked_like_the_right_and_follow_its_re_marking(
    store: AppContext, tmp_path: Path
) -> None:
    from countermark.demo.ledger import record_rights
    from countermark.rights.models import Right
    from tests.service.helpers import ingest, make_org, write_jsonl

    owner = make_org(store)
    right = {
        "source": "t", "external_id": "r1", "kind": "trademark", "name": "Mark", "holder_name": "Aurel",
        "registration_number": "EU1", "office": "EUIPO", "jurisdictions": ["EU"],
    }  # fmt: skip
    assert (
        ingest(store, "rights", write_jsonl(tmp_path / "rights.jsonl", [right]), owner, tlp="AMBER").stored
        == 1
    )
    with unit_of_work(store.sessions) as session:
        other = create_organisation(session=session, name="Other", kind="customs", country="FR").id
        record_rights(store, session, lambda done, total: None)
        [entry] = session.query(LedgerEntry).all()
        assert (entry.owner_org_id, entry.tlp) == (owner, "AMBER")
        entry_id = entry.id
    with unit_of_work(store.sessions) as session:
        with pytest.raises(NotFound):
            service.get_entry_or_raise(session=session, principal=_principal(other), entry_id=entry_id)
        [stored] = session.query(Right).all()
        stored.tlp = "GREEN"  # as `PUT /api/v1/markings/rights/{id}` does
    with unit_of_work(store.sessions) as session:
        entry = service.get_entry_or_raise(session=session, principal=_principal(other), entry_id=entry_id)
        assert entry.tlp == "GREEN"
