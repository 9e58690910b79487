"""The secrets this instance presents to partners, encrypted at rest (Fernet) with a key of the data dir.

A partner issues us a token (or basic credentials) that we must send back on every pull, push, request
and private matching: it has to be readable, so it cannot be hashed; it is kept sealed with a Fernet key
made once in `<data_dir>/keys/share-tokens.fernet` (0600), never in the database, so a copy of the
database alone does not hand out our partners' credentials. A sealed value names the key it was sealed
with (`fernet:<key id>:<token>`): opening it with another key fails with a clear message, not garbage.

Which key belongs to a store: the command line, the web app, the demo and the bench register the key
directory of their settings for their engine (`use_keys_of`); an engine nobody registered that is an
SQLite file falls back to the `keys/` folder beside the file (the default layout of a data directory);
any other store without a registered key cannot open a secret (a clear error, never a plain-text
fallback).
"""

from __future__ import annotations

import hashlib
import os
import threading
import weakref
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine
from sqlalchemy.orm import Session

KEY_FILE = "share-tokens.fernet"
SEALED_PREFIX = "fernet:"


class VaultError(RuntimeError):
    """A sealed secret that this instance's key cannot open, or no key for the store."""


def key_file(keys_dir: Path) -> bytes:
    """The Fernet key in the directory, made once (0600); concurrent first callers all read the same."""
    path = keys_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key())
        except FileExistsError:
            pass
    return path.read_bytes().strip()


class TokenVault:
    """Seals and opens partner secrets with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self.key_id = hashlib.sha256(key).hexdigest()[:8]

    @classmethod
    def in_directory(cls, keys_dir: Path) -> TokenVault:
        """The vault of the key kept in this directory (made on first use)."""
        return cls(key_file(keys_dir))

    def seal(self, raw: str) -> str:
        """The stored form of a secret."""
        return f"{SEALED_PREFIX}{self.key_id}:{self._fernet.encrypt(raw.encode()).decode()}"

    def open(self, sealed: str) -> str:
        """The secret back; VaultError when it was not sealed with this key."""
        head, _, body = sealed.removeprefix(SEALED_PREFIX).partition(":")
        if not sealed.startswith(SEALED_PREFIX) or head != self.key_id:
            raise VaultError(
                "a partner secret was sealed with another key than this instance's "
                f"({KEY_FILE} in the keys directory): set the partner's token again"
            )
        try:
            return self._fernet.decrypt(body.encode()).decode()
        except InvalidToken as exc:
            raise VaultError("a partner secret is damaged: set the partner's token again") from exc


def hint_of(raw: str) -> str:
    """What may be shown of a secret: its public part, never the secret itself.

    Countermark tokens are `cm_<prefix>_<secret>` (the prefix is the lookup id, not secret); basic
    credentials show the user; anything else shows its first four characters.
    """
    if raw.startswith("basic:"):
        return "basic:" + raw.removeprefix("basic:").partition(":")[0][:30] + ":…"
    parts = raw.split("_")
    if len(parts) == 3 and parts[0] == "cm" and len(parts[1]) <= 16:
        return f"cm_{parts[1]}_…"
    return raw[:4] + "…"


_vaults: weakref.WeakKeyDictionary[Engine, TokenVault] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def use_keys(engine: Engine, keys_dir: Path) -> TokenVault:
    """Register the key directory of a store's engine (what its settings name); the vault."""
    vault = TokenVault.in_directory(keys_dir)
    with _lock:
        _vaults[engine] = vault
    return vault


def sqlite_keys_dir(engine: Engine) -> Path | None:
    """The `keys/` folder beside an SQLite file (the default layout), None for other stores."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).resolve().parent / "keys"


def vault_of(engine: Engine) -> TokenVault:
    """The vault of a store: the key registered for its engine, else beside its SQLite file."""
    with _lock:
        found = _vaults.get(engine)
    if found is not None:
        return found
    directory = sqlite_keys_dir(engine)
    if directory is None:
        raise VaultError(
            "no key to seal partner secrets for this store: the command line and the web app register "
            "the settings' keys directory (share.token_vault.use_keys)"
        )
    return use_keys(engine, directory)


def vault_for(session: Session) -> TokenVault:
    """The vault of the store a session works on."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return vault_of(engine)
