"""A small store for page and browser tests, filled through the same services as real data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from countermark.cases.service import open_case
from countermark.codes.models import ConsumerReport
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.auth_service import set_password
from countermark.orgs.models import Organisation, SharingGroup, SharingGroupMember
from countermark.orgs.service import create_organisation, create_user
from countermark.share.models import AssistanceRequest
from countermark.targeting.models import InspectionResult, Shipment

PASSWORD = "correct horse battery"
SNAPSHOT_HTML = (
    "<!doctype html><html><body><h1>AUREL tote bag — 90% off</h1>"
    "<p>WhatsApp +86 138 0013 8000</p><script>document.title='ran'</script></body></html>"
)


@dataclass(frozen=True)
class Seeded:
    """Who is in the seeded store: e-mails of the users and ids of some records."""

    brand_admin: str = "admin@aurel.example"
    brand_viewer: str = "viewer@aurel.example"
    customs_analyst: str = "analyst@douane.example"
    outsider: str = "someone@other.example"
    password: str = PASSWORD


def _image(path: Path, colour: tuple[int, int, int], label: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (160, 160), (248, 248, 248))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((20, 30, 140, 140), radius=12, fill=colour)
    draw.rectangle((60, 14, 100, 34), outline=colour, width=6)
    draw.text((30, 80), label, fill=(255, 255, 255))
    image.save(path, format="PNG")
    return path.name


def prepare_schema(ctx: AppContext) -> None:
    """Migrate the store."""
    upgrade(ctx.engine)


def seed_store(ctx: AppContext, work_dir: Path) -> Seeded:
    """Organisations, users, rights, products with photos, accounts, listings with snapshots, shipments."""
    prepare_schema(ctx)
    seeded = Seeded()
    files = work_dir / "seed-files"
    files.mkdir(parents=True, exist_ok=True)
    images = [_image(files / f"tote-{i}.png", colour, f"AUREL {i}")
              for i, colour in enumerate([(140, 60, 30), (30, 60, 140), (40, 120, 60)], start=1)]
    (files / "snapshot.html").write_text(SNAPSHOT_HTML, encoding="utf-8")
    start = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    with unit_of_work(ctx.sessions) as session:
        aurel = create_organisation(session=session, name="Maison Aurel", kind="rights_holder", country="FR")
        douane = create_organisation(session=session, name="Douane Roissy", kind="customs", country="FR")
        other = create_organisation(session=session, name="Other Brand", kind="rights_holder", country="IT")
        for org, email, name, role in (
            (aurel, seeded.brand_admin, "Claire Martin", "admin"),
            (aurel, seeded.brand_viewer, "Paul Viewer", "viewer"),
            (douane, seeded.customs_analyst, "Li Wei", "analyst"),
            (other, seeded.outsider, "Marco Rossi", "admin"),
        ):
            user = create_user(session=session, org_id=org.id, email=email, display_name=name, role=role)
            set_password(session=session, user=user, password=seeded.password)
        group = SharingGroup(name="Aurel enforcement", owner_org_id=aurel.id)
        session.add(group)
        session.flush()
        session.add_all([SharingGroupMember(group_id=group.id, org_id=aurel.id),
                         SharingGroupMember(group_id=group.id, org_id=douane.id)])
        session.flush()

        def load(kind: str, rows: list[dict[str, Any]], org_id: int, tlp: str = "AMBER") -> None:
            report = ingest_rows(session=session, blobs=ctx.blobs, kind=kind, owner_org_id=org_id,
                                 rows=[RawRow(line=n, data=row) for n, row in enumerate(rows, start=1)],
                                 actor="seed", label=f"seed:{kind}", tlp=tlp, source="seed", base_dir=files)
            assert report.rejected == 0, report.rejects

        load("rights", [
            {"external_id": "R-1", "kind": "trademark", "name": "AUREL", "brand": "Aurel",
             "holder_name": "Maison Aurel SA", "registration_number": "018000001", "office": "EUIPO",
             "jurisdictions": ["EU"], "nice_classes": [18, 25], "valid_from": "2020-01-01",
             "valid_until": "2030-01-01"},
            {"external_id": "R-2", "kind": "trademark", "name": "AUREL 奥雷尔", "brand": "Aurel",
             "holder_name": "Maison Aurel SA", "registration_number": "45000123", "office": "CNIPA",
             "jurisdictions": ["CN"], "nice_classes": [18], "valid_from": "2019-05-01"},
        ], aurel.id)
        load("products", [
            {"external_id": "P-1", "brand": "Aurel", "gtin": "4006381333931", "name": "Aurel tote bag",
             "category": "handbags", "hs_code": "420221", "price_min": "300", "price_max": "450",
             "currency": "EUR", "rights": ["R-1"], "images": images[:2]},
        ], aurel.id)
        load("recordals", [
            {"external_id": "AFA-1", "right": "R-1", "jurisdiction": "FR", "authority": "DGDDI",
             "application_number": "FR-AFA-2024-0042", "valid_from": "2024-01-01",
             "valid_until": "2026-12-31",
             "products_covered": ["P-1"], "contacts": ["brand-protection@aurel.example"],
             "small_consignments": True, "identification_guide": "Genuine totes carry a stitched serial."},
        ], aurel.id)
        load("accounts", [
            {"external_id": "A-1", "platform": "shopmarket", "handle": "luxe_outlet_88",
             "display_name": "Luxe Outlet", "country": "CN",
             "bio": "Best replica bags. WhatsApp +86 138 0013 8000, mail luxe.outlet88@example.com",
             "contacts": ["luxe.outlet88@example.com"]},
        ], aurel.id)
        listings = [
            {"external_id": f"L-{i}", "platform": "shopmarket" if i % 2 else "socialgram",
             "url": f"https://shopmarket.example/item/{1000 + i}", "title": f"AUREL tote bag replica {i}",
             "description": "Top quality 1:1. Contact luxe.outlet88@example.com", "language": "en",
             "price": "39.90", "currency": "EUR", "seller": "luxe_outlet_88", "ships_from": "CN",
             "observed_at": (start + timedelta(days=i * 2)).isoformat(), "images": images[i % 3:i % 3 + 1],
             "snapshot": "snapshot.html"}
            for i in range(1, 9)
        ]
        listings.append({"external_id": "L-FR", "platform": "leboncoin", "url": "https://leboncoin.example/1",
                         "title": "Sac cabas Aurel neuf — prix cassé", "language": "fr", "price": "55",
                         "currency": "EUR", "ships_from": "FR", "observed_at": start.isoformat()})
        load("listings", listings, aurel.id)
        load("listings", [
            {"external_id": "L-GREEN", "platform": "darkmarket", "url": "http://darkmarket.example/aurel",
             "title": "Community listing AUREL lot of 50",
             "observed_at": (start + timedelta(days=3)).isoformat()},
        ], douane.id, tlp="GREEN")
        load("listings", [
            {"external_id": "L-RED", "platform": "shopmarket", "url": "https://shopmarket.example/secret",
             "title": "SECRET-LISTING of Other Brand", "observed_at": start.isoformat()},
        ], other.id, tlp="RED")
        load("shipments", [
            {"external_id": f"S-{i}", "kind": "consignment", "declared_on": f"2025-03-{10 + i:02d}",
             "office": "FRRSY", "transport_mode": "post" if i % 2 else "express",
             "consignor_name": "Guangzhou Trading Co", "consignor_country": "CN",
             "consignor_contact": "+86 138 0013 8000", "consignee_name": f"Jean Dupont {i}",
             "consignee_country": "FR", "hs_code": "420222", "origin_country": "CN", "quantity": 3,
             "gross_mass_kg": "1.2", "declared_value": "18.50", "currency": "EUR",
             "description": "handbags (gift)", "attributes": {"import_type": "H7"}}
            for i in range(1, 5)
        ], douane.id)
    return seeded


def seed_work_waiting(ctx: AppContext) -> None:
    """An overdue case between the customs office and the brand, a new consumer report for the brand, a red
    lane inspection and a partner's request for assistance to the customs office."""
    with unit_of_work(ctx.sessions) as session:
        orgs = {o.kind: o.id for o in session.scalars(select(Organisation).order_by(Organisation.id.desc()))}
        case = open_case(session=session, owner_org_id=orgs["customs"], procedure="eu_standard",
                         title="AUREL totes detained", at=utcnow() - timedelta(days=30), actor="seed",
                         tlp="GREEN", rights_holder_org_id=orgs["rights_holder"])
        case.due_at = utcnow() - timedelta(days=2)
        session.add(ConsumerReport(bought_at_kind="online", shop="Totes4less", status="new", tlp="AMBER",
                                   owner_org_id=orgs["rights_holder"],
                                   created_at=utcnow() - timedelta(days=1)))
        session.add(AssistanceRequest(uuid="5f0c1d9e-8a47-4b61-9a3e-2c7d4e1f0a11", direction="incoming",
                                      org_id=orgs["customs"], subject="Consignor of the AUREL totes",
                                      asked="Who ships these totes?", legal_basis="Reg. 515/97",
                                      status="received", created_at=utcnow() - timedelta(days=1)))
        shipment = session.scalar(select(Shipment).where(Shipment.owner_org_id == orgs["customs"]).limit(1))
        assert shipment is not None, "the seed has no shipment of the customs office"
        session.add(InspectionResult(shipment_id=shipment.id, inspected_on=shipment.declared_on, lane="red",
                                     found=True, source="seed", external_id="a11y-1", content_hash="0" * 64,
                                     owner_org_id=orgs["customs"], tlp="AMBER"))
