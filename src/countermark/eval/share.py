"""The two-instance sharing scenario and its figures: objects exchanged, validator errors, leaks.

Two Countermark stores stand for two countries' customs. Each holds seller accounts marked at every TLP
level, some in the sharing group of their agreement, with identifiers that overlap across the border
(one network operates in both countries). Each serves TAXII on a loopback port; each pulls the other.
The figures come from what arrived: every object received is checked against the sender's marking of
the record it came from (the leaving rule), and every collection is exported and validated.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.observe.models import Account
from countermark.orgs.models import SharingGroup, SharingGroupMember
from countermark.orgs.service import create_organisation
from countermark.share.collections_service import create_collection, grant, publish
from countermark.share.models import ShareCollection, SharePartner, StixObject
from countermark.share.objects_service import Filters, page_of
from countermark.share.partners_service import partner_principal, register_partner
from countermark.share.validation import full_errors

# The marking of the i-th account: (TLP, in the agreement's sharing group).
MARKING_CYCLE: tuple[tuple[str, bool], ...] = (
    ("GREEN", True),
    ("AMBER", True),
    ("AMBER", False),
    ("AMBER+STRICT", True),
    ("RED", True),
    ("CLEAR", True),
)
MAY_LEAVE = {("GREEN", True), ("AMBER", True), ("CLEAR", True)}


@dataclass
class Instance:
    """One seeded instance: its store, its organisation, the agreement's group and collection, its partner."""

    name: str
    ctx: AppContext
    org_id: int
    group_id: int
    collection_id: int
    collection_uuid: str
    partner_id: int
    token_for_peer: str


