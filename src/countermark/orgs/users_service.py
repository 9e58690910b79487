"""A user's life after creation: changing one's password, an administrator's reset, disabling, re-enabling.

Every change is audited. Users are disabled, never deleted: the audit trail, cases and notices keep naming
them, and a disabled user's sessions end and tokens are revoked at once (and are refused anyway while the
account stays disabled).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import Forbidden, InvalidInput, NotFound
from countermark.orgs.auth_service import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    end_web_sessions,
    generate_password,
    revoke_api_tokens,
    set_password,
)
from countermark.orgs.models import User
from countermark.orgs.service import record_audit
from countermark.orgs.signin_service import confirm_password
from countermark.orgs.visibility import Principal


@dataclass(frozen=True)
class Reset:
    """The outcome of an administrator's reset: the generated password (shown once) if one was generated."""

    user: User
    password: str | None
    sessions_ended: int


def _check_new_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput.of(
            "a password needs at least {least} characters (and at most {most})",
            least=MIN_PASSWORD_LENGTH,
            most=MAX_PASSWORD_LENGTH,
        )


def user_by_email(*, session: Session, email: str) -> User:
    """The user with this e-mail; NotFound otherwise (for the command line, whose operator sees all)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound.of("no user with e-mail {email!r}", email=email.strip())
    return user


def member_for_admin(
    *, session: Session, principal: Principal, user_id: int, others_only: bool = True
) -> User:
    """A user of the administrator's own organisation.

    Forbidden without the admin scope; NotFound for users of other organisations (as for ids that do not
    exist, so ids are no oracle); Forbidden for the administrator themself when `others_only` (one's own
    password is changed with the current one, and one cannot disable oneself).
    """
    if "admin" not in principal.scopes or principal.org_id is None:
        raise Forbidden.of("only administrators of an organisation may manage its users")
    user = session.get(User, user_id)
    if user is None or user.org_id != principal.org_id:
        raise NotFound.of("no user {user_id} in your organisation", user_id=user_id)
    if others_only and user.id == principal.user_id:
        raise Forbidden.of("not on your own account: ask another administrator (change your own password "
                           "with your current one)")
    return user


def change_password(
    *, session: Session, user: User, current: str, new: str, origin: str | None, keep_session_id: int | None
) -> int:
    """The user changes their own password, confirming the current one; every other session of theirs ends.

    The check of the current password is throttled and counted like a sign-in (WrongPassword and
    TooManyAttempts must let the transaction commit). Returns how many sessions ended.
    """
    _check_new_password(new)
    confirm_password(session=session, user=user, password=current, origin=origin)
    if new == current:
        raise InvalidInput.of("choose a new password different from the current one")
    set_password(session=session, user=user, password=new)
    ended = end_web_sessions(session=session, user_id=user.id, keep_id=keep_session_id)
    record_audit(
        session=session,
        actor=user.email,
        org_id=user.org_id,
        action="change_password",
        subject_type="user",
        subject_id=str(user.id),
        origin=origin,
        detail={"sessions_ended": ended},
    )
    return ended


def reset_password(
    *, session: Session, user: User, actor: str, password: str | None = None, origin: str | None = None
) -> Reset:
    """Set a user's password for them (an administrator, or the operator on the command line).

    Without `password` a random one is generated and returned, to be shown once. Every session of the
    user ends; their API tokens stay (revoke them, or disable the user, if the account was compromised).
    """
    generated = password is None
    new = generate_password() if password is None else password
    _check_new_password(new)
    set_password(session=session, user=user, password=new)
    ended = end_web_sessions(session=session, user_id=user.id)
    record_audit(
        session=session,
        actor=actor,
        org_id=user.org_id,
        action="reset_password",
        subject_type="user",
        subject_id=str(user.id),
        origin=origin,
        detail={"email": user.email, "generated": generated, "sessions_ended": ended},
    )
    return Reset(user=user, password=new if generated else None, sessions_ended=ended)


def disable_user(*, session: Session, user: User, actor: str, origin: str | None = None) -> User:
    """Disable a user: no sign-in, every session ended and every live token revoked, at once."""
    if user.disabled_at is not None:
        return user
    user.disabled_at = utcnow()
    ended = end_web_sessions(session=session, user_id=user.id)
    revoked = revoke_api_tokens(session=session, user_id=user.id)
    record_audit(
        session=session,
        actor=actor,
        org_id=user.org_id,
        action="disable",
        subject_type="user",
        subject_id=str(user.id),
        origin=origin,
        detail={"email": user.email, "sessions_ended": ended, "tokens_revoked": revoked},
    )
    return user


def enable_user(*, session: Session, user: User, actor: str, origin: str | None = None) -> User:
    """Let a disabled user sign in again (their revoked tokens stay revoked)."""
    if user.disabled_at is None:
        return user
    user.disabled_at = None
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        org_id=user.org_id,
        action="enable",
        subject_type="user",
        subject_id=str(user.id),
        origin=origin,
        detail={"email": user.email},
    )
    return user
