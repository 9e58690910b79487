"""Lookups: which bank entries a suspect picture, file, text, video or sound matches, marking-aware."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.errors import InvalidInput
from countermark.fingerprint import audio, content, files, pdq, text, video
from countermark.fingerprint.access import can_match_bank, can_read_bank
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.matcher import ImageMatch, QuerySignals, query_signals
from countermark.fingerprint.matcher_service import live_matcher
from countermark.fingerprint.media_index_service import media_indexes
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry, ListingImageMatch, signal_digest
from countermark.fingerprint.schemas import MatchOut
from countermark.orgs.service import group_ids_of

Found = tuple[str, int, float, FingerprintEntry, FingerprintBank]


def match_image_signals(
    *, ctx: AppContext, session: Session, query: QuerySignals, geometric_stage: bool = True
) -> list[tuple[ImageMatch, FingerprintEntry, FingerprintBank]]:
    """Enabled entries of enabled banks matching a suspect picture, re-checked against the database."""
    live = live_matcher(ctx, session)
    found = live.matcher.match(query, geometric_stage=geometric_stage)
    if not found:
        return []
    rows = session.execute(
        select(FingerprintEntry, FingerprintBank)
        .join(FingerprintBank, FingerprintBank.id == FingerprintEntry.bank_id)
        .where(
            FingerprintEntry.id.in_([m.entry_id for m in found]),
            FingerprintEntry.enabled.is_(True),
            FingerprintBank.enabled.is_(True),
        )
    )
    by_id = {entry.id: (entry, bank) for entry, bank in rows}
    out = []
    for match in found:
        if match.entry_id not in by_id:
            continue
        entry, bank = by_id[match.entry_id]
        # The index is a cache: a PDQ match must still hold against the stored hash.
        closest = min(pdq.distance(h.hex, entry.signal) for h in query.whole_hashes)
        if match.stage == "pdq" and closest > pdq.MATCH_THRESHOLD:
            continue
        out.append((replace(match, distance=closest), entry, bank))
    return out


def lookup_image(
    *, ctx: AppContext, session: Session, principal_org_id: int, data: bytes, geometric_stage: bool = True
) -> list[MatchOut]:
    """Matches of a suspect picture in every bank the organisation may match against, marking-aware."""
    query = query_signals(open_image(data))
    results = match_image_signals(ctx=ctx, session=session, query=query, geometric_stage=geometric_stage)
    return _visible(session, principal_org_id, [(m.stage, m.distance, m.score, e, b) for m, e, b in results])


def lookup_pdq(*, ctx: AppContext, session: Session, principal_org_id: int, pdq_hex: str) -> list[MatchOut]:
    """Matches of a PDQ hash (no picture, so no second stage), marking-aware."""
    pdq.hex_to_bytes(pdq_hex)
    live = live_matcher(ctx, session)
    hits = live.matcher.whole.search([bytes.fromhex(pdq_hex)], pdq.MATCH_THRESHOLD)[0]
    rows = session.execute(
        select(FingerprintEntry, FingerprintBank)
        .join(FingerprintBank, FingerprintBank.id == FingerprintEntry.bank_id)
        .where(
            FingerprintEntry.id.in_([h.entry_id for h in hits]),
            FingerprintEntry.enabled.is_(True),
            FingerprintBank.enabled.is_(True),
        )
    )
    found = []
    for entry, bank in rows:
        dist = pdq.distance(pdq_hex, entry.signal)
        # Entries with a flat hash (quality < 50, enrolled for their local features) never match by PDQ.
        if pdq.is_match(dist) and (entry.quality is None or entry.quality >= pdq.MIN_QUALITY):
            found.append(("pdq", dist, 1 - dist / pdq.BITS, entry, bank))
    return _visible(session, principal_org_id, sorted(found, key=lambda f: (f[1], f[3].id)))


def lookup_file(*, session: Session, principal_org_id: int, data: bytes) -> list[MatchOut]:
    """Exact (SHA-256) and near-identical (TLSH) matches of a file, marking-aware."""
    found: list[Found] = []
    base = (
        select(FingerprintEntry, FingerprintBank)
        .join(FingerprintBank, FingerprintBank.id == FingerprintEntry.bank_id)
        .where(FingerprintEntry.enabled.is_(True), FingerprintBank.enabled.is_(True))
    )
    exact = files.sha256_signal(data)
    for entry, bank in session.execute(
        base.where(
            FingerprintEntry.signal_type == "sha256", FingerprintEntry.signal_digest == signal_digest(exact)
        )
    ):
        found.append(("sha256", 0, 1.0, entry, bank))
    try:
        near = files.tlsh_signal(data)
    except InvalidInput:
        near = None
    if near is not None:
        # A scan: file banks are small next to image banks; TLSH has no exact sub-linear index.
        for entry, bank in session.execute(base.where(FingerprintEntry.signal_type == "tlsh")):
            dist = files.tlsh_distance(near, entry.signal)
            if files.is_tlsh_match(dist) and all(f[3].blob_sha256 != entry.blob_sha256 for f in found):
                found.append(("tlsh", dist, max(0.0, 1 - dist / 300), entry, bank))
    return _visible(session, principal_org_id, found)


def lookup_text(*, session: Session, principal_org_id: int, content: str) -> list[MatchOut]:
    """Near-duplicate texts in the banks (MinHash LSH), marking-aware."""
    signal = text.text_signal(content)
    rows = list(
        session.execute(
            select(FingerprintEntry, FingerprintBank)
            .join(FingerprintBank, FingerprintBank.id == FingerprintEntry.bank_id)
            .where(
                FingerprintEntry.signal_type == "text",
                FingerprintEntry.enabled.is_(True),
                FingerprintBank.enabled.is_(True),
            )
        )
    )
    index = text.TextIndex()
    for entry, _ in rows:
        index.add(entry.id, entry.signal)
    by_id = {entry.id: (entry, bank) for entry, bank in rows}
    found = [("text", round(100 * (1 - sim)), sim, *by_id[i]) for i, sim in index.query(signal)]
    return _visible(session, principal_org_id, found)


def _visible(
    session: Session,
    principal_org_id: int,
    found: list[Found],
) -> list[MatchOut]:
    memberships = set(group_ids_of(session, principal_org_id))
    out = []
    for stage, dist, score, entry, bank in found:
        if not can_match_bank(principal_org_id, bank, memberships):
            continue
        readable = can_read_bank(principal_org_id, bank, memberships)
        out.append(
            MatchOut(
                bank_id=bank.id,
                bank_name=bank.name,
                purpose=bank.purpose,
                product_id=entry.product_id,
                right_id=entry.right_id,
                stage=stage,
                distance=dist,
                score=round(score, 4),
                signal_type=entry.signal_type,
                readable=readable,
                entry_id=entry.id if readable else None,
                label=entry.label if readable else None,
                blob_sha256=entry.blob_sha256 if readable else None,
                signal=entry.signal if readable else None,
            )
        )
    return out


def _matchable_rows(
    session: Session, principal_org_id: int, signal_type: str, candidates: list[int]
) -> list[tuple[FingerprintEntry, FingerprintBank]]:
    """Enabled candidate entries of one signal type in enabled banks the organisation may match against."""
    if not candidates:
        return []
    memberships = set(group_ids_of(session, principal_org_id))
    rows = session.execute(
        select(FingerprintEntry, FingerprintBank)
        .join(FingerprintBank, FingerprintBank.id == FingerprintEntry.bank_id)
        .where(
            FingerprintEntry.id.in_(candidates),
            FingerprintEntry.signal_type == signal_type,
            FingerprintEntry.enabled.is_(True),
            FingerprintBank.enabled.is_(True),
        )
        .order_by(FingerprintEntry.id)
    )
    return [(e, b) for e, b in rows if can_match_bank(principal_org_id, b, memberships)]


def lookup_video_signal(
    *, ctx: AppContext, session: Session, principal_org_id: int, signal: str
) -> list[MatchOut]:
    """Banked videos sharing enough frames with a video signal, marking-aware.

    Candidates come from the frame index (every entry with two frames near query frames), then the shares
    of matching frames are computed against each candidate's stored signal.
    """
    query = video.from_signal(signal)
    found: list[Found] = []
    measures: dict[int, dict[str, float]] = {}
    candidates = media_indexes(ctx, session).video.candidates(query)
    for entry, bank in _matchable_rows(session, principal_org_id, "video", candidates):
        result = video.compare_frames(query, video.from_signal(entry.signal))
        if result.is_match:
            score = max(result.query_share, result.reference_share)
            found.append(("video", result.best_distance, score, entry, bank))
            measures[entry.id] = {
                "query_share": result.query_share,
                "reference_share": result.reference_share,
                "matched_frames": result.matched_frames,
            }
    return _with_measures(_visible(session, principal_org_id, _best_first(found)), found, measures)


def lookup_audio_signal(
    *, ctx: AppContext, session: Session, principal_org_id: int, signal: str
) -> list[MatchOut]:
    """Banked sounds within the bit error rate threshold at their best alignment, marking-aware.

    Candidates come from the inverted index of sub-fingerprint values (values shared at one offset), then
    the bit error rate at the best alignment is computed against each candidate's stored signal.
    """
    query = audio.from_signal(signal)
    found: list[Found] = []
    measures: dict[int, dict[str, float]] = {}
    candidates = media_indexes(ctx, session).audio.candidates(query)
    for entry, bank in _matchable_rows(session, principal_org_id, "audio", candidates):
        result = audio.best_alignment(query, audio.from_signal(entry.signal))
        if result.is_match:
            rate = result.bit_error_rate
            found.append(("audio", round(100 * rate), 1 - rate, entry, bank))
            measures[entry.id] = {
                "bit_error_rate": rate,
                "chance_error_rate": result.chance_error_rate,
                "offset_seconds": result.offset_seconds,
                "overlap_seconds": result.overlap_seconds,
            }
    return _with_measures(_visible(session, principal_org_id, _best_first(found)), found, measures)


def _best_first(found: list[Found]) -> list[Found]:
    return sorted(found, key=lambda f: (-f[2], f[1], f[3].id))


def _with_measures(
    matches: list[MatchOut], found: list[Found], measures: dict[int, dict[str, float]]
) -> list[MatchOut]:
    """Matches with their signal's measures (shares of frames, bit error rate), in the order of `found`."""
    return [m.model_copy(update={"measures": measures[f[3].id]}) for m, f in zip(matches, found, strict=True)]