def open_store(directory: Path) -> AppContext:
    """A migrated SQLite store in a directory of its own."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=directory, database_url=f"sqlite:///{directory / 'countermark.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(directory / "blobs"))
    upgrade(ctx.engine)
    return ctx


def account_rows(
    prefix: str, count: int, shared_phones: list[str], shared_wallets: list[str]
) -> list[dict[str, Any]]:
    """Seller accounts: a network of six sharing phones and wallets (seen across the border), and loners."""
    rows = []
    for i in range(count):
        contacts = [f"{prefix}.seller{i}@mail.example"]
        if i < 6:
            contacts += [shared_phones[i % len(shared_phones)], shared_wallets[i % len(shared_wallets)]]
        else:
            contacts.append(f"+86 138 {1000 + i:04d} {abs(hash(prefix)) % 9000 + 1000:04d}")
        rows.append(
            {
                "external_id": f"{prefix}-A{i}",
                "platform": "shopmarket",
                "handle": f"{prefix}_seller_{i}",
                "display_name": f"{prefix.upper()} seller {i}",
                "contacts": contacts,
                "source": prefix,
            }
        )
    return rows


def seed_instance(
    ctx: AppContext,
    *,
    name: str,
    org_name: str,
    country: str,
    partner_name: str,
    partner_country: str,
    rows: list[dict[str, Any]],
) -> Instance:
    """An organisation, its partner, their agreement (group, collection) and accounts at every level."""
    with unit_of_work(ctx.sessions) as session:
        org = create_organisation(session=session, name=org_name, kind="customs", country=country)
        new = register_partner(
            session,
            name=partner_name,
            kind="customs",
            country=partner_country,
            acting_org_id=org.id,
            api_root_url="http://127.0.0.1:9/taxii2/api/",
        )
        group = SharingGroup(name=f"{org_name}–{partner_name} agreement", owner_org_id=org.id)
        session.add(group)
        session.flush()
        session.add_all(
            [
                SharingGroupMember(group_id=group.id, org_id=org.id),
                SharingGroupMember(group_id=group.id, org_id=new.partner.org_id),
            ]
        )
        ingest_rows(
            session=session,
            blobs=ctx.blobs,
            kind="accounts",
            rows=[RawRow(n, row) for n, row in enumerate(rows, start=1)],
            owner_org_id=org.id,
            actor="eval",
            label=f"{name}-accounts",
            source=name,
        )
        accounts = list(
            session.scalars(select(Account).where(Account.owner_org_id == org.id).order_by(Account.id))
        )
        for i, account in enumerate(accounts):
            tlp, grouped = MARKING_CYCLE[i % len(MARKING_CYCLE)]
            account.tlp, account.sharing_group_id = tlp, group.id if grouped else None
        # The network's six accounts are shared under the agreement, so the partner can see it whole.
        for account in accounts[:6]:
            account.tlp, account.sharing_group_id = "AMBER", group.id
        collection = create_collection(
            session, title=f"{org_name} ↔ {partner_name}", owner_org_id=org.id, sharing_group_id=group.id
        )
        grant(session, collection=collection, org_id=new.partner.org_id, can_read=True, can_write=True)
        session.flush()
        publish(session, collection=collection, origin=name)
        return Instance(
            name, ctx, org.id, group.id, collection.id, collection.uuid, new.partner.id, new.token_for_partner
        )


def connect(a: Instance, url_a: str, b: Instance, url_b: str) -> None:
    """Tell each instance where the other is and the token the other issued it."""
    for here, there, url in ((a, b, url_b), (b, a, url_a)):
        with unit_of_work(here.ctx.sessions) as session:
            partner = session.get(SharePartner, here.partner_id)
            assert partner is not None
            partner.api_root_url, partner.token = f"{url}/taxii2/api/", there.token_for_peer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(directory: Path, *, start_timeout: float = 240.0) -> Iterator[str]:
    """`countermark serve` in a process of its own on the store in this directory; its base URL.

    A separate process per instance, as in production (and `eval` does not build the web app itself).
    """
    port = _free_port()
    env = {
        **os.environ,
        "COUNTERMARK_DATA_DIR": str(directory),
        "COUNTERMARK_DATABASE_URL": f"sqlite:///{directory / 'countermark.db'}",
    }
    log = directory / "serve.log"
    command = [sys.executable, "-m", "countermark.cli.main", "serve", "--port", str(port), "--workers", "1"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=output
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                requests.get(f"{url}/taxii2/", timeout=10)
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the instance did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def leaked(sender: Instance, receiver: Instance) -> list[str]:
    """Objects the receiver got from the sender that the leaving rule should have kept home."""
    with unit_of_work(sender.ctx.sessions) as session:
        partner = session.get(SharePartner, sender.partner_id)
        assert partner is not None
        reader_groups = partner_principal(session, partner).group_ids
        sent: dict[str, list[bool]] = {}
        for row in session.scalars(select(StixObject).where(StixObject.scope == f"c:{sender.collection_id}")):
            allowed = row.tlp in ("GREEN", "CLEAR") or (
                row.tlp == "AMBER" and row.sharing_group_id in reader_groups
            )
            sent.setdefault(row.stix_id, []).append(allowed)
    with unit_of_work(receiver.ctx.sessions) as session:
        received = set(
            session.scalars(select(StixObject.stix_id).where(StixObject.scope == f"p:{receiver.partner_id}"))
        )
    return sorted(i for i in received if i not in sent or not any(sent[i]))


def export_errors(instance: Instance) -> tuple[int, list[str]]:
    """Every version of every object the partner may read from the collection, validated as one bundle."""
    with unit_of_work(instance.ctx.sessions) as session:
        partner = session.get(SharePartner, instance.partner_id)
        collection = session.get(ShareCollection, instance.collection_id)
        assert partner is not None and collection is not None
        page = page_of(
            session,
            f"c:{collection.id}",
            partner_principal(session, partner),
            Filters(versions=("all",), limit=1000),
        )
        objects = [row.body for row in page.rows]
    return len(objects), full_errors(objects)


def evaluate_share(workdir: Path | None = None, accounts: int = 36) -> dict[str, float]:
    """Run the two-instance exchange and measure it."""
    import tempfile

    from countermark.share.sync_service import sync_partner

    with tempfile.TemporaryDirectory(prefix="cm-share-") as tmp:
        base = workdir or Path(tmp)
        phones, wallets = (
            ["+33 6 12 34 56 78", "+86 139 0000 1111"],
            ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"],
        )
        a = seed_instance(
            open_store(base / "fr"),
            name="fr",
            org_name="DGDDI",
            country="FR",
            partner_name="GACC (CN instance)",
            partner_country="CN",
            rows=account_rows("fr", accounts, phones, wallets),
        )
        b = seed_instance(
            open_store(base / "cn"),
            name="cn",
            org_name="GACC",
            country="CN",
            partner_name="DGDDI (FR instance)",
            partner_country="FR",
            rows=account_rows("cn", accounts, phones, wallets),
        )
        try:
            with serving(base / "fr") as url_a, serving(base / "cn") as url_b:
                connect(a, url_a, b, url_b)
                pulled = [s for inst in (a, b) for s in sync_partner(inst.ctx.sessions, inst.partner_id)]
            leaks = leaked(a, b) + leaked(b, a)
            exported = [export_errors(a), export_errors(b)]
        finally:
            a.ctx.close()
            b.ctx.close()
    return {
        "objects_exchanged": float(sum(s.stored for s in pulled)),
        "objects_rejected": float(sum(s.rejected for s in pulled)),
        "objects_exported_validated": float(sum(n for n, _ in exported)),
        "validator_errors": float(sum(len(e) for _, e in exported)),
        "objects_that_should_not_have_left": float(len(leaks)),
    }
