"""Products, keys and issued codes for the product-code tests, made through the services."""

from __future__ import annotations

from pathlib import Path

from countermark.codes import service
from countermark.codes.models import CodeBatch
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.visibility import Principal
from countermark.rights.models import Product

RESOLVER = "id.aurel.example"


def add_product(ctx: AppContext, org_id: int, gtin: str = "09506000134352", name: str = "Aurel tote") -> int:
    """A genuine product of the organisation; its id."""
    with unit_of_work(ctx.sessions) as session:
        product = Product(
            source="test",
            external_id=f"{org_id}-{gtin}",
            content_hash="0" * 64,
            brand="AUREL",
            gtin=gtin,
            name=name,
            category="bags",
            owner_org_id=org_id,
            tlp="AMBER",
        )
        session.add(product)
        session.flush()
        return product.id


def issue_codes(ctx: AppContext, org_id: int, product_id: int, quantity: int = 5) -> tuple[int, list[str]]:
    """A signing key (if none) and a fully issued batch; the batch id and the code URIs."""
    keys = ctx.settings.keys_dir
    principal = Principal(org_id=org_id, scopes=frozenset({"read", "write", "admin"}))
    with unit_of_work(ctx.sessions) as session:
        if not [k for k in service.list_signing_keys(session=session, org_id=org_id) if k.status == "active"]:
            service.create_signing_key(session=session, directory=keys, org_id=org_id, actor="test")
        batch = service.create_batch(
            session=session,
            principal=principal,
            product_id=product_id,
            quantity=quantity,
            resolver=RESOLVER,
            actor="test",
        )
        service.issue_batch(session=session, directory=keys, batch=batch)
        return batch.id, [uri for _, uri in service.batch_codes(session=session, batch=batch)]


def batch_of(ctx: AppContext, batch_id: int) -> CodeBatch:
    """A batch as stored."""
    with unit_of_work(ctx.sessions) as session:
        batch = session.get(CodeBatch, batch_id)
        assert batch is not None
        return batch


def key_files(ctx: AppContext) -> list[Path]:
    """The private key files written under the data directory."""
    return sorted(ctx.settings.keys_dir.rglob("*.key"))
