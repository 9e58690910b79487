"""REST routes of rights, recordals, products and authorised sellers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.orgs.resources import ResourceSpec, resource_router
from countermark.orgs.visibility import Principal, visible
from countermark.rights.models import AuthorisedSeller, Product, ProductImage, ProductRight, Recordal, Right
from countermark.rights.schemas import AuthorisedSellerOut, ProductOut, RecordalOut, RightOut


def _product_detail(session: Session, product: Product, principal: Principal) -> dict[str, Any]:
    images = session.scalars(
        select(ProductImage.blob_sha256)
        .where(ProductImage.product_id == product.id)
        .order_by(ProductImage.position)
    ).all()
    right_ids = session.scalars(
        visible(Right, principal)
        .join(ProductRight, ProductRight.right_id == Right.id)
        .where(ProductRight.product_id == product.id)
    ).all()
    return {
        "images": list(images),
        "rights": [RightOut.model_validate(r).model_dump(mode="json") for r in right_ids],
    }


def _right_detail(session: Session, right: Right, principal: Principal) -> dict[str, Any]:
    recordals = session.scalars(visible(Recordal, principal).where(Recordal.right_id == right.id)).all()
    return {"recordals": [RecordalOut.model_validate(r).model_dump(mode="json") for r in recordals]}


RIGHTS = ResourceSpec(
    "rights",
    Right,
    RightOut,
    filters={
        "kind": "kind",
        "office": "office",
        "brand": "brand",
        "status": "status",
        "registration_number": "registration_number",
        "source": "source",
        "external_id": "external_id",
    },
    text_fields=("name", "holder_name", "registration_number"),
    sort_fields=("id", "name", "created_at"),
    detail=_right_detail,
)
RECORDALS = ResourceSpec(
    "recordals",
    Recordal,
    RecordalOut,
    filters={"jurisdiction": "jurisdiction", "right_id": "right_id", "source": "source"},
    text_fields=("authority", "application_number"),
    sort_fields=("id", "valid_until", "created_at"),
)
PRODUCTS = ResourceSpec(
    "products",
    Product,
    ProductOut,
    filters={
        "brand": "brand",
        "gtin": "gtin",
        "category": "category",
        "hs_code": "hs_code",
        "source": "source",
    },
    text_fields=("name", "brand", "description"),
    sort_fields=("id", "name", "brand", "created_at"),
    detail=_product_detail,
)
AUTHORISED_SELLERS = ResourceSpec(
    "authorised_sellers",
    AuthorisedSeller,
    AuthorisedSellerOut,
    filters={"brand": "brand", "platform": "platform", "domain": "domain"},
    text_fields=("name", "handle", "domain"),
    sort_fields=("id", "name"),
)

router = resource_router("/api/v1", "rights and products", (RIGHTS, RECORDALS, PRODUCTS, AUTHORISED_SELLERS))
