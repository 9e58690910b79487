"""C2SP signed notes and checkpoints: known answers, tampering, and refusal to fork the log."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from countermark.core.errors import Conflict, InvalidInput
from countermark.ledger import merkle
from countermark.ledger.checkpoint import (
    Checkpoint,
    InconsistentCheckpoint,
    NoteError,
    Signer,
    Verifier,
    open_note,
    sign_checkpoint,
    sign_next_checkpoint,
    sign_note,
    verify_checkpoint,
)
from countermark.ledger.keys import create_signing_key, key_paths, load_signer, load_verifier

# Known answer from golang.org/x/mod/sumdb/note (the reference implementation of the signed-note format),
# as quoted in its package documentation; copied as data.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# Example from the C2SP signed-note specification (c2sp.org/signed-note), copied as data.
SPEC_VERIFIER = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
ORIGIN = "test.countermark/ledger"


def test_signing_reproduces_the_reference_note_byte_for_byte() -> None:
    signer = Signer.decode(GO_SIGNER)
    assert signer.verifier().encode() == GO_VERIFIER
    assert signer.encode() == GO_SIGNER
    assert sign_note(GO_TEXT, signer) == GO_TEXT + "\n" + GO_SIGNATURE
    assert open_note(GO_TEXT + "\n" + GO_SIGNATURE, [Verifier.decode(GO_VERIFIER)]) == GO_TEXT


def test_the_specification_example_opens() -> None:
    assert open_note(SPEC_NOTE, [Verifier.decode(SPEC_VERIFIER)]) == "This is an example message.\n"


def test_a_changed_text_or_signature_is_rejected() -> None:
    verifier = Verifier.decode(GO_VERIFIER)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO_TEXT.replace("answer", "question") + "\n" + GO_SIGNATURE, [verifier])
    raw = bytearray(base64.b64decode(GO_SIGNATURE.split()[-1]))
    raw[10] ^= 1
    forged = f"— PeterNeumann {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO_TEXT + "\n" + forged, [verifier])


def test_signatures_of_unknown_keys_are_ignored_but_one_known_is_needed() -> None:
    other = Signer.generate("PeterNeumann")
    note = GO_TEXT + "\n" + GO_SIGNATURE + sign_note(GO_TEXT, other).split("\n\n")[-1]
    assert open_note(note, [Verifier.decode(GO_VERIFIER)]) == GO_TEXT
    with pytest.raises(NoteError, match="no signature from a known key"):
        open_note(GO_TEXT + "\n" + GO_SIGNATURE, [other.verifier()])


@pytest.mark.parametrize(
    "key",
    ["PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "Peter+c74f20a3", "x+00+!!"],
)
def test_malformed_or_mismatched_verifier_keys_are_refused(key: str) -> None:
    with pytest.raises(NoteError):
        Verifier.decode(key)


def test_a_checkpoint_body_is_origin_size_and_base64_root() -> None:
    root = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
    checkpoint = Checkpoint(ORIGIN, 8, root)
    assert checkpoint.body() == f"{ORIGIN}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    assert Checkpoint.parse(checkpoint.body()) == checkpoint
    signer = Signer.generate(ORIGIN)
    assert verify_checkpoint(sign_checkpoint(checkpoint, signer), signer.verifier()) == checkpoint


@pytest.mark.parametrize("body", ["o\n08\nAAAA\n", "o\n8\n", "o\n-1\n" + "A" * 44 + "\n", "o\n8\nAAAA\n"])
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(body)


def _tree(count: int) -> list[bytes]:
    return [merkle.leaf_hash(str(i).encode()) for i in range(count)]


def test_a_checkpoint_extending_the_last_one_is_signed() -> None:
    signer, leaves = Signer.generate(ORIGIN), _tree(9)
    first = sign_checkpoint(Checkpoint(ORIGIN, 5, merkle.root_hash(leaves[:5])), signer)
    proof = merkle.consistency_proof(leaves, 5, 9)
    second = sign_next_checkpoint(
        Checkpoint(ORIGIN, 9, merkle.root_hash(leaves)), signer, previous_note=first, consistency=proof
    )
    assert verify_checkpoint(second, signer.verifier()).size == 9


def test_an_inconsistent_checkpoint_is_refused() -> None:
    signer, leaves = Signer.generate(ORIGIN), _tree(9)
    first = sign_checkpoint(Checkpoint(ORIGIN, 5, merkle.root_hash(leaves[:5])), signer)
    forked = [*leaves[:2], merkle.leaf_hash(b"rewritten"), *leaves[3:]]
    with pytest.raises(InconsistentCheckpoint, match="not consistent"):
        sign_next_checkpoint(
            Checkpoint(ORIGIN, 9, merkle.root_hash(forked)),
            signer,
            previous_note=first,
            consistency=merkle.consistency_proof(forked, 5, 9),
        )
    with pytest.raises(InconsistentCheckpoint):
        sign_next_checkpoint(Checkpoint(ORIGIN, 4, merkle.root_hash(leaves[:4])), signer, previous_note=first)
    with pytest.raises(InconsistentCheckpoint):
        sign_next_checkpoint(Checkpoint(ORIGIN, 5, merkle.root_hash(forked[:5])), signer, previous_note=first)


def test_the_signing_key_file_is_private_and_loads_back(tmp_path: Path) -> None:
    signer = create_signing_key(key_dir=tmp_path / "ledger", name=ORIGIN)
    private, public = key_paths(tmp_path / "ledger")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert load_signer(key_dir=tmp_path / "ledger") == signer
    assert load_verifier(key_dir=tmp_path / "ledger") == signer.verifier()
    assert "PRIVATE" not in public.read_text() and signer.seed.hex() not in repr(signer)
    with pytest.raises(Conflict):
        create_signing_key(key_dir=tmp_path / "ledger", name=ORIGIN)
    os.chmod(private, 0o644)
    with pytest.raises(InvalidInput, match="chmod 600"):
        load_signer(key_dir=tmp_path / "ledger")
