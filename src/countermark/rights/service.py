"""Storing and reading rights, recordals, products and authorised sellers."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from countermark.core.ingestion import IngestContext, Outcome, RowRejected, store_image, upsert_versioned
from countermark.orgs.visibility import Principal, visible
from countermark.rights.models import AuthorisedSeller, Product, ProductImage, ProductRight, Recordal, Right
from countermark.rights.schemas import AuthorisedSellerIn, ProductIn, RecordalIn, RightIn


def get_right_by_external_id(*, session: Session, source: str, external_id: str) -> Right | None:
    """The right with this source and external id, if stored."""
    return session.scalar(select(Right).where(Right.source == source, Right.external_id == external_id))


def get_product_by_external_id(*, session: Session, source: str, external_id: str) -> Product | None:
    """The product with this source and external id, if stored."""
    return session.scalar(select(Product).where(Product.source == source, Product.external_id == external_id))


def _require_right(ctx: IngestContext, external_id: str) -> Right:
    right = get_right_by_external_id(session=ctx.session, source=ctx.source, external_id=external_id)
    if right is None:
        raise RowRejected(f"right {external_id!r} is not stored under source {ctx.source!r}; ingest it first")
    return right


def ingest_right(ctx: IngestContext, record: RightIn) -> Outcome:
    """Insert or update one right."""
    _, outcome = upsert_versioned(
        ctx,
        Right,
        record,
        label="right",
        fields=(
            "kind",
            "name",
            "brand",
            "holder_name",
            "registration_number",
            "office",
            "jurisdictions",
            "nice_classes",
            "filed_on",
            "valid_from",
            "valid_until",
            "status",
        ),
    )
    return outcome


def ingest_recordal(ctx: IngestContext, record: RecordalIn) -> Outcome:
    """Insert or update one recordal (application for action)."""
    right = _require_right(ctx, record.right)
    for product_id in record.products_covered:
        if get_product_by_external_id(session=ctx.session, source=ctx.source, external_id=product_id) is None:
            raise RowRejected(
                f"product {product_id!r} covered by the recordal is not stored; ingest it first"
            )
    _, outcome = upsert_versioned(
        ctx,
        Recordal,
        record,
        label="recordal",
        fields=(
            "jurisdiction",
            "authority",
            "application_number",
            "valid_from",
            "valid_until",
            "products_covered",
            "contacts",
            "small_consignments",
            "identification_guide",
        ),
        values={"right_id": right.id},
    )
    return outcome


def ingest_product(ctx: IngestContext, record: ProductIn) -> Outcome:
    """Insert or update one product with its rights and reference images."""
    rights = {right.id: right for right in (_require_right(ctx, r) for r in record.rights)}
    image_digests = list(dict.fromkeys(store_image(ctx, path) for path in record.images))
    product, outcome = upsert_versioned(
        ctx,
        Product,
        record,
        label="product",
        fields=(
            "brand",
            "gtin",
            "name",
            "category",
            "hs_code",
            "price_min",
            "price_max",
            "currency",
            "description",
        ),
        derived={"images": image_digests},
    )
    if outcome == "unchanged" or product is None:
        return outcome
    ctx.session.execute(delete(ProductRight).where(ProductRight.product_id == product.id))
    ctx.session.execute(delete(ProductImage).where(ProductImage.product_id == product.id))
    ctx.session.add_all(ProductRight(product_id=product.id, right_id=right_id) for right_id in rights)
    ctx.session.add_all(
        ProductImage(product_id=product.id, blob_sha256=sha, position=position)
        for position, sha in enumerate(image_digests)
    )
    ctx.session.flush()
    return outcome


def ingest_authorised_seller(ctx: IngestContext, record: AuthorisedSellerIn) -> Outcome:
    """Insert or update one authorised seller."""
    _, outcome = upsert_versioned(
        ctx,
        AuthorisedSeller,
        record,
        label="authorised seller",
        fields=("brand", "name", "platform", "handle", "domain", "countries", "valid_until"),
    )
    return outcome


def blob_is_visible(*, session: Session, principal: Principal, digest: str) -> bool:
    """Whether a blob is a reference image of a product the principal may see."""
    return bool(
        session.scalar(
            select(
                exists(
                    visible(Product, principal)
                    .join(ProductImage, ProductImage.product_id == Product.id)
                    .where(ProductImage.blob_sha256 == digest)
                )
            )
        )
    )


# Read surface for other capabilities: they never query the rights tables themselves.


def visible_rights(*, session: Session, principal: Principal, ids: Iterable[int]) -> dict[int, Right]:
    """The rights among these ids that the principal may see, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(visible(Right, principal).where(Right.id.in_(wanted)))}


def visible_products(*, session: Session, principal: Principal, ids: Iterable[int]) -> dict[int, Product]:
    """The products among these ids that the principal may see, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {p.id: p for p in session.scalars(visible(Product, principal).where(Product.id.in_(wanted)))}


def right_names(*, session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The names of these rights, visible or not: a match against a bank may name the right it protects
    without showing the record."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(session.execute(select(Right.id, Right.name).where(Right.id.in_(wanted))).tuples())
