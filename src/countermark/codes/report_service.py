"""Consumer reports of suspected fakes, reward schemes and the hot spots reports form; never commits."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.codes.clusters import HotSpot, ReportPoint, hot_spots
from countermark.codes.models import REWARD_STATUSES, ConsumerReport, RewardScheme
from countermark.codes.service import coarse, find_code
from countermark.codes.signed import CodeError, normalise_gtin, parse_uri
from countermark.core.blobs import BlobStore
from countermark.core.errors import Code, InvalidInput
from countermark.core.marking import DEFAULT_TLP
from countermark.core.storage import store_blob
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, require_owner, visible, visible_clause
from countermark.rights.service import product_for_gtin

BOUGHT_AT = ("shop", "market", "website", "listing", "social", "other")
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 2**20
MAX_TEXT = 2000
MAX_REPORT_ID = 2_147_483_647
# Hot spots: reports closer than 100 m are one place anyway; beyond 500 km a "spot" is a continent.
MIN_HOT_SPOT_RADIUS_KM = 0.1
MAX_HOT_SPOT_RADIUS_KM = 500.0


@dataclass(frozen=True)
class ReportInput:
    """What a member of the public submits (already size-limited by the form)."""

    code_uri: str | None
    gtin: str | None
    bought_at_kind: str
    shop: str | None
    url: str | None
    description: str | None
    lat: float | None
    lon: float | None
    contact: str | None
    photos: tuple[bytes, ...] = ()


def _clean(value: str | None, limit: int, what: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput.of(
            "the {what} is too long: at most {limit} characters", what=Code(what), limit=limit
        )
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise InvalidInput.of("the {what} contains control characters", what=Code(what))
    return text or None


def _photo(data: bytes) -> tuple[str, int, int]:
    """The media type and size of an uploaded photo; raises InvalidInput when it is not an image."""
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput.of("a photo may be at most {mb} MB", mb=MAX_PHOTO_BYTES // 2**20)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind, (width, height) = (image.format or "").lower(), image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput.of("a photo must be a JPEG, PNG or WebP image") from exc
    if kind not in ("jpeg", "png", "webp"):
        raise InvalidInput.of("a photo must be a JPEG, PNG or WebP image")
    return f"image/{kind}", width, height


def submit_report(
    *, session: Session, blobs: BlobStore, report: ReportInput, reporter: str | None
) -> ConsumerReport:
    """Store a public report for the product's rights holder; photos go to the blob store by digest."""
    if report.bought_at_kind not in BOUGHT_AT:
        raise InvalidInput.of("where you bought it must be one of {kinds}", kinds=", ".join(BOUGHT_AT))
    gtin, serial, code = None, None, None
    try:
        if report.code_uri:
            parsed = parse_uri(report.code_uri)
            gtin, serial = parsed.gtin, parsed.serial
            code = find_code(session=session, gtin=gtin, serial=serial)
        elif report.gtin:
            gtin = normalise_gtin(report.gtin)
    except CodeError as exc:
        raise InvalidInput.of("the product code cannot be read: {problem}", problem=exc) from exc
    product = product_for_gtin(session=session, gtin=gtin) if gtin else None
    if product is None:
        raise InvalidInput.of("this product is not recorded here, so no rights holder can receive the report")
    if len(report.photos) > MAX_PHOTOS:
        raise InvalidInput.of("at most {most} photos", most=MAX_PHOTOS)
    digests = []
    for data in report.photos:
        media_type, width, height = _photo(data)
        digests.append(
            store_blob(
                session=session, blobs=blobs, data=data, media_type=media_type, width=width, height=height
            )
        )
    owner = code.owner_org_id if code is not None else product.owner_org_id
    scheme = session.scalar(
        select(RewardScheme)
        .where(RewardScheme.owner_org_id == owner, RewardScheme.active)
        .order_by(RewardScheme.id.desc())
        .limit(1)
    )
    row = ConsumerReport(
        product_id=product.id,
        code_id=code.id if code else None,
        gtin=gtin,
        serial=serial,
        bought_at_kind=report.bought_at_kind,
        shop=_clean(report.shop, 200, "shop"),
        url=_clean(report.url, 500, "address"),
        description=_clean(report.description, MAX_TEXT, "description"),
        photos=digests,
        lat=coarse(report.lat, 90),
        lon=coarse(report.lon, 180),
        contact=_clean(report.contact, 254, "contact"),
        reporter_hash=reporter,
        reward_status="eligible" if scheme else "none",
        reward_scheme_id=scheme.id if scheme else None,
        owner_org_id=owner,
        tlp=DEFAULT_TLP,
    )
    session.add(row)
    session.flush()
    record_audit(
        session=session,
        actor="public",
        action="codes.report.create",
        subject_type="consumer_report",
        subject_id=str(row.id),
        org_id=owner,
    )
    return row


