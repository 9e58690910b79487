"""Product codes: serials, GTIN check digits, signed Digital Link URIs and every verdict."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from countermark.codes.keys import (
    PublicKeyInfo,
    export_public_keys,
    generate_private_key,
    load_private_key,
    load_public_keys,
    public_key_text,
    save_private_key,
)
from countermark.codes.signed import (
    SIGNATURE_CHARS,
    CodeError,
    build_uri,
    gtin_check_digit,
    normalise_gtin,
    parse_uri,
    random_serial,
    sign_code,
)
from countermark.codes.verify import CodeState, Verdict, verify_uri

GTIN = "09506000134352"
KEY_ID = "a1b2c3"
PRIVATE = generate_private_key()
KEYS = {KEY_ID: PublicKeyInfo(KEY_ID, "Maison Aurel", PRIVATE.public_key(), "active")}


def signed_uri(serial: str = "Ab3dEf6hIj9kLm2n", gtin: str = GTIN, key_id: str = KEY_ID) -> str:
    return build_uri("id.example.org", gtin, serial, sign_code(PRIVATE, key_id, gtin, serial))


def test_serials_are_random_gs1_safe_and_carry_at_least_80_bits() -> None:
    serials = {random_serial() for _ in range(2000)}
    assert len(serials) == 2000
    assert all(len(s) <= 20 and s.isalnum() and s.isascii() for s in serials)
    assert len(next(iter(serials))) * 5.95 >= 80


def test_gtin_check_digit_follows_gs1_mod_10() -> None:
    assert gtin_check_digit("0950600013435") == 2
    assert normalise_gtin("9506000134352") == GTIN
    with pytest.raises(CodeError, match="check digit"):
        normalise_gtin("09506000134353")


def test_signature_is_90_characters_and_uri_round_trips() -> None:
    uri = signed_uri()
    code = parse_uri(uri)
    assert code.gtin == GTIN and code.serial == "Ab3dEf6hIj9kLm2n" and code.resolver == "id.example.org"
    assert code.signature is not None and len(code.signature) == SIGNATURE_CHARS
    assert uri.startswith(f"https://id.example.org/01/{GTIN}/21/Ab3dEf6hIj9kLm2n?8030=")
    assert verify_uri(uri, KEYS, CodeState("issued")).verdict is Verdict.GENUINE


def test_offline_verification_checks_only_the_signature() -> None:
    result = verify_uri(signed_uri(), KEYS, None, online=False)
    assert result.verdict is Verdict.GENUINE and result.offline
    assert "offline" in result.reasons[0]


def test_every_online_verdict() -> None:
    uri = signed_uri()
    assert verify_uri(uri, KEYS, None).verdict is Verdict.UNKNOWN_CODE
    assert verify_uri(uri, KEYS, CodeState("destroyed")).verdict is Verdict.DESTROYED
    assert verify_uri(uri, KEYS, CodeState("decommissioned")).verdict is Verdict.DESTROYED
    assert verify_uri(uri, KEYS, CodeState("sold")).verdict is Verdict.ALREADY_SOLD
    assert verify_uri(uri, KEYS, CodeState("sold", clone_score=0.8)).verdict is Verdict.SUSPECTED_CLONE
    assert (
        verify_uri(uri, KEYS, CodeState("sold", clone_score=0.8, clone_status="dismissed")).verdict
        is Verdict.ALREADY_SOLD
    )
    assert (
        verify_uri(uri, KEYS, CodeState("issued", clone_score=0.1, clone_status="confirmed")).verdict
        is Verdict.SUSPECTED_CLONE
    )
    revoked = {KEY_ID: PublicKeyInfo(KEY_ID, "Maison Aurel", PRIVATE.public_key(), "revoked")}
    assert verify_uri(uri, revoked, CodeState("issued")).verdict is Verdict.REVOKED_KEY


@pytest.mark.parametrize(
    ("tamper", "verdict"),
    [
        (lambda u: u.replace("/21/Ab3dEf6hIj9kLm2n", "/21/Ab3dEf6hIj9kLm2N"), Verdict.BAD_SIGNATURE),
        (lambda u: u.replace(GTIN, "05012345678900"), Verdict.BAD_SIGNATURE),
        (lambda u: u.replace(GTIN, "09506000134353"), Verdict.MALFORMED),
        (lambda u: u[:-5], Verdict.BAD_SIGNATURE),
        (lambda u: u.split("?")[0], Verdict.BAD_SIGNATURE),
        (lambda u: u.replace("/01/", "/02/"), Verdict.MALFORMED),
        (lambda u: "ftp://" + u.removeprefix("https://"), Verdict.MALFORMED),
        (lambda u: u + "A" * 400, Verdict.MALFORMED),
    ],
    ids=[
        "changed serial",
        "changed GTIN",
        "bad check digit",
        "truncated signature",
        "no signature",
        "not a GTIN",
        "not https",
        "too long",
    ],
)
def test_tampered_uris_never_verify(tamper: object, verdict: Verdict) -> None:
    assert callable(tamper)
    result = verify_uri(tamper(signed_uri()), KEYS, CodeState("issued"))
    assert result.verdict is verdict and result.reasons


def test_a_code_naming_another_key_id_does_not_verify() -> None:
    other_key = generate_private_key()
    forged = build_uri("id.example.org", GTIN, "X1", sign_code(other_key, "ffffff", GTIN, "X1"))
    assert verify_uri(forged, KEYS, CodeState("issued")).verdict is Verdict.BAD_SIGNATURE
    # The right key id with someone else's signature fails too.
    impostor = build_uri("id.example.org", GTIN, "X1", sign_code(other_key, KEY_ID, GTIN, "X1"))
    assert verify_uri(impostor, KEYS, CodeState("issued")).verdict is Verdict.BAD_SIGNATURE


def test_private_keys_are_owner_only_and_public_keys_export_for_offline_verifiers(tmp_path: Path) -> None:
    path = save_private_key(tmp_path, 7, KEY_ID, PRIVATE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_private_key(tmp_path, 7, KEY_ID).public_key() == PRIVATE.public_key()
    with pytest.raises(FileExistsError):
        save_private_key(tmp_path, 7, KEY_ID, generate_private_key())
    text = export_public_keys(
        [
            {
                "key_id": KEY_ID,
                "org": "Maison Aurel",
                "status": "active",
                "public_key": public_key_text(PRIVATE.public_key()),
            }
        ]
    )
    loaded = load_public_keys(text)
    assert verify_uri(signed_uri(), loaded, None, online=False).verdict is Verdict.GENUINE
    with pytest.raises(CodeError):
        load_public_keys(json.dumps({"format": "other"}))


def test_the_fast_path_and_biip_read_every_printed_form_alike() -> None:
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI

    for serial in [random_serial() for _ in range(200)] + ["1", "A" * 20]:
        uri = signed_uri(serial)
        code = parse_uri(uri)
        link = {e.ai.ai: e.value for e in GS1DigitalLinkURI.parse(uri.split("?")[0]).element_strings}
        assert (code.gtin, code.serial) == (link["01"], link["21"])
    # Non-canonical forms (GTIN-13, an encoded serial, a lot qualifier) still parse, through biip.
    assert parse_uri("https://id.example.org/01/9506000134352/21/AB%2F1").serial == "AB/1"
    assert parse_uri("https://id.example.org/01/09506000134352/10/LOT1/21/S1").serial == "S1"
    with pytest.raises(CodeError, match="check digit"):
        parse_uri("https://id.example.org/01/09506000134353/21/S1")
