"""What the linker reads of the registry: who each brand authorises (an authorised reseller's accounts
are never taken for a counterfeiter's), and the brands of the store's products (the marks lookalike
domains and shop names are read against), as the organisation linking may see them. Composed by
`link.store_reads`."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.orgs.visibility import Principal, visible, visible_clause
from countermark.rights.models import AuthorisedSeller, Product


def authorised_for_linking(*, session: Session, principal: Principal) -> dict[tuple[str, str], set[str]]:
    """(platform or 'web', handle or domain, lower-cased) -> the brands that authorise it, of the lists the
    principal may see."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in session.scalars(visible(AuthorisedSeller, principal)):
        if row.platform and row.handle:
            found[(row.platform.lower(), row.handle.lower())].add(row.brand)
        if row.domain:
            found[("web", row.domain.lower().removeprefix("www."))].add(row.brand)
    return found


def product_brands(*, session: Session, principal: Principal) -> list[str]:
    """The brands of the products the principal may see, sorted (another organisation's restricted
    product never names a mark in its networks)."""
    query = select(Product.brand).where(visible_clause(Product, principal)).distinct()
    return sorted({b for b in session.scalars(query) if b})
