"""Storing and reading rights, recordals, products and authorised sellers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from countermark.core.ingestion import IngestContext, Outcome, RowRejected, store_image, upsert_versioned
from countermark.orgs.visibility import Principal, visible
from countermark.rights.models import AuthorisedSeller, Product, ProductImage, ProductRight, Recordal, Right
from countermark.rights.schemas import AuthorisedSellerIn, ProductIn, RecordalIn, RightIn


def get_right_by_external_id(
    *, session: Session, owner_org_id: int, source: str, external_id: str
) -> Right | None:
    """The organisation's right with this source and external id, if stored (keys are per organisation)."""
    return session.scalar(
        select(Right).where(
            Right.owner_org_id == owner_org_id, Right.source == source, Right.external_id == external_id
        )
    )


def get_product_by_external_id(
    *, session: Session, owner_org_id: int, source: str, external_id: str
) -> Product | None:
    """The organisation's product with this source and external id, if stored (keys are per organisation)."""
    return session.scalar(
        select(Product).where(
            Product.owner_org_id == owner_org_id, Product.source == source, Product.external_id == external_id
        )
    )


def _require_right(ctx: IngestContext, external_id: str) -> Right:
    """The right a row refers to, among the ingesting organisation's own: another's is "not stored"."""
    right = get_right_by_external_id(
        session=ctx.session, owner_org_id=ctx.owner_org_id, source=ctx.source, external_id=external_id
    )
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
        product = get_product_by_external_id(
            session=ctx.session, owner_org_id=ctx.owner_org_id, source=ctx.source, external_id=product_id
        )
        if product is None:
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
    rows = session.execute(select(Right.id, Right.name).where(Right.id.in_(wanted)))
    return {right_id: name for right_id, name in rows}


@dataclass(frozen=True)
class RightSummary:
    """What another capability may show of a right: its kind, name, brand and registration."""

    id: int
    kind: str
    name: str
    brand: str | None
    office: str
    registration_number: str


def _right_summary(right: Right) -> RightSummary:
    return RightSummary(
        right.id, right.kind, right.name, right.brand, right.office, right.registration_number
    )


def right_summaries(*, session: Session, principal: Principal, ids: Iterable[int]) -> dict[int, RightSummary]:
    """The rights among these ids that the principal may see, summarised, by id."""
    rights = visible_rights(session=session, principal=principal, ids=ids)
    return {right_id: _right_summary(right) for right_id, right in rights.items()}


def rights_of_product(*, session: Session, principal: Principal, product_id: int) -> list[RightSummary]:
    """The rights protecting a product (its product–right links) that the principal may see."""
    rows = session.scalars(
        visible(Right, principal)
        .join(ProductRight, ProductRight.right_id == Right.id)
        .where(ProductRight.product_id == product_id)
    )
    return [_right_summary(right) for right in rows]


def rights_with_brand(*, session: Session, principal: Principal, limit: int) -> list[RightSummary]:
    """Up to `limit` rights naming a brand that the principal may see: what a text may mention."""
    rows = session.scalars(visible(Right, principal).where(Right.brand.is_not(None)).limit(limit))
    return [_right_summary(right) for right in rows]


@dataclass(frozen=True)
class ProductSummary:
    """What another capability may know of a product: its names, GTIN, and owner and marking to inherit."""

    id: int
    brand: str
    name: str
    gtin: str | None
    owner_org_id: int
    tlp: str
    sharing_group_id: int | None

    @property
    def full_name(self) -> str:
        """The product's name with its brand, said once (`branded_name`)."""
        return branded_name(self.brand, self.name)


def branded_name(brand: str | None, name: str) -> str:
    """A product's name with its brand in front, unless the name starts with it already ("Stridon Aero
    Knit", not "Stridon Stridon Aero Knit")."""
    if not brand or name.casefold().startswith(brand.casefold()):
        return name.strip()
    return f"{brand} {name}".strip()


def _product_summary(product: Product) -> ProductSummary:
    return ProductSummary(
        product.id,
        product.brand,
        product.name,
        product.gtin,
        product.owner_org_id,
        product.tlp,
        product.sharing_group_id,
    )


def product_summaries(*, session: Session, ids: Iterable[int]) -> dict[int, ProductSummary]:
    """These products, visible or not, by id: a product code or a consumer report names its genuine
    product whoever reads it (verification is public)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {p.id: _product_summary(p) for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}


def product_for_gtin(*, session: Session, gtin: str) -> ProductSummary | None:
    """The genuine product recorded under a GTIN-14 (the first, if several organisations recorded it)."""
    product = session.scalar(
        select(Product)
        .where(Product.gtin.in_((gtin, gtin.lstrip("0"), gtin[1:])))
        .order_by(Product.id)
        .limit(1)
    )
    return _product_summary(product) if product is not None else None


def products_with_gtin(*, session: Session, owner_org_id: int, limit: int) -> list[ProductSummary]:
    """The organisation's own products that carry a GTIN, by name: those it may issue codes for."""
    rows = session.scalars(
        select(Product)
        .where(Product.owner_org_id == owner_org_id, Product.gtin.is_not(None))
        .order_by(Product.name)
        .limit(limit)
    )
    return [_product_summary(product) for product in rows]


@dataclass(frozen=True)
class ReferenceImage:
    """One reference photo of a genuine product, with what its enrolment in a bank needs to know."""

    blob_sha256: str
    product_id: int
    product_name: str
    owner_org_id: int
    tlp: str
    right_id: int | None  # the first right protecting the product, if any


def reference_images(*, session: Session, owner_org_id: int | None = None) -> list[ReferenceImage]:
    """Every product's reference photos (of one owner's products when given), by product and position."""
    query = (
        select(ProductImage.blob_sha256, Product.id, Product.name, Product.owner_org_id, Product.tlp)
        .join(Product, Product.id == ProductImage.product_id)
        .order_by(Product.id, ProductImage.position)
    )
    if owner_org_id is not None:
        query = query.where(Product.owner_org_id == owner_org_id)
    rights: dict[int, int] = {}
    for product_id, right_id in session.execute(
        select(ProductRight.product_id, ProductRight.right_id).order_by(ProductRight.id)
    ):
        rights.setdefault(product_id, right_id)
    return [
        ReferenceImage(digest, product_id, name, owner, tlp, rights.get(product_id))
        for digest, product_id, name, owner, tlp in session.execute(query)
    ]
