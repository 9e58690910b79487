"""What listing detection reads of the rights registry: the registered word marks, the genuine products with
their price bands, and the authorised sellers, as one organisation may see them (its own records, those
shared with it, GREEN and CLEAR ones), so that its listings are scored against its own and shared records
and nothing of another organisation's restricted records reaches its scores."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from countermark.orgs.visibility import Principal, visible_clause
from countermark.rights.models import AuthorisedSeller, Product, Right

# A trailing qualifier in a right's name ("Chronark (word)", "Chronark (figurative)") is not part of the mark.
_QUALIFIER = re.compile(r"\s*\(.*\)\s*$")


@dataclass(frozen=True)
class MarkRow:
    """A registered word mark of a brand."""

    brand: str
    mark: str


@dataclass(frozen=True)
class ProductRow:
    """A genuine product as detection compares listings with it."""

    id: int
    key: str  # source:external_id
    brand: str
    name: str
    gtin: str | None
    price_min: float | None
    price_max: float | None
    currency: str | None
    category: str | None


@dataclass(frozen=True)
class AuthorisedRow:
    """A seller a brand authorises on a platform (a web shop: platform "web", its domain as handle)."""

    brand: str
    platform: str
    handle: str


@dataclass(frozen=True)
class RegistryForDetection:
    """Marks, products and authorised sellers visible to one organisation."""

    marks: tuple[MarkRow, ...]
    products: tuple[ProductRow, ...]
    authorised: tuple[AuthorisedRow, ...]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _product_row(p: Product) -> ProductRow:
    return ProductRow(
        id=p.id, key=f"{p.source}:{p.external_id}", brand=p.brand, name=p.name, gtin=p.gtin,
        price_min=_number(p.price_min), price_max=_number(p.price_max), currency=p.currency,
        category=p.category,
    )  # fmt: skip


def word_mark(right_name: str) -> str:
    """The mark a trademark right names: its name without a trailing qualifier."""
    return _QUALIFIER.sub("", right_name).strip()


def registry_for_detection(*, session: Session, principal: Principal, today: date) -> RegistryForDetection:
    """The trademarks filed or registered and in force (no end date, or one not passed) with a brand, every
    product, and the authorisations in force, that the principal may see."""
    rights = session.execute(
        select(Right.brand, Right.name)
        .where(visible_clause(Right, principal), Right.kind == "trademark", Right.brand.is_not(None))
        .where(Right.status.in_(("filed", "registered")))
        .where(or_(Right.valid_until.is_(None), Right.valid_until >= today))
        .order_by(Right.id)
    )
    marks: list[MarkRow] = []
    for brand, name in rights:
        mark = word_mark(name or "")
        row = MarkRow(str(brand), mark)
        if mark and row not in marks:
            marks.append(row)
    products = tuple(
        _product_row(p)
        for p in session.scalars(
            select(Product).where(visible_clause(Product, principal)).order_by(Product.id)
        )
    )
    authorised: list[AuthorisedRow] = []
    for seller in session.scalars(
        select(AuthorisedSeller)
        .where(visible_clause(AuthorisedSeller, principal))
        .where(or_(AuthorisedSeller.valid_until.is_(None), AuthorisedSeller.valid_until >= today))
        .order_by(AuthorisedSeller.id)
    ):
        if seller.platform and seller.handle:
            authorised.append(AuthorisedRow(seller.brand, seller.platform, seller.handle))
        web_shop = (seller.platform or "web").casefold() == "web"
        if seller.domain and web_shop and seller.domain != seller.handle:
            authorised.append(AuthorisedRow(seller.brand, "web", seller.domain))
    return RegistryForDetection(tuple(marks), products, tuple(authorised))
