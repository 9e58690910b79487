"""Pure verdicts on a scanned code: from the URI, the public keys and (online) what the store knows of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from countermark.codes.keys import PublicKeyInfo
from countermark.codes.signed import (
    CodeError,
    ParsedCode,
    decode_signature,
    parse_uri,
    signature_matches,
)


class Verdict(StrEnum):
    """What a scan concludes, from the worst to the best."""

    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    REVOKED_KEY = "revoked_key"
    UNKNOWN_CODE = "unknown_code"
    DESTROYED = "destroyed"
    SUSPECTED_CLONE = "suspected_clone"
    ALREADY_SOLD = "already_sold"
    GENUINE = "genuine"


SAFE_VERDICTS = frozenset({Verdict.GENUINE, Verdict.ALREADY_SOLD})
CLONE_ALERT_SCORE = 0.5


@dataclass(frozen=True)
class CodeState:
    """What the store knows of a serial: its life-cycle state and clone alert, if any."""

    state: str
    state_at: datetime | None = None
    clone_score: float | None = None
    clone_status: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    """A verdict, the code it concerns (when readable) and the reasons in words."""

    verdict: Verdict
    code: ParsedCode | None
    key_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    offline: bool = False

    @property
    def safe(self) -> bool:
        """Whether the verdict lets the holder trust the item."""
        return self.verdict in SAFE_VERDICTS


def verify_uri(
    uri: str, keys: Mapping[str, PublicKeyInfo], state: CodeState | None, *, online: bool = True
) -> VerificationResult:
    """The verdict on a scanned URI; `online=False` checks the signature only (no history is known)."""
    parsed = parsed_or_malformed(uri, online=online)
    if isinstance(parsed, VerificationResult):
        return parsed
    return verify_code(parsed, keys, state, online=online)


def parsed_or_malformed(uri: str, *, online: bool = True) -> ParsedCode | VerificationResult:
    """The code a scanned URI carries, or the malformed verdict saying why it carries none."""
    try:
        return parse_uri(uri)
    except CodeError as exc:
        return VerificationResult(Verdict.MALFORMED, None, reasons=[str(exc)], offline=not online)


def verify_code(
    code: ParsedCode, keys: Mapping[str, PublicKeyInfo], state: CodeState | None, *, online: bool = True
) -> VerificationResult:
    """The verdict on a parsed code (see `verify_uri`)."""
    if code.signature is None:
        return VerificationResult(
            Verdict.BAD_SIGNATURE,
            code,
            reasons=["the code carries no signature (AI 8030)"],
            offline=not online,
        )
    try:
        parts = decode_signature(code.signature)
    except CodeError as exc:
        return VerificationResult(Verdict.BAD_SIGNATURE, code, reasons=[str(exc)], offline=not online)
    key = keys.get(parts.key_id)
    if key is None:
        return VerificationResult(
            Verdict.BAD_SIGNATURE,
            code,
            parts.key_id,
            [f"the code names key {parts.key_id}, which no issuer here holds"],
            offline=not online,
        )
    if not signature_matches(key.public_key, parts, code.gtin, code.serial):
        return VerificationResult(
            Verdict.BAD_SIGNATURE,
            code,
            parts.key_id,
            ["the signature does not match this GTIN and serial: the code was altered or forged"],
            offline=not online,
        )
    if key.status == "revoked":
        return VerificationResult(
            Verdict.REVOKED_KEY,
            code,
            parts.key_id,
            [f"key {parts.key_id} of {key.org} was revoked: codes signed with it are no longer trusted"],
            offline=not online,
        )
    if not online:
        return VerificationResult(
            Verdict.GENUINE,
            code,
            parts.key_id,
            [
                f"signed by {key.org} (key {parts.key_id}); checked offline, so the "
                "history of scans was not consulted"
            ],
            offline=True,
        )
    return _online_verdict(code, parts.key_id, key, state)


def _online_verdict(
    code: ParsedCode, key_id: str, key: PublicKeyInfo, state: CodeState | None
) -> VerificationResult:
    if state is None:
        return VerificationResult(
            Verdict.UNKNOWN_CODE,
            code,
            key_id,
            [f"the signature is valid but {key.org} never issued serial {code.serial}"],
        )
    if state.state in ("destroyed", "decommissioned"):
        return VerificationResult(
            Verdict.DESTROYED,
            code,
            key_id,
            [f"this code was reported {state.state}: no item should carry it any more"],
        )
    if state.clone_status == "confirmed" or (
        state.clone_status != "dismissed" and (state.clone_score or 0.0) >= CLONE_ALERT_SCORE
    ):
        return VerificationResult(
            Verdict.SUSPECTED_CLONE,
            code,
            key_id,
            ["this code has been scanned in ways one genuine item cannot be: it has probably been copied"],
        )
    if state.state == "sold":
        return VerificationResult(
            Verdict.ALREADY_SOLD,
            code,
            key_id,
            [
                f"issued by {key.org}; this item was recorded as sold: if you are buying it "
                "new, ask the seller why"
            ],
        )
    return VerificationResult(
        Verdict.GENUINE, code, key_id, [f"issued by {key.org} and signed with key {key_id}"]
    )
