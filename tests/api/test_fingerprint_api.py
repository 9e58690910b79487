"""The fingerprint API: hash, lookup, compare, banks and entries, across organisations and bad input."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from countermark.fingerprint import content, mediatools
from tests.api.conftest import Actors
from tests.unit.test_fingerprint_media import make_sounds, make_videos

API = "/api/v1/fingerprint"


def photo(seed: int, size: tuple[int, int] = (400, 300)) -> bytes:
    """A JPEG of random coloured blocks, different for every seed."""
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).resize(
        size, Image.Resampling.BICUBIC
    )
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        draw.rectangle(
            (x, y, x + int(rng.integers(8, 60)), y + int(rng.integers(8, 60))),
            fill=tuple(int(c) for c in rng.integers(0, 256, 3)),
        )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def reencoded(data: bytes, quality: int = 40) -> bytes:
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def make_bank(client: TestClient, actors: Actors, org: str = "brand", **fields: Any) -> dict[str, Any]:
    body = {"name": "genuine", "purpose": "genuine", "tlp": "RED", "match_scope": "everyone", **fields}
    response = client.post(f"{API}/banks", json=body, headers=actors.headers(org))
    assert response.status_code == 201, response.text
    return dict(response.json())


def enrol(
    client: TestClient, actors: Actors, bank_id: int, data: bytes, org: str = "brand", name: str = "item.jpg"
) -> list[dict[str, Any]]:
    response = client.post(
        f"{API}/banks/{bank_id}/entries",
        files={"file": (name, data)},
        data={"label": name},
        headers=actors.headers(org),
    )
    assert response.status_code == 201, response.text
    return list(response.json())


def lookup(client: TestClient, actors: Actors, org: str, data: bytes) -> Any:
    response = client.post(f"{API}/lookup", files={"file": ("suspect", data)}, headers=actors.headers(org))
    assert response.status_code == 200, response.text
    return response.json()


def test_hash_tells_the_kind_and_gives_signals_with_their_threshold(
    client: TestClient, actors: Actors
) -> None:
    image = client.post(f"{API}/hash", files={"file": ("a.jpg", photo(1))}, headers=actors.headers("customs"))
    assert image.status_code == 200
    assert image.json()["kind"] == "image"
    (signal,) = image.json()["signals"]
    assert signal["signal_type"] == "pdq" and len(signal["signal"]) == 64
    assert "31" in signal["threshold"] and "PDQ" in signal["source"]
    blob = client.post(
        f"{API}/hash", files={"file": ("x.bin", bytes(range(256)) * 4)}, headers=actors.headers("customs")
    )
    assert blob.json()["kind"] == "file"
    assert {s["signal_type"] for s in blob.json()["signals"]} == {"sha256", "tlsh"}


@pytest.mark.parametrize(
    ("files", "data", "status"),
    [
        (None, None, 422),  # no file at all
        ({"file": ("empty.jpg", b"")}, None, 422),
        ({"file": ("big.bin", b"x" * (content.MAX_UPLOAD_BYTES + 1))}, None, 413),
        ({"file": ("a.txt", b"plain words, not a picture")}, {"kind": "image"}, 422),
        ({"file": ("a.txt", b"plain words, not a video")}, {"kind": "video"}, 422),
        ({"file": ("a.jpg", b"\xff\xd8\xff\xe0 truncated jpeg")}, {"kind": "image"}, 422),
        ({"file": ("a.jpg", b"data")}, {"kind": "hologram"}, 422),
    ],
)
def test_hash_refuses_missing_large_or_wrong_input_with_a_client_error(
    client: TestClient, actors: Actors, files: Any, data: Any, status: int
) -> None:
    response = client.post(f"{API}/hash", files=files, data=data, headers=actors.headers("customs"))
    assert response.status_code == status, response.text
    assert response.json()["message"]


def test_the_fingerprint_api_needs_a_token(client: TestClient) -> None:
    assert client.get(f"{API}/banks").status_code == 401


def test_a_match_only_organisation_learns_the_match_but_not_the_entry(
    client: TestClient, actors: Actors
) -> None:
    bank = make_bank(client, actors)
    (entry,) = enrol(client, actors, bank["id"], photo(7))
    suspect = reencoded(photo(7))
    (theirs,) = lookup(client, actors, "customs", suspect)["matches"]
    assert theirs["bank_id"] == bank["id"] and theirs["stage"] == "pdq" and theirs["distance"] <= 31
    assert theirs["readable"] is False
    assert theirs["entry_id"] is None and theirs["label"] is None and theirs["signal"] is None
    assert theirs["blob_sha256"] is None
    (mine,) = lookup(client, actors, "brand", suspect)["matches"]
    assert mine["entry_id"] == entry["id"] and mine["label"] == "item.jpg"
    assert lookup(client, actors, "customs", photo(8))["matches"] == []


def test_an_organisation_that_may_not_read_a_bank_cannot_see_it_or_its_entries(
    client: TestClient, actors: Actors
) -> None:
    bank = make_bank(client, actors, match_scope="readers")
    (entry,) = enrol(client, actors, bank["id"], photo(3))
    customs = actors.headers("customs")
    assert client.get(f"{API}/banks/{bank['id']}", headers=customs).status_code == 404
    assert client.get(f"{API}/banks/{bank['id']}/entries", headers=customs).status_code == 404
    assert client.get(f"{API}/entries/{entry['id']}/image", headers=customs).status_code == 404
    assert all(b["id"] != bank["id"] for b in client.get(f"{API}/banks", headers=customs).json())
    assert lookup(client, actors, "customs", photo(3))["matches"] == []  # not even a match
    own = client.get(f"{API}/banks/{bank['id']}/entries", headers=actors.headers("brand"))
    assert [e["id"] for e in own.json()] == [entry["id"]]
    image = client.get(f"{API}/entries/{entry['id']}/image", headers=actors.headers("brand"))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"


def test_readers_who_do_not_own_a_bank_cannot_change_it(client: TestClient, actors: Actors) -> None:
    bank = make_bank(client, actors, tlp="GREEN")
    (entry,) = enrol(client, actors, bank["id"], photo(4))
    customs = actors.headers("customs")
    assert client.get(f"{API}/banks/{bank['id']}/entries", headers=customs).status_code == 200
    add = client.post(
        f"{API}/banks/{bank['id']}/entries", files={"file": ("a.jpg", photo(5))}, headers=customs
    )
    assert add.status_code == 403
    assert (
        client.put(f"{API}/banks/{bank['id']}/enabled", json={"enabled": False}, headers=customs).status_code
        == 403
    )
    assert (
        client.put(
            f"{API}/entries/{entry['id']}/enabled", json={"enabled": False}, headers=customs
        ).status_code
        == 403
    )


def test_a_disabled_entry_or_bank_stops_matching_and_comes_back(client: TestClient, actors: Actors) -> None:
    bank = make_bank(client, actors)
    (entry,) = enrol(client, actors, bank["id"], photo(9))
    brand = actors.headers("brand")
    off = client.put(f"{API}/entries/{entry['id']}/enabled", json={"enabled": False}, headers=brand)
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert lookup(client, actors, "customs", photo(9))["matches"] == []
    client.put(f"{API}/entries/{entry['id']}/enabled", json={"enabled": True}, headers=brand)
    assert len(lookup(client, actors, "customs", photo(9))["matches"]) == 1
    assert (
        client.put(f"{API}/banks/{bank['id']}/enabled", json={"enabled": False}, headers=brand).json()[
            "enabled"
        ]
        is False
    )
    assert lookup(client, actors, "customs", photo(9))["matches"] == []


def test_lookup_by_a_pdq_signal_and_refusal_of_a_bad_one(client: TestClient, actors: Actors) -> None:
    bank = make_bank(client, actors)
    (entry,) = enrol(client, actors, bank["id"], photo(11))
    found = client.post(
        f"{API}/lookup",
        data={"signal_type": "pdq", "signal": entry["signal"]},
        headers=actors.headers("customs"),
    )
    assert found.status_code == 200 and found.json()["matches"][0]["distance"] == 0
    for form in ({"signal_type": "pdq", "signal": "xyz"}, {"signal_type": "smell", "signal": "x"}, {}):
        bad = client.post(f"{API}/lookup", data=form, headers=actors.headers("customs"))
        assert bad.status_code == 422, bad.text


def test_compare_gives_the_distance_and_the_threshold_per_signal(client: TestClient, actors: Actors) -> None:
    same = client.post(
        f"{API}/compare",
        files={"a": ("a.jpg", photo(2)), "b": ("b.jpg", reencoded(photo(2)))},
        headers=actors.headers("police"),
    )
    assert same.status_code == 200
    (pdq,) = same.json()["comparisons"]
    assert pdq["signal_type"] == "pdq" and pdq["is_match"] and pdq["value"] <= 31 and pdq["threshold"]
    other = client.post(
        f"{API}/compare",
        files={"a": ("a.jpg", photo(2)), "b": ("b.jpg", photo(12))},
        headers=actors.headers("police"),
    )
    assert other.json()["comparisons"][0]["is_match"] is False
    mixed = client.post(
        f"{API}/compare",
        files={"a": ("a.jpg", photo(2)), "b": ("b.bin", b"x" * 300)},
        headers=actors.headers("police"),
    )
    assert mixed.status_code == 422 and "nothing to compare" in mixed.json()["message"]
    assert (
        client.post(
            f"{API}/compare", files={"a": ("a.jpg", photo(2))}, headers=actors.headers("police")
        ).status_code
        == 422
    )


def test_bulk_enrolment_refuses_blobs_the_organisation_may_not_see(
    client: TestClient, actors: Actors
) -> None:
    bank = make_bank(client, actors)
    brand = actors.headers("brand")
    (entry,) = enrol(client, actors, bank["id"], photo(21))
    other_bank = make_bank(client, actors, name="second")
    body = {"items": [{"sha256": entry["blob_sha256"], "label": "again"}, {"sha256": "0" * 64}]}
    done = client.post(f"{API}/banks/{other_bank['id']}/entries/bulk", json=body, headers=brand)
    # A bank entry's picture is no product or listing record, so the blob rules do not let it be re-used;
    # an unknown digest is refused the same way (no existence leak).
    assert done.status_code == 201
    assert done.json()["entries"] == []
    assert [p.split(":")[1].strip() for p in done.json()["problems"]] == [
        "no stored file that you may see"
    ] * 2
    bad = client.post(
        f"{API}/banks/{other_bank['id']}/entries/bulk", json={"items": [{"sha256": "nope"}]}, headers=brand
    )
    assert bad.status_code == 422


def test_a_zip_enrols_every_picture_and_explains_the_rest(client: TestClient, actors: Actors) -> None:
    bank = make_bank(client, actors)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("one.jpg", photo(31))
        archive.writestr("two.jpg", photo(32))
        archive.writestr("flat.png", _flat_png())
    done = client.post(
        f"{API}/banks/{bank['id']}/entries/zip",
        files={"file": ("set.zip", buf.getvalue())},
        headers=actors.headers("brand"),
    )
    assert done.status_code == 201, done.text
    assert sorted(e["label"] for e in done.json()["entries"]) == ["one.jpg", "two.jpg"]
    assert len(done.json()["problems"]) == 1 and "flat.png" in done.json()["problems"][0]
    assert len(lookup(client, actors, "customs", photo(32))["matches"]) == 1
    broken = client.post(
        f"{API}/banks/{bank['id']}/entries/zip",
        files={"file": ("x.zip", b"PK not a zip")},
        headers=actors.headers("brand"),
    )
    assert broken.status_code == 422


def _flat_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (200, 200), (128, 128, 128)).save(buf, "PNG")
    return buf.getvalue()


def test_bank_creation_is_validated(client: TestClient, actors: Actors) -> None:
    make_bank(client, actors)
    brand = actors.headers("brand")
    again = client.post(f"{API}/banks", json={"name": "genuine", "purpose": "genuine"}, headers=brand)
    assert again.status_code == 409
    for body in (
        {"name": "", "purpose": "genuine"},
        {"name": "x", "purpose": "fake"},
        {"name": "x", "purpose": "genuine", "tlp": "PURPLE"},
        {"name": "x", "purpose": "genuine", "sharing_group_id": 999},
    ):
        assert client.post(f"{API}/banks", json=body, headers=brand).status_code == 422, body


@pytest.mark.skipif(
    not (mediatools.available("ffmpeg") and mediatools.available("fpcalc")),
    reason="ffmpeg or fpcalc not installed (Debian: apt install ffmpeg libchromaprint-tools)",
)
def test_videos_and_sounds_are_enrolled_and_their_copies_found(
    client: TestClient, actors: Actors, tmp_path: Path
) -> None:
    bank = make_bank(client, actors)
    videos, sounds = make_videos(tmp_path), make_sounds(tmp_path)
    (clip,) = enrol(client, actors, bank["id"], videos["original"], name="clip.mp4")
    (tune,) = enrol(client, actors, bank["id"], sounds["melody"], name="tune.wav")
    assert (clip["signal_type"], tune["signal_type"]) == ("video", "audio")
    (video_match,) = lookup(client, actors, "customs", videos["copy"])["matches"]
    assert video_match["signal_type"] == "video" and video_match["measures"]["query_share"] == 1.0
    assert video_match["entry_id"] is None  # match-only: no entry details
    (audio_match,) = lookup(client, actors, "brand", sounds["copy"])["matches"]
    assert audio_match["entry_id"] == tune["id"] and audio_match["measures"]["bit_error_rate"] <= 0.35
    assert lookup(client, actors, "customs", videos["unrelated"])["matches"] == []
    assert lookup(client, actors, "customs", sounds["other_melody"])["matches"] == []
