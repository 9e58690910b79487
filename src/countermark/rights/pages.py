"""List and detail pages of rights, recordals and products."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from countermark.core.http.deps import DbSession
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.orgs.deps import PageViewer
from countermark.orgs.resources import choices, get_visible_or_404, list_page
from countermark.orgs.visibility import visible
from countermark.rights.api import PRODUCTS, RECORDALS, RIGHTS
from countermark.rights.models import Product, ProductImage, ProductRight, Recordal, Right

router = APIRouter(include_in_schema=False)

def _page(request: Request, template: str, viewer: PageViewer, active: str, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": active, **values})


@router.get("/rights")
def rights_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Rights the viewer may see, filtered by kind, office and status."""
    page = list_page(request, session, RIGHTS, viewer.principal)
    options = {name: choices(session, Right, name, viewer.principal) for name in ("kind", "office", "status")}
    return _page(request, "rights.html", viewer, "rights", page=page, options=options)


@router.get("/rights/{record_id}")
def right_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One right with its recordals and the products it protects."""
    right = get_visible_or_404(session, RIGHTS, viewer.principal, record_id)
    recordals = session.scalars(
        visible(Recordal, viewer.principal).where(Recordal.right_id == right.id)
        .order_by(Recordal.valid_until)
    ).all()
    products = session.scalars(
        visible(Product, viewer.principal).join(ProductRight, ProductRight.product_id == Product.id)
        .where(ProductRight.right_id == right.id).order_by(Product.name)
    ).all()
    return _page(request, "right.html", viewer, "rights", right=right, recordals=recordals, products=products)


@router.get("/recordals")
def recordals_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Customs applications for action the viewer may see."""
    page = list_page(request, session, RECORDALS, viewer.principal)
    right_ids = {row.right_id for row in page.rows}
    rights = {r.id: r for r in
              session.scalars(visible(Right, viewer.principal).where(Right.id.in_(right_ids)))}
    options = {"jurisdiction": choices(session, Recordal, "jurisdiction", viewer.principal)}
    return _page(request, "recordals.html", viewer, "recordals", page=page, rights=rights, options=options)


@router.get("/recordals/{record_id}")
def recordal_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One recordal with its right and the products it covers."""
    recordal = get_visible_or_404(session, RECORDALS, viewer.principal, record_id)
    right = session.scalar(visible(Right, viewer.principal).where(Right.id == recordal.right_id))
    covered = recordal.products_covered or []
    products = session.scalars(
        visible(Product, viewer.principal)
        .where(
            Product.owner_org_id == recordal.owner_org_id,  # keys are unique per organisation
            Product.source == recordal.source,
            Product.external_id.in_([str(c) for c in covered]),
        )
        .order_by(Product.name)
    ).all() if covered else []
    return _page(request, "recordal.html", viewer, "recordals", recordal=recordal, right=right,
                 products=products)


@router.get("/products")
def products_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Genuine products the viewer may see, with their first reference image."""
    page = list_page(request, session, PRODUCTS, viewer.principal)
    thumbnails: dict[int, str] = {}
    ids = [row.id for row in page.rows]
    for product_id, sha in session.execute(
        select(ProductImage.product_id, ProductImage.blob_sha256).where(ProductImage.product_id.in_(ids))
        .order_by(ProductImage.product_id, ProductImage.position)
    ):
        thumbnails.setdefault(product_id, sha)
    options = {name: choices(session, Product, name, viewer.principal) for name in ("brand", "category")}
    return _page(request, "products.html", viewer, "products", page=page, thumbnails=thumbnails,
                 options=options)


@router.get("/products/{record_id}")
def product_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One genuine product with its reference images and the rights that protect it."""
    product = get_visible_or_404(session, PRODUCTS, viewer.principal, record_id)
    images = session.scalars(
        select(ProductImage.blob_sha256).where(ProductImage.product_id == product.id)
        .order_by(ProductImage.position)
    ).all()
    rights = session.scalars(
        visible(Right, viewer.principal).join(ProductRight, ProductRight.right_id == Right.id)
        .where(ProductRight.product_id == product.id).order_by(Right.name)
    ).all()
    return _page(request, "product.html", viewer, "products", product=product, images=images, rights=rights)
