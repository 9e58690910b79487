"""Two Countermark instances, each served by its own process on its own SQLite store, sharing over TAXII."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from taxii2client.v21 import Collection

from countermark.core.db import unit_of_work
from countermark.eval.share import (
    MARKING_CYCLE,
    MAY_LEAVE,
    Instance,
    account_rows,
    connect,
    leaked,
    open_store,
    seed_instance,
    serving,
)
from countermark.observe.models import Account
from countermark.share.collections_service import publish
from countermark.share.models import ShareCollection, StixObject
from countermark.share.stix_mapping import LocalRecord, account_objects
from countermark.share.sync_service import discover, pull, received_objects
from countermark.share.taxii_client import HeaderKeepingConnection

PHONES, WALLETS = ["+33 6 12 34 56 78"], ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"]


def _seed(tmp_path: Path, name: str, org: str, country: str, partner: str, partner_country: str) -> Instance:
    return seed_instance(
        open_store(tmp_path / name),
        name=name,
        org_name=org,
        country=country,
        partner_name=partner,
        partner_country=partner_country,
        rows=account_rows(name, 24, PHONES, WALLETS),
    )


def _user_account_ids(instance: Instance, kept_home: bool) -> set[str]:
    """The STIX ids of the instance's accounts that must stay home (or may leave)."""
    with unit_of_work(instance.ctx.sessions) as session:
        rows = session.scalars(
            select(Account).where(Account.owner_org_id == instance.org_id).order_by(Account.id)
        )
        ids = set()
        for account in rows:
            grouped = account.sharing_group_id is not None
            stays = (account.tlp, grouped) not in MAY_LEAVE
            if stays == kept_home:
                record = LocalRecord(
                    "accounts",
                    account.id,
                    {
                        "handle": account.handle,
                        "platform": account.platform,
                        "display_name": account.display_name,
                    },
                    account.owner_org_id,
                    account.tlp,
                    account.sharing_group_id,
                )
                ids.add(account_objects(instance.name, record, "identity--x")[0]["id"])
        return ids


def test_two_instances_sync_both_ways_follow_revocations_and_keep_the_leaving_rule(tmp_path: Path) -> None:
    fr = _seed(tmp_path, "fr", "DGDDI", "FR", "GACC (CN instance)", "CN")
    cn = _seed(tmp_path, "cn", "GACC", "CN", "DGDDI (FR instance)", "FR")
    assert {tlp for tlp, _ in MARKING_CYCLE} == {"RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR"}
    with serving(tmp_path / "fr") as url_fr, serving(tmp_path / "cn") as url_cn:
        connect(fr, url_fr, cn, url_cn)
        for here in (fr, cn):
            for sub in discover(here.ctx.sessions, here.partner_id):
                first = pull(here.ctx.sessions, sub.id, page_size=50)
                again = pull(here.ctx.sessions, sub.id, page_size=50)
                assert first.status == "ok" and first.stored > 50 and first.rejected == 0, first
                assert again.received == 0  # the place was kept: nothing is read twice

        # Everything each partner received, listed: nothing that had to stay home, everything that could go.
        for sender, receiver in ((fr, cn), (cn, fr)):
            assert leaked(sender, receiver) == []
            with unit_of_work(receiver.ctx.sessions) as session:
                got = {row.stix_id for row in received_objects(session, receiver.partner_id)}
                origins = {row.partner_id for row in received_objects(session, receiver.partner_id)}
            assert not got & _user_account_ids(sender, kept_home=True)
            assert _user_account_ids(sender, kept_home=False) <= got
            assert origins == {receiver.partner_id}

        # A record that becomes RED is revoked at the source, and the partner's copy follows.
        with unit_of_work(fr.ctx.sessions) as session:
            account = session.scalars(
                select(Account)
                .where(Account.owner_org_id == fr.org_id, Account.tlp == "GREEN")
                .order_by(Account.id)
            ).first()
            assert account is not None
            account.tlp = "RED"
            session.flush()
            collection = session.get(ShareCollection, fr.collection_id)
            assert collection is not None
            counts = publish(session, collection=collection, origin="fr")
            assert counts.stored >= 1
            revoked = session.scalars(
                select(StixObject.stix_id).where(
                    StixObject.scope == f"c:{fr.collection_id}", StixObject.revoked.is_(True)
                )
            ).all()
        assert revoked
        sub_id = discover(cn.ctx.sessions, cn.partner_id)[0].id
        assert pull(cn.ctx.sessions, sub_id).stored >= len(revoked)
        with unit_of_work(cn.ctx.sessions) as session:
            newest = {row.stix_id: row for row in received_objects(session, cn.partner_id)}
        assert all(newest[stix_id].revoked for stix_id in revoked)

        # Out of order: the relationship arrives before the network it points at, waits, then resolves.
        conn = HeaderKeepingConnection(cn.token_for_peer)  # the token CN issued to FR
        target = Collection(f"{url_cn}/taxii2/api/collections/{cn.collection_uuid}/", conn=conn)
        network = {
            "type": "intrusion-set",
            "spec_version": "2.1",
            "id": "intrusion-set--0b7b6e5c-3f4a-4c3e-9d7a-1c2b3a4d5e6f",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Pushed network",
            "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
        }
        relation = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--5a8f6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "relationship_type": "related-to",
            "source_ref": network["id"],
            "target_ref": "email-addr--1b4e2c3d-5f6a-5b7c-8d9e-0f1a2b3c4d5e",
            "object_marking_refs": network["object_marking_refs"],
        }
        email = {
            "type": "email-addr",
            "spec_version": "2.1",
            "id": relation["target_ref"],
            "value": "late@mail.example",
        }
        status = target.add_objects({"objects": [relation]}, wait_for_completion=False)
        assert (status.status, status.pending_count) == ("pending", 1)
        assert (
            target.add_objects(
                {"objects": [network, email, {"type": "nonsense"}]}, wait_for_completion=False
            ).failure_count
            == 1
        )
        status.refresh()
        assert (status.status, status.success_count, status.pending_count) == ("complete", 1, 0)
        readable = target.get_object(relation["id"])
        assert readable["objects"][0]["id"] == relation["id"]
    fr.ctx.close()
    cn.ctx.close()