def compare(*, signal_type: str, a: str, b: str) -> tuple[float, bool]:
    """(distance or similarity, whether it is a match) between two signals of one type."""
    if signal_type == "video":
        shares = video.compare(a, b)
        return max(shares.query_share, shares.reference_share), shares.is_match
    if signal_type == "audio":
        alignment = audio.compare(a, b)
        return alignment.bit_error_rate, alignment.is_match
    if signal_type == "pdq":
        dist = pdq.distance(a, b)
        return float(dist), pdq.is_match(dist)
    if signal_type == "tlsh":
        tdist = files.tlsh_distance(a, b)
        return float(tdist), files.is_tlsh_match(tdist)
    if signal_type == "sha256":
        return (0.0, True) if a.lower() == b.lower() else (1.0, False)
    if signal_type == "text":
        sim = text.similarity(a, b)
        return sim, text.is_match(sim)
    raise InvalidInput.of("cannot compare signals of type {signal_type!r}", signal_type=signal_type)


def matches_of_listing(*, session: Session, listing_id: int) -> list[ListingImageMatch]:
    """The stored image matches of a listing, best first."""
    return list(
        session.scalars(
            select(ListingImageMatch)
            .where(ListingImageMatch.listing_id == listing_id)
            .order_by(ListingImageMatch.stage, ListingImageMatch.distance)
        )
    )


