"""The demo's batch steps for fingerprints: genuine banks from the products' reference photos, and the
listing photos hashed and matched (the capability's own jobs, `fingerprint.product_banks` and
`fingerprint.listing_images`, worded as the demo's steps)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.fingerprint import listing_images, product_banks

Progress = Callable[[int, int], None]


def build_genuine_banks(ctx: AppContext, session: Session, progress: Progress) -> str:
    """Enrol every product's reference images in its rights holder's genuine bank (idempotent)."""
    return product_banks.enrol_product_images(ctx=ctx, session=session, progress=progress).summary()


def match_listing_images(ctx: AppContext, session: Session, progress: Progress) -> str:
    """Hash every listing image not hashed yet and match it against the banks."""
    return listing_images.match_listing_images(ctx=ctx, session=session, progress=progress).summary()
