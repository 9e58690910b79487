"""The log's signing key: a file in the data directory, owner-readable only, never in the database."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.ledger.checkpoint import Signer, Verifier

DEFAULT_ORIGIN = "countermark.local/ledger"


def key_paths(key_dir: Path) -> tuple[Path, Path]:
    """(private key file, public key file) in the ledger's key directory (`Settings.ledger_dir`)."""
    return key_dir / "signing.key", key_dir / "signing.pub"


def create_signing_key(*, key_dir: Path, name: str = DEFAULT_ORIGIN) -> Signer:
    """Generate a key and write it (mode 0600) with its public half; Conflict when one exists."""
    private, public = key_paths(key_dir)
    if private.exists():
        raise Conflict(f"a signing key already exists at {private}: a log keeps its key")
    private.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    signer = Signer.generate(name)
    # O_EXCL and an explicit mode: the private key is never, even briefly, readable by others.
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.encode() + "\n")
    public.write_text(signer.verifier().encode() + "\n", encoding="utf-8")
    return signer


def load_signer(*, key_dir: Path) -> Signer:
    """The log's signing key; refused when the file is readable by anyone but its owner."""
    private, _ = key_paths(key_dir)
    if not private.exists():
        raise NotFound(f"no signing key at {private}: run `countermark ledger keygen`")
    if stat.S_IMODE(private.stat().st_mode) & 0o077:
        raise InvalidInput(f"{private} is readable by others: run `chmod 600 {private}`")
    return Signer.decode(private.read_text(encoding="utf-8"))


def load_or_create_signer(*, key_dir: Path, name: str = DEFAULT_ORIGIN) -> Signer:
    """The log's signing key, created on first use."""
    private, _ = key_paths(key_dir)
    if private.exists():
        return load_signer(key_dir=key_dir)
    return create_signing_key(key_dir=key_dir, name=name)


def load_verifier(*, key_dir: Path) -> Verifier:
    """The log's public key."""
    _, public = key_paths(key_dir)
    if not public.exists():
        raise NotFound(f"no public key at {public}: run `countermark ledger keygen`")
    return Verifier.decode(public.read_text(encoding="utf-8"))
