"""C2SP signed notes and tlog checkpoints with Ed25519 keys; never sign two inconsistent checkpoints."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from countermark.core.errors import Conflict, InvalidInput
from countermark.ledger.merkle import HASH_SIZE, verify_consistency

ED25519 = b"\x01"
EM_DASH = "\u2014"
_NAME = re.compile(r"^[^\s+]+$")
_SIZE = re.compile(r"^(0|[1-9][0-9]*)$")


class NoteError(InvalidInput):
    """A signed note or checkpoint that is malformed or whose signature does not verify."""


class InconsistentCheckpoint(Conflict):
    """A checkpoint that does not extend the last one signed: signing it would fork the log."""


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key that checks note signatures."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        """This key's 4-byte ID."""
        return key_id(self.name, self.public_key)

    def encode(self) -> str:
        """The verifier key text: name+hex(key ID)+base64(0x01 ‖ public key)."""
        encoded = base64.b64encode(ED25519 + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def decode(cls, text: str) -> Verifier:
        """Parse a verifier key text, checking its key ID."""
        name, hex_id, encoded = _split_key(text.strip(), 3)
        raw = _b64(encoded)
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("not an Ed25519 verifier key")
        verifier = cls(name=_check_name(name), public_key=raw[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise NoteError("the verifier key's ID does not match its name and key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether the signature is this key's over the text."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key that signs notes."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new random key under this name."""
        raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name=_check_name(name), seed=raw)

    def verifier(self) -> Verifier:
        """The matching public key."""
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return Verifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def encode(self) -> str:
        """The signer key text: PRIVATE+KEY+name+hex(key ID)+base64(0x01 ‖ seed)."""
        encoded = base64.b64encode(ED25519 + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier().key_id.hex()}+{encoded}"

    @classmethod
    def decode(cls, text: str) -> Signer:
        """Parse a signer key text, checking its key ID."""
        parts = _split_key(text.strip(), 5)
        if parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("not a signer key: it must start with PRIVATE+KEY+")
        raw = _b64(parts[4])
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("not an Ed25519 signer key")
        signer = cls(name=_check_name(parts[2]), seed=raw[1:])
        if signer.verifier().key_id.hex() != parts[3].lower():
            raise NoteError("the signer key's ID does not match its name and key")
        return signer

    def sign(self, text: bytes) -> bytes:
        """The Ed25519 signature of the text."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(text)

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, seed=<hidden>)"


def _split_key(text: str, parts: int) -> list[str]:
    # The base64 part may itself contain '+', so split only as often as there are fields before it.
    split = text.split("+", parts - 1)
    if len(split) != parts:
        raise NoteError("malformed key text")
    return split


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("malformed base64") from None


def sign_note(text: str, signer: Signer) -> str:
    """The signed note: the text, a blank line and the signer's signature line."""
    _check_text(text)
    signature = signer.verifier().key_id + signer.sign(text.encode())
    return f"{text}\n{EM_DASH} {signer.name} {base64.b64encode(signature).decode()}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note must not contain control characters other than newline")


def unverified_text(note: str) -> str:
    """The note's text without checking any signature (to read a note whose key is not at hand)."""
    text, separator, _ = note.rpartition("\n\n")
    if not separator:
        raise NoteError("a signed note needs a blank line before its signatures")
    return text + "\n"


def open_note(note: str, verifiers: Sequence[Verifier]) -> str:
    """The note's text when a known key's signature verifies and none fails; NoteError otherwise."""
    _check_text(note)
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures:
        raise NoteError("a signed note needs a blank line before its signatures")
    text += "\n"
    known = {(v.name, v.key_id): v for v in verifiers}
    verified = 0
    for line in signatures.removesuffix("\n").split("\n"):
        prefix, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        if prefix != EM_DASH or not name or not encoded or " " in encoded:
            raise NoteError(f"malformed signature line: {line[:80]!r}")
        raw = _b64(encoded)
        if len(raw) < 5:
            raise NoteError("a signature is too short")
        verifier = known.get((name, raw[:4]))
        if verifier is None:
            continue  # signatures of unknown keys are ignored, as the spec requires
        if not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"the signature of {name} does not verify: the note was changed")
        verified += 1
    if not verified:
        raise NoteError("no signature from a known key")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its RFC 9162 root hash."""

    origin: str
    size: int
    root_hash: bytes

    def body(self) -> str:
        """The checkpoint note text: origin, size and base64 root, each on its line."""
        if not self.origin or any(c.isspace() for c in self.origin):
            raise NoteError("a checkpoint origin must be non-empty, without spaces")
        if self.size < 0 or len(self.root_hash) != HASH_SIZE:
            raise NoteError("a checkpoint needs a size of zero or more and a 32-byte root")
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The checkpoint a note text describes (extension lines are ignored)."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not all(lines[:-1]):
            raise NoteError("a checkpoint is at least three non-empty lines, each ending in newline")
        if not _SIZE.match(lines[1]):
            raise NoteError(f"not a tree size: {lines[1][:40]!r}")
        root = _b64(lines[2])
        if len(root) != HASH_SIZE:
            raise NoteError("a checkpoint root hash has 32 bytes")
        return cls(origin=lines[0], size=int(lines[1]), root_hash=root)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a note signed by the signer."""
    return sign_note(checkpoint.body(), signer)


def verify_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint of a note whose signature by this key verifies; NoteError otherwise."""
    return Checkpoint.parse(open_note(note, [verifier]))


def sign_next_checkpoint(
    checkpoint: Checkpoint,
    signer: Signer,
    *,
    previous_note: str | None,
    consistency: Sequence[bytes] = (),
) -> str:
    """Sign the checkpoint only if the consistency proof shows it extends the previously signed one."""
    if previous_note is not None:
        previous = verify_checkpoint(previous_note, signer.verifier())
        if previous.origin != checkpoint.origin:
            raise InconsistentCheckpoint(
                f"the last checkpoint is for {previous.origin!r}, not {checkpoint.origin!r}"
            )
        if not verify_consistency(
            previous.size, checkpoint.size, consistency, previous.root_hash, checkpoint.root_hash
        ):
            raise InconsistentCheckpoint(
                f"refusing to sign size {checkpoint.size}: it is not consistent with the checkpoint "
                f"signed at size {previous.size} (the stored log was changed or truncated)"
            )
    return sign_checkpoint(checkpoint, signer)
