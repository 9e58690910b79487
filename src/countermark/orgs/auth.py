"""Passwords (Argon2), browser sessions, API tokens and sign-in throttling."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import CountermarkError, Forbidden, InvalidInput, NotFound
from countermark.orgs.models import ApiToken, LoginAttempt, User, WebSession
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, group_ids_of

SCOPES = ("read", "write", "admin")
SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ORIGIN = 20
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "cm"

_hasher = PasswordHasher()


class NotAuthenticated(CountermarkError):
    status = 401
    code = "not_authenticated"


class TooManyAttempts(CountermarkError):
    status = 429
    code = "too_many_attempts"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def set_password(*, session: Session, user: User, password: str) -> None:
    """Store the Argon2 hash of a new password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = _hasher.hash(password)
    session.flush()


def principal_for_user(*, session: Session, user: User, scopes: frozenset[str] | None = None) -> Principal:
    """The principal a user acts as (with the sharing groups of their organisation)."""
    role_scopes = {
        "admin": {"read", "write", "admin"},
        "analyst": {"read", "write"},
        "officer": {"read", "write"},
    }
    allowed = frozenset(role_scopes.get(user.role, {"read"}))
    return Principal(
        org_id=user.org_id,
        user_id=user.id,
        role=user.role,
        scopes=allowed if scopes is None else allowed & scopes,
        group_ids=group_ids_of(session, user.org_id),
        email=user.email,
        locale=user.locale,
    )


def _failures(session: Session, column: Any, value: str) -> int:
    since = utcnow() - THROTTLE_WINDOW
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    )
    return session.scalar(query) or 0


def authenticate(*, session: Session, email: str, password: str, origin: str | None) -> User:
    """The user with these credentials; NotAuthenticated or TooManyAttempts otherwise (every try counts)."""
    email = email.strip().lower()
    if _failures(session, LoginAttempt.email, email) >= MAX_FAILURES_PER_ACCOUNT or (
        origin and _failures(session, LoginAttempt.origin, origin) >= MAX_FAILURES_PER_ORIGIN
    ):
        raise TooManyAttempts("too many failed sign-ins; wait 15 minutes and try again")
    user = session.scalar(select(User).where(User.email == email))
    ok = False
    if user is not None and user.password_hash:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # Hash anyway so that unknown accounts take as long as wrong passwords.
        _hasher.hash(password)
    session.add(LoginAttempt(email=email, origin=origin, succeeded=ok))
    session.flush()
    if not ok or user is None:
        raise NotAuthenticated("wrong e-mail or password")
    return user


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
    """The live session and user of a cookie token, or None."""
    found = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(raw)))
    if found is None or found.expires_at <= utcnow():
        return None
    user = session.get(User, found.user_id)
    return (found, user) if user is not None else None


def end_web_session(*, session: Session, raw: str) -> None:
    """Sign out: forget the session."""
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(raw)))


def create_api_token(
    *, session: Session, user: User, name: str, scopes: list[str], expires_in_days: int | None = 90
) -> tuple[str, ApiToken]:
    """A new API token for the user; the raw value is shown once and only its hash is kept."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput(f"scopes must be among {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    if not name.strip() or len(name) > 100:
        raise InvalidInput("a token needs a name of 1 to 100 characters")
    if expires_in_days is not None and not 1 <= expires_in_days <= 730:
        raise InvalidInput("a token expires after 1 to 730 days")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=prefix,
        token_hash=_digest(secret),
        scopes=sorted(set(scopes)),
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
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
        detail={"name": token.name, "scopes": token.scopes},
    )
    return f"{TOKEN_PREFIX}_{prefix}_{secret}", token


def principal_from_api_token(*, session: Session, raw: str) -> Principal:
    """The principal of a bearer token; NotAuthenticated when unknown, expired or revoked."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise NotAuthenticated("malformed API token")
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
    if token is None or not secrets.compare_digest(token.token_hash, _digest(parts[2])):
        raise NotAuthenticated("unknown API token")
    now = utcnow()
    if token.revoked_at is not None:
        raise NotAuthenticated("this API token was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise NotAuthenticated("this API token has expired")
    user = session.get(User, token.user_id)
    if user is None:
        raise NotAuthenticated("the token's user no longer exists")
    token.last_used_at = now
    return principal_for_user(session=session, user=user, scopes=frozenset(token.scopes))


def list_api_tokens(*, session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc()))
    )


def revoke_api_token(*, session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (admins of the organisation may revoke its members' tokens)."""
    token = session.get(ApiToken, token_id)
    owner = session.get(User, token.user_id) if token else None
    if token is None or owner is None:
        raise NotFound(f"no API token {token_id}")
    if owner.id != user.id and not (user.role == "admin" and owner.org_id == user.org_id):
        raise Forbidden("you may revoke only your own tokens")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_audit(
            session=session,
            actor=user.email,
            org_id=user.org_id,
            action="revoke",
            subject_type="api_token",
            subject_id=str(token.id),
        )
    session.flush()
    return token
