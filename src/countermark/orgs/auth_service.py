"""Passwords (Argon2), browser sessions and API tokens: the credentials a user acts with.

Sign-in and its throttling are in `signin_service.py`; password changes, resets and disabling users in
`users_service.py`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.orm import InstanceState, ORMExecuteState, Session, sessionmaker

from countermark.core.clock import utcnow
from countermark.core.errors import CountermarkError, Forbidden, InvalidInput, NotFound
from countermark.orgs.models import ApiToken, SharingGroupMember, User, WebSession
from countermark.orgs.service import group_ids_of, record_audit
from countermark.orgs.visibility import Principal

SCOPES = ("read", "write", "admin")
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "write", "admin"}),
    "analyst": frozenset({"read", "write"}),
    "officer": frozenset({"read", "write"}),
    "viewer": frozenset({"read"}),
}
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000  # Argon2 takes any length; a bound keeps one request from hashing megabytes
MAX_TOKEN_DAYS = 730
TOKEN_PREFIX = "cm"
LAST_USED_PRECISION = timedelta(minutes=1)  # how stale a token's last_used_at may be
TOKEN_CACHE_SECONDS = 5.0  # how long another process's revocation may take to reach a worker
CREDENTIAL_MODELS = (ApiToken, User, WebSession, SharingGroupMember)
CHANGED_KEY = "countermark.credentials_changed"

_hasher = PasswordHasher()


class NotAuthenticated(CountermarkError):
    """No valid credential: wrong password, unknown, expired or revoked token, or a disabled account."""

    status = 401
    code = "not_authenticated"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def has_control_characters(text: str) -> bool:
    """Whether the text holds characters no name may contain (NUL is also refused by PostgreSQL)."""
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


# Passwords


def set_password(*, session: Session, user: User, password: str) -> None:
    """Store the Argon2 hash of a new password (10 to 1000 characters)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.of("a password needs at least {least} characters", least=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput.of("a password has at most {most} characters", most=MAX_PASSWORD_LENGTH)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utcnow()
    session.flush()


def generate_password() -> str:
    """A random password of 20 URL-safe characters (120 bits), for an administrator's reset."""
    return secrets.token_urlsafe(15)


def verify_password(*, user: User | None, password: str) -> bool:
    """Whether the password is the user's; as slow for an unknown user as for a wrong password."""
    if user is None or not user.password_hash:
        _hasher.hash(password)  # so that unknown accounts take as long as wrong passwords
        return False
    try:
        ok = _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if ok and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)  # parameters were raised since it was stored
    return ok


# Principals


def principal_for_user(*, session: Session, user: User, scopes: frozenset[str] | None = None) -> Principal:
    """The principal a user acts as (with the sharing groups of their organisation)."""
    allowed = ROLE_SCOPES.get(user.role, frozenset({"read"}))
    return Principal(
        org_id=user.org_id,
        user_id=user.id,
        role=user.role,
        scopes=allowed if scopes is None else allowed & scopes,
        group_ids=group_ids_of(session, user.org_id),
        email=user.email,
        locale=user.locale,
    )


# Browser sessions


def start_web_session(*, session: Session, user: User, origin: str | None) -> tuple[str, WebSession]:
    """Open a browser session; the raw token (for the cookie) and the stored session."""
    raw = secrets.token_urlsafe(32)
    web_session = WebSession(
        user_id=user.id,
        token_hash=_digest(raw),
        csrf_token=secrets.token_urlsafe(24),
        expires_at=utcnow() + SESSION_LIFETIME,
        origin=origin,
    )
    session.add(web_session)
    session.flush()
    record_audit(
        session=session,
        actor=user.email,
        org_id=user.org_id,
        action="sign_in",
        subject_type="user",
        subject_id=str(user.id),
        origin=origin,
    )
    return raw, web_session


def web_session_of(*, session: Session, raw: str) -> tuple[WebSession, User] | None:
    """The live session and user of a cookie token, or None (also when the user was disabled)."""
    found = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(raw)))
    if found is None or found.expires_at <= utcnow():
        return None
    user = session.get(User, found.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return found, user


def end_web_session(*, session: Session, raw: str) -> None:
    """Sign out: forget the session."""
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(raw)))