def lookup_upload(
    *, ctx: AppContext, session: Session, principal_org_id: int, data: bytes, kind: str = "auto"
) -> tuple[str, list[content.Signal], list[MatchOut]]:
    """The kind of an upload, its signals and its matches in every bank the organisation may match."""
    kind, signals = content.signals_of(data, kind)
    org = principal_org_id
    if kind == "image":
        return kind, signals, lookup_image(ctx=ctx, session=session, principal_org_id=org, data=data)
    if kind == "file":
        return kind, signals, lookup_file(session=session, principal_org_id=org, data=data)
    matches: list[MatchOut] = []
    for signal in signals:
        kind_of = signal.signal_type
        matches += lookup_signal(ctx=ctx, session=session, principal_org_id=org, signal_type=kind_of,
                                 signal=signal.signal)  # fmt: skip
    return kind, signals, matches


SIGNAL_LOOKUPS = ("pdq", "video", "audio", "text")


def lookup_signal(
    *, ctx: AppContext, session: Session, principal_org_id: int, signal_type: str, signal: str
) -> list[MatchOut]:
    """Matches of a signal computed elsewhere (PDQ hex, video or audio JSON, or a text), marking-aware."""
    org = principal_org_id
    if signal_type == "pdq":
        return lookup_pdq(ctx=ctx, session=session, principal_org_id=org, pdq_hex=signal.strip().lower())
    if signal_type == "video":
        return lookup_video_signal(ctx=ctx, session=session, principal_org_id=org, signal=signal)
    if signal_type == "audio":
        return lookup_audio_signal(ctx=ctx, session=session, principal_org_id=org, signal=signal)
    if signal_type == "text":
        return lookup_text(session=session, principal_org_id=org, content=signal)
    raise InvalidInput.of(
        "signal_type must be one of {types}, not {signal_type!r}",
        types=", ".join(SIGNAL_LOOKUPS),
        signal_type=signal_type,
    )