def set_reward_status(
    *, session: Session, principal: Principal, report_id: int, status: str, actor: str
) -> ConsumerReport:
    """Move a report's reward along (eligible, approved, paid, refused); only the owner may."""
    if status not in REWARD_STATUSES:
        raise InvalidInput.of("reward status must be one of {statuses}", statuses=", ".join(REWARD_STATUSES))
    if not 1 <= report_id <= MAX_REPORT_ID:  # ids are 32-bit; a larger one must not reach the driver
        raise InvalidInput.of("report id must be between 1 and {most}", most=MAX_REPORT_ID)
    found: ConsumerReport | None = session.scalar(
        visible(ConsumerReport, principal).where(ConsumerReport.id == report_id)
    )
    row = require_owner(found, principal, what="report")
    row.reward_status, row.status = status, "reviewed"
    record_audit(
        session=session,
        actor=actor,
        action="codes.report.reward",
        subject_type="consumer_report",
        subject_id=str(row.id),
        org_id=principal.org_id,
        detail={"reward_status": status},
    )
    return row


def create_reward_scheme(
    *,
    session: Session,
    principal: Principal,
    name: str,
    amount: int,
    currency: str,
    actor: str,
    description: str | None = None,
) -> RewardScheme:
    """A reward the organisation offers for useful reports (the newest active one applies)."""
    if principal.org_id is None:
        raise InvalidInput.of("rewards are offered by an organisation")
    if not 0 <= amount <= 1_000_000 or len(currency) != 3 or not currency.isalpha():
        raise InvalidInput.of("give an amount between 0 and 1,000,000 and a 3-letter currency")
    scheme = RewardScheme(
        name=_clean(name, 200, "name") or "Reward",
        description=_clean(description, MAX_TEXT, "description"),
        amount=amount,
        currency=currency.upper(),
        owner_org_id=principal.org_id,
        tlp=DEFAULT_TLP,
    )
    session.add(scheme)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="codes.reward.create",
        subject_type="reward_scheme",
        subject_id=str(scheme.id),
        org_id=principal.org_id,
    )
    return scheme


def report_hot_spots(
    *, session: Session, principal: Principal, eps_km: float = 25.0, min_points: int = 3
) -> list[HotSpot]:
    """Hot spots of the located reports the principal may see, within `eps_km` of each other.

    The radius is bounded here, where the grid is built: a subnormal radius (5e-324) would make cells of
    zero degrees and divide by zero, a huge one a single cell that compares every pair.
    """
    if not MIN_HOT_SPOT_RADIUS_KM <= eps_km <= MAX_HOT_SPOT_RADIUS_KM:
        raise InvalidInput.of(
            "the hot spot radius must be between {least} and {most} km",
            least=MIN_HOT_SPOT_RADIUS_KM,
            most=MAX_HOT_SPOT_RADIUS_KM,
        )
    rows = session.execute(
        select(ConsumerReport.id, ConsumerReport.lat, ConsumerReport.lon).where(
            visible_clause(ConsumerReport, principal),
            ConsumerReport.lat.is_not(None),
            ConsumerReport.lon.is_not(None),
        )
    )
    points = [
        ReportPoint(int(i), float(lat), float(lon))
        for i, lat, lon in rows
        if lat is not None and lon is not None
    ]
    return hot_spots(points, eps_km=eps_km, min_points=min_points)