def end_web_sessions(*, session: Session, user_id: int, keep_id: int | None = None) -> int:
    """Sign the user out everywhere (except the session `keep_id`); how many sessions ended."""
    query = delete(WebSession).where(WebSession.user_id == user_id)
    if keep_id is not None:
        query = query.where(WebSession.id != keep_id)
    ended = session.execute(query).rowcount  # type: ignore[attr-defined]
    session.flush()
    return int(ended or 0)


# API tokens


def create_api_token(
    *,
    session: Session,
    user: User,
    name: str,
    scopes: list[str],
    expires_in_days: int | None = 90,
    held: frozenset[str] | None = None,
    creator: ApiToken | None = None,
) -> tuple[str, ApiToken]:
    """A new API token for the user; the raw value is shown once and only its hash is kept.

    Every token expires (1 to 730 days). `held` are the scopes of whoever asks (default: the user's role's)
    and the token gets no scope beyond them; when the request came with a token (`creator`), the new one
    also expires no later than it, so a leaked short-lived token cannot mint a lasting one.
    """
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput.of(
            "scopes must be among {scopes}; got {unknown}",
            scopes=", ".join(SCOPES),
            unknown=", ".join(unknown) or "none",
        )
    allowed = ROLE_SCOPES.get(user.role, frozenset({"read"})) if held is None else held
    if not set(scopes) <= allowed:
        raise Forbidden.of(
            "you can grant only scopes you have: {scopes}", scopes=", ".join(sorted(allowed)) or "none"
        )
    if not name.strip() or len(name) > 100 or has_control_characters(name):
        raise InvalidInput.of("a token needs a name of 1 to 100 characters, without control characters")
    if expires_in_days is None or not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidInput.of(
            "every token expires: give expires_in_days from 1 to {most}", most=MAX_TOKEN_DAYS
        )
    now = utcnow()
    expires_at = now + timedelta(days=expires_in_days)
    if creator is not None and creator.expires_at is not None:
        expires_at = min(expires_at, creator.expires_at)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=prefix,
        token_hash=_digest(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    record_audit(
        session=session,
        actor=user.email,
        org_id=user.org_id,
        action="create",
        subject_type="api_token",
        subject_id=str(token.id),
        detail={
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": expires_at.isoformat(),
            **({"by_token": creator.id} if creator is not None else {}),
        },
    )
    return f"{TOKEN_PREFIX}_{prefix}_{secret}", token


def api_token_of(*, session: Session, raw: str) -> ApiToken | None:
    """The stored token whose secret this is, if any (whatever its state)."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or len(parts[1]) > 16:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
    if token is None or not secrets.compare_digest(token.token_hash, _digest(parts[2])):
        return None
    return token


def principal_from_api_token(*, session: Session, raw: str) -> Principal:
    """The principal of a bearer token; NotAuthenticated if unknown, expired, revoked or its user disabled."""
    return _token_principal(session, raw)[0]


def _token_principal(session: Session, raw: str) -> tuple[Principal, ApiToken]:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise NotAuthenticated.of("malformed API token")
    token = api_token_of(session=session, raw=raw)
    if token is None:
        raise NotAuthenticated.of("unknown API token")
    now = utcnow()
    if token.revoked_at is not None:
        raise NotAuthenticated.of("this API token was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise NotAuthenticated.of("this API token has expired")
    user = session.get(User, token.user_id)
    if user is None:
        raise NotAuthenticated.of("the token's user no longer exists")
    if user.disabled_at is not None:
        raise NotAuthenticated.of("the token's user is disabled")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now  # a write per request would queue every reader behind one writer
    return principal_for_user(session=session, user=user, scopes=frozenset(token.scopes)), token


class TokenCache:
    """Principals of recently verified bearer tokens, by the SHA-256 of the raw token, for a few seconds.

    Verifying a token reads the token, its user and the organisation's sharing groups: three queries on
    every API request. A principal is reused for `ttl` seconds at most, and never past its token's expiry.
    Any change to tokens, users, sessions or sharing groups made through the sessions it watches (this
    process) empties it at once; a change made by another process (a worker, the command line) takes
    effect within `ttl` seconds.
    """

    def __init__(self, ttl: float = TOKEN_CACHE_SECONDS, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, datetime | None, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, raw: str) -> Principal | None:
        """The principal of a token verified less than `ttl` seconds ago and not expired since, if any."""
        key = _digest(raw)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        until, expires_at, principal = entry
        if time.monotonic() >= until or (expires_at is not None and expires_at <= utcnow()):
            with self._lock:
                self._entries.pop(key, None)
            return None
        return principal

    def put(self, raw: str, principal: Principal, expires_at: datetime | None) -> None:
        """Remember a verified token's principal."""
        with self._lock:
            if len(self._entries) >= self.max_entries:
                now = time.monotonic()
                for stale in [k for k, (until, _, _) in self._entries.items() if until <= now]:
                    del self._entries[stale]
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[_digest(raw)] = (time.monotonic() + self.ttl, expires_at, principal)

    def clear(self) -> None:
        """Forget every principal (a credential changed)."""
        with self._lock:
            self._entries.clear()

    def watch(self, sessions: sessionmaker[Session]) -> TokenCache:
        """Empty the cache whenever these sessions write tokens, users, sessions or sharing groups."""

        # Emptied when the change is flushed and again when it commits, so that a request verifying the
        # token in between (reading the state before the commit) cannot keep the old principal.
        def changed(session: Session) -> None:
            session.info[CHANGED_KEY] = True
            self.clear()

        def after_flush(session: Session, _context: object) -> None:
            touched = (*session.new, *session.dirty, *session.deleted)
            if any(_credential_change(instance) for instance in touched):
                changed(session)

        def on_execute(state: ORMExecuteState) -> None:
            mapper = state.bind_mapper
            writes = state.is_update or state.is_delete
            if writes and mapper is not None and issubclass(mapper.class_, CREDENTIAL_MODELS):
                changed(state.session)

        def after_commit(session: Session) -> None:
            if session.info.pop(CHANGED_KEY, False):
                self.clear()

        event.listen(sessions, "after_flush", after_flush)
        event.listen(sessions, "do_orm_execute", on_execute)
        event.listen(sessions, "after_commit", after_commit)
        return self


def _credential_change(instance: object) -> bool:
    """Whether a flushed object changes who may act (a token's `last_used_at` alone does not)."""
    if not isinstance(instance, CREDENTIAL_MODELS):
        return False
    state: InstanceState[Any] = inspect(instance)
    if not isinstance(instance, ApiToken) or state.pending or state.deleted or state.was_deleted:
        return True
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return bool(changed - {"last_used_at"})


def verified_token_principal(*, session: Session, raw: str, cache: TokenCache | None = None) -> Principal:
    """`principal_from_api_token`, remembered in the cache when one is given."""
    if cache is not None:
        found = cache.get(raw)
        if found is not None:
            return found
    principal, token = _token_principal(session, raw)
    if cache is not None:
        cache.put(raw, principal, token.expires_at)
    return principal


def list_api_tokens(*, session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc()))
    )


def revoke_api_token(*, session: Session, user: User, token_id: int, origin: str | None = None) -> ApiToken:
    """Revoke one of the user's tokens (admins of the organisation may revoke its members' tokens)."""
    token = session.get(ApiToken, token_id)
    owner = session.get(User, token.user_id) if token else None
    if token is None or owner is None or owner.org_id != user.org_id:
        raise NotFound.of("no API token {token_id}", token_id=token_id)
    if owner.id != user.id and user.role != "admin":
        raise Forbidden.of("you may revoke only your own tokens")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_audit(
            session=session,
            actor=user.email,
            org_id=user.org_id,
            action="revoke",
            subject_type="api_token",
            subject_id=str(token.id),
            origin=origin,
        )
    session.flush()
    return token


def revoke_api_tokens(*, session: Session, user_id: int) -> int:
    """Revoke every live token of the user; how many were revoked."""
    now = utcnow()
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount  # type: ignore[attr-defined]
    session.flush()
    return int(revoked or 0)
