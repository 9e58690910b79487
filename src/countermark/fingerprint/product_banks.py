"""Genuine banks from the products' reference photos: each rights holder's products' photos enrolled in its
bank of genuine reference images, so that listing photos and suspect items are matched against them.

Products and their photos arrive by ingestion (`countermark ingest products`); `countermark fingerprint
products` enrols them (idempotent: a photo already in its holder's bank is not enrolled again, nor a file of
a picture the bank already holds). The bank is created on first use, matchable by every organisation
(`everyone`: they learn which product a picture shows, not the bank's entries) unless another scope is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.fingerprint.matcher_service import live_matcher
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry
from countermark.fingerprint.service import add_image, check_match_scope, create_bank, get_bank_by_name
from countermark.rights.service import reference_images

GENUINE_BANK = "genuine reference images"
Progress = Callable[[int, int], None]


@dataclass
class EnrolmentReport:
    """What one run did."""

    photos: int = 0
    added: int = 0
    already_in: int = 0
    banks_created: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a command's output."""
        line = f"genuine banks: {self.added} reference images enrolled, {self.already_in} already in"
        if self.banks_created:
            line += f", {self.banks_created} banks created"
        if self.problems:
            line += f"; {len(self.problems)} not enrolled (first: {self.problems[0]})"
        return line


def enrol_product_images(
    *,
    ctx: AppContext,
    session: Session,
    owner_org_id: int | None = None,
    match_scope: str = "everyone",
    progress: Progress | None = None,
) -> EnrolmentReport:
    """Enrol every product's reference photos (one owner's when given) in its owner's genuine bank."""
    check_match_scope(match_scope)
    images = reference_images(session=session, owner_org_id=owner_org_id)
    report = EnrolmentReport(photos=len(images))
    enrolled = {
        (bank_id, digest)
        for bank_id, digest in session.execute(
            select(FingerprintEntry.bank_id, FingerprintEntry.blob_sha256).where(
                FingerprintEntry.signal_type == "pdq"
            )
        )
    }
    banks: dict[int, FingerprintBank] = {}
    for done, image in enumerate(images, start=1):
        bank = banks.get(image.owner_org_id) or get_bank_by_name(
            session=session, owner_org_id=image.owner_org_id, name=GENUINE_BANK
        )
        if bank is None:
            bank = create_bank(
                session=session, owner_org_id=image.owner_org_id, name=GENUINE_BANK, purpose="genuine",
                tlp=image.tlp, match_scope=match_scope,
                description="Reference photographs of the holder's genuine products.",
            )  # fmt: skip
            report.banks_created += 1
        banks[image.owner_org_id] = bank
        if (bank.id, image.blob_sha256) in enrolled:
            report.already_in += 1
        else:
            try:
                entry = add_image(
                    ctx=ctx, session=session, bank=bank, data=ctx.blobs.get(image.blob_sha256),
                    product_id=image.product_id, right_id=image.right_id, label=image.product_name,
                )  # fmt: skip
            except CountermarkError as exc:
                report.problems.append(f"{image.blob_sha256[:12]}: {exc.message}")
            else:
                enrolled.add((bank.id, image.blob_sha256))
                # A picture whose PDQ hash is already in the bank (another file of the same image) is not
                # stored again: counted as already in, so a second run reports nothing new.
                if entry.blob_sha256 == image.blob_sha256:
                    report.added += 1
                else:
                    report.already_in += 1
        if progress is not None:
            progress(done, len(images))
    live_matcher(ctx, session).save()
    return report
