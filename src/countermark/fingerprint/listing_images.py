"""Listing photos hashed and matched against the banks: the step between ingestion, which stores each photo by
its SHA-256, and everything that reads a photo's hash or matches (detection's photo signals, the linker's
shared shots, the listing page's "matched genuine photo").

A photo is hashed once, however many listings show it, and its matches are stored for each of them; a
listing stored later that shows a photo already matched is given that photo's matches too. A photo that
cannot be read keeps the reason, so it is not tried again on every run. `again` hashes every photo anew with
this release's hasher and matches it against the banks as they are now: after enrolling reference pictures
that listings stored earlier may show, or after an upgrade that changes how pictures are hashed.
`countermark fingerprint listings` runs it; `countermark detect run` and `countermark link run` run it first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.fingerprint import pdq
from countermark.fingerprint.colour import colour_signature
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.lookup_service import match_image_signals
from countermark.fingerprint.matcher import query_signals
from countermark.fingerprint.models import ImageHash, ListingImageMatch
from countermark.observe import image_reads

Progress = Callable[[int, int], None]
PAGE = 500


@dataclass
class ListingPhotoReport:
    """What one run did."""

    seen: int = 0  # different photos the stored listings show
    hashed: int = 0  # photos hashed in this run (new ones, or every one with `again`)
    matched_images: int = 0  # of those, photos that matched a bank entry
    matches_stored: int = 0
    unreadable: int = 0
    shared: int = 0  # matches given to listings that show a photo matched before
    recoloured: int = 0  # photos hashed before colour signatures were kept, given theirs
    again: bool = False
    # The listings showing a photo hashed, or given matches, in this run: what reads photos (a score taken
    # before) is out of date for them.
    listings: set[int] = field(default_factory=set)

    def summary(self) -> str:
        """One line for a command's output."""
        line = (
            f"listing images: {self.hashed} hashed{' again' if self.again else ''} of {self.seen}, "
            f"{self.matched_images} matched a bank entry, {self.matches_stored} matches stored, "
            f"{self.unreadable} unreadable; PDQ threshold {pdq.MATCH_THRESHOLD}"
        )
        if self.shared:
            line += f"; {self.shared} matches given to listings showing a photo matched before"
        if self.recoloured:
            line += f"; {self.recoloured} hashed earlier given their colours"
        return line


def match_listing_images(
    *, ctx: AppContext, session: Session, progress: Progress | None = None, again: bool = False
) -> ListingPhotoReport:
    """Hash the listing photos not hashed yet (every one with `again`), match them against the enabled
    banks, store the matches for every listing showing them, and give listings that show a photo matched
    before its matches. Idempotent: a second run finds nothing to do."""
    report = ListingPhotoReport(again=again, seen=image_reads.listing_image_digest_count(session=session))
    if not again:
        report.recoloured = _add_colours(ctx, session)
    done, after = 0, None
    while page := image_reads.listing_image_digests(session=session, after=after, limit=PAGE):
        after = page[-1]
        rows = {
            row.blob_sha256: row
            for row in session.scalars(select(ImageHash).where(ImageHash.blob_sha256.in_(page)))
        }
        todo = page if again else [digest for digest in page if digest not in rows]
        showing = image_reads.listing_ids_by_photo(session=session, digests=page)
        for digest in todo:
            _hash_and_match(ctx, session, digest, rows.get(digest), showing.get(digest, []), report)
        if not again:
            _share_matches(session, [digest for digest in page if digest in rows], showing, report)
        session.flush()
        done += len(page)
        if progress is not None:
            progress(done, report.seen)
    return report


def _hash_and_match(
    ctx: AppContext,
    session: Session,
    digest: str,
    row: ImageHash | None,
    listing_ids: Sequence[int],
    report: ListingPhotoReport,
) -> None:
    try:
        img = open_image(ctx.blobs.get(digest))
    except CountermarkError as exc:
        report.unreadable += 1
        if row is None:
            session.add(ImageHash(blob_sha256=digest, error=exc.message[:500]))
        # A photo hashed before whose bytes cannot be read now keeps its hash and its matches.
        return
    signals = query_signals(img)
    whole = signals.dihedral[0]
    inner = signals.inner.hex if signals.inner is not None else None
    colour = colour_signature(img)
    if row is None:
        session.add(
            ImageHash(
                blob_sha256=digest, pdq=whole.hex, quality=whole.quality, pdq_inner=inner, colour=colour
            )
        )
    else:
        row.pdq, row.quality, row.pdq_inner, row.colour = whole.hex, whole.quality, inner, colour
        row.error, row.hashed_at = None, utcnow()
        session.execute(delete(ListingImageMatch).where(ListingImageMatch.blob_sha256 == digest))
    report.hashed += 1
    report.listings.update(listing_ids)
    results = match_image_signals(ctx=ctx, session=session, query=signals)
    report.matched_images += bool(results)
    for match, entry, _bank in results:
        for listing_id in listing_ids:
            session.add(
                ListingImageMatch(
                    listing_id=listing_id, blob_sha256=digest, entry_id=entry.id, stage=match.stage,
                    distance=match.distance, score=match.score, inliers=match.inliers,
                )
            )  # fmt: skip
            report.matches_stored += 1


def _share_matches(
    session: Session, digests: Sequence[str], showing: dict[str, list[int]], report: ListingPhotoReport
) -> None:
    """Give each listing that shows one of these photos, matched before, the matches it lacks."""
    if not digests:
        return
    have: dict[str, set[int]] = defaultdict(set)
    found: dict[str, dict[int, ListingImageMatch]] = defaultdict(dict)
    for match in session.scalars(
        select(ListingImageMatch)
        .where(ListingImageMatch.blob_sha256.in_(digests))
        .order_by(ListingImageMatch.id)
    ):
        have[match.blob_sha256].add(match.listing_id)
        found[match.blob_sha256].setdefault(match.entry_id, match)
    for digest, matches in found.items():
        for listing_id in showing.get(digest, []):
            if listing_id in have[digest]:
                continue
            report.listings.add(listing_id)
            for match in matches.values():
                session.add(
                    ListingImageMatch(
                        listing_id=listing_id, blob_sha256=digest, entry_id=match.entry_id,
                        stage=match.stage, distance=match.distance, score=match.score, inliers=match.inliers,
                    )
                )  # fmt: skip
                report.shared += 1


def _add_colours(ctx: AppContext, session: Session) -> int:
    """Give the photos hashed before colour signatures were kept (migration 0031) theirs, 500 rows at a
    time; a photo whose blob is gone or unreadable keeps its hash alone."""
    missing = select(ImageHash.blob_sha256).where(ImageHash.pdq.is_not(None), ImageHash.colour.is_(None))
    digests = list(session.scalars(missing.order_by(ImageHash.blob_sha256)))
    added = 0
    for start in range(0, len(digests), PAGE):
        batch = select(ImageHash).where(ImageHash.blob_sha256.in_(digests[start : start + PAGE]))
        for row in session.scalars(batch):
            try:
                row.colour = colour_signature(open_image(ctx.blobs.get(row.blob_sha256)))
            except CountermarkError:
                continue
            added += 1
        session.flush()
    return added
