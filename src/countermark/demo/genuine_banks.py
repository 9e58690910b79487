"""Batch work: genuine banks from products' reference images, and listing images hashed and matched."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.fingerprint import pdq
from countermark.fingerprint.colour import colour_signature
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.lookup_service import match_image_signals
from countermark.fingerprint.matcher import query_signals
from countermark.fingerprint.matcher_service import live_matcher
from countermark.fingerprint.models import FingerprintEntry, ImageHash, ListingImageMatch
from countermark.fingerprint.service import add_image, create_bank, get_bank_by_name
from countermark.observe.models import ListingImage
from countermark.rights.models import Product, ProductImage, ProductRight

GENUINE_BANK = "genuine reference images"
Progress = Callable[[int, int], None]


def build_genuine_banks(ctx: AppContext, session: Session, progress: Progress) -> str:
    """Enrol every product's reference images in its rights holder's genuine bank (idempotent)."""
    rows = list(
        session.execute(
            select(ProductImage.blob_sha256, Product.id, Product.owner_org_id, Product.tlp, Product.name)
            .join(Product, Product.id == ProductImage.product_id)
            .order_by(Product.id, ProductImage.position)
        )
    )
    rights: dict[int, int] = {}
    for product_id, right_id in session.execute(select(ProductRight.product_id, ProductRight.right_id)):
        rights.setdefault(product_id, right_id)
    enrolled: set[tuple[int, str | None]] = {
        (bank_id, digest)
        for bank_id, digest in session.execute(
            select(FingerprintEntry.bank_id, FingerprintEntry.blob_sha256).where(
                FingerprintEntry.signal_type == "pdq"
            )
        )
    }
    added = skipped = 0
    problems: list[str] = []
    for done, (digest, product_id, owner, tlp, name) in enumerate(rows, start=1):
        bank = get_bank_by_name(session=session, owner_org_id=owner, name=GENUINE_BANK) or create_bank(
            session=session, owner_org_id=owner, name=GENUINE_BANK, purpose="genuine", tlp=tlp,
            match_scope="everyone", description="Reference photographs of the holder's genuine products.",
        )  # fmt: skip
        if (bank.id, digest) in enrolled:
            skipped += 1
        else:
            try:
                data = ctx.blobs.get(digest)
                entry = add_image(ctx=ctx, session=session, bank=bank, data=data, product_id=product_id,
                                  right_id=rights.get(product_id), label=name)  # fmt: skip
                enrolled.add((bank.id, digest))
                # A picture whose PDQ hash is already in the bank (another file of the same image) is not
                # stored again: count it as already in, so a second run reports nothing new.
                if entry.blob_sha256 == digest:
                    added += 1
                else:
                    skipped += 1
            except CountermarkError as exc:
                problems.append(f"{digest[:12]}: {exc.message}")
        progress(done, len(rows))
    live_matcher(ctx, session).save()
    note = f"; {len(problems)} not enrolled (first: {problems[0]})" if problems else ""
    return f"genuine banks: {added} reference images enrolled, {skipped} already in{note}"


def _add_colours(ctx: AppContext, session: Session) -> int:
    """Give the images hashed before colour signatures were kept (migration 0031) theirs, 500 rows at a
    time; an image whose blob is gone or unreadable keeps its hash alone."""
    missing = select(ImageHash.blob_sha256).where(ImageHash.pdq.is_not(None), ImageHash.colour.is_(None))
    digests = list(session.scalars(missing.order_by(ImageHash.blob_sha256)))
    added = 0
    for start in range(0, len(digests), 500):
        batch = select(ImageHash).where(ImageHash.blob_sha256.in_(digests[start : start + 500]))
        for row in session.scalars(batch):
            try:
                row.colour = colour_signature(open_image(ctx.blobs.get(row.blob_sha256)))
            except CountermarkError:
                continue
            added += 1
        session.flush()
    return added


def match_listing_images(ctx: AppContext, session: Session, progress: Progress) -> str:
    """Hash every listing image not hashed yet, match it against the banks and store the matches; give
    images hashed before colour signatures were kept theirs."""
    recoloured = _add_colours(ctx, session)
    hashed = select(ImageHash.blob_sha256)
    pending: dict[str, list[int]] = defaultdict(list)
    for digest, listing_id in session.execute(
        select(ListingImage.blob_sha256, ListingImage.listing_id).where(
            ListingImage.blob_sha256.not_in(hashed)
        )
    ):
        pending[digest].append(listing_id)
    matched_images = stored = failed = 0
    for done, (digest, listing_ids) in enumerate(sorted(pending.items()), start=1):
        try:
            img = open_image(ctx.blobs.get(digest))
        except CountermarkError as exc:
            session.add(ImageHash(blob_sha256=digest, error=exc.message[:500]))
            failed += 1
            progress(done, len(pending))
            continue
        signals = query_signals(img)
        whole = signals.dihedral[0]
        inner = signals.inner.hex if signals.inner is not None else None
        session.add(
            ImageHash(
                blob_sha256=digest, pdq=whole.hex, quality=whole.quality, pdq_inner=inner,
                colour=colour_signature(img),
            )
        )  # fmt: skip
        results = match_image_signals(ctx=ctx, session=session, query=signals)
        matched_images += bool(results)
        for match, entry, _bank in results:
            for listing_id in listing_ids:
                session.add(
                    ListingImageMatch(
                        listing_id=listing_id, blob_sha256=digest, entry_id=entry.id, stage=match.stage,
                        distance=match.distance, score=match.score, inliers=match.inliers,
                    )
                )  # fmt: skip
                stored += 1
        if done % 200 == 0:
            session.flush()
        progress(done, len(pending))
    session.flush()
    earlier = f"; {recoloured} hashed earlier given their colours" if recoloured else ""
    return (
        f"listing images: {len(pending)} hashed, {matched_images} matched a bank entry, "
        f"{stored} matches stored, {failed} unreadable; PDQ threshold {pdq.MATCH_THRESHOLD}{earlier}"
    )
