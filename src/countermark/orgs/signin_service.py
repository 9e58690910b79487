"""Checking a password, throttled so that guessing stops without locking the account's owner out.

Every check (sign-in or password change) is recorded in `login_attempts` with the client address. Within
a 15-minute window a check is refused, whatever the password, when:

1. this account failed 5 times from this address (one guesser, one account);
2. this address failed 20 times, whichever accounts (one guesser trying many accounts), unless this
   account signed in from this address within 30 days: people behind one reverse proxy share an address,
   and a sprayer there must not lock out everyone who works there;
3. this account failed 50 times from all addresses together (guessing spread over many addresses) and at
   least once from this address: each guessing address gets one try per window, while the owner, from an
   address that has not failed, still signs in.

So no rule locks out the right password from an address without failures, and a refusal says when to try
again (`TooManyAttempts.retry_after`, sent as `Retry-After`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import CountermarkError
from countermark.orgs.auth_service import NotAuthenticated, verify_password
from countermark.orgs.models import LoginAttempt, User

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_ACCOUNT = 50
KNOWN_ADDRESS_PERIOD = timedelta(days=30)


class TooManyAttempts(CountermarkError):
    """Too many failed password checks: try again after `retry_after` seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        self.minutes = math.ceil(self.retry_after / 60)
        template = "too many failed sign-ins: try again in {minutes} minute(s)"
        super().__init__(template.format(minutes=self.minutes), detail={"retry_after": self.retry_after})
        self.template, self.values = template, {"minutes": self.minutes}


class AccountDisabled(CountermarkError):
    """The password is right but an administrator disabled the account."""

    status = 403
    code = "account_disabled"


class WrongPassword(CountermarkError):
    """The current password given to confirm a change is not the user's."""

    status = 403
    code = "wrong_password"


def _from(origin: str | None) -> Any:
    return LoginAttempt.origin.is_(None) if origin is None else LoginAttempt.origin == origin


def _clears_in(session: Session, now: datetime, limit: int, *where: Any) -> float | None:
    """Seconds until fewer than `limit` failures matching `where` remain in the window; None if fewer now.

    The window drops below the limit when the limit-th most recent failure leaves it.
    """
    at = session.scalar(
        select(LoginAttempt.at)
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - THROTTLE_WINDOW, *where)
        .order_by(LoginAttempt.at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return None if at is None else (at + THROTTLE_WINDOW - now).total_seconds()


def _signed_in_from(session: Session, now: datetime, email: str, origin: str | None) -> bool:
    found = session.scalar(
        select(LoginAttempt.id)
        .where(LoginAttempt.email == email, _from(origin), LoginAttempt.succeeded.is_(True))
        .where(LoginAttempt.at > now - KNOWN_ADDRESS_PERIOD)
        .limit(1)
    )
    return found is not None


def throttled_for(*, session: Session, email: str, origin: str | None) -> int | None:
    """Seconds this account must wait before a password check from this address, or None (see above)."""
    now = utcnow()
    waits: list[float] = []
    pair = _clears_in(session, now, MAX_FAILURES_PER_PAIR, LoginAttempt.email == email, _from(origin))
    if pair is not None:
        waits.append(pair)
    address = _clears_in(session, now, MAX_FAILURES_PER_ADDRESS, _from(origin))
    if address is not None and not _signed_in_from(session, now, email, origin):
        waits.append(address)
    account = _clears_in(session, now, MAX_FAILURES_PER_ACCOUNT, LoginAttempt.email == email)
    if account is not None:
        failed_here = _clears_in(session, now, 1, LoginAttempt.email == email, _from(origin))
        if failed_here is not None:
            waits.append(min(account, failed_here))
    return math.ceil(max(waits)) if waits else None


def _check(*, session: Session, email: str, password: str, origin: str | None) -> tuple[User | None, bool]:
    """The user of the e-mail and whether the password is theirs, the check throttled and recorded."""
    wait = throttled_for(session=session, email=email, origin=origin)
    if wait is not None:
        raise TooManyAttempts(wait)
    user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(user=user, password=password)
    usable = ok and user is not None and user.disabled_at is None
    session.add(LoginAttempt(email=email, origin=origin, succeeded=usable))
    session.flush()
    return user, ok


def authenticate(*, session: Session, email: str, password: str, origin: str | None) -> User:
    """The user with these credentials.

    TooManyAttempts while throttled (whatever the password), NotAuthenticated for a wrong e-mail or
    password, AccountDisabled for the right password of a disabled account. The caller must let the
    transaction commit even on failure: the failure has to be counted.
    """
    email = email.strip().lower()
    user, ok = _check(session=session, email=email, password=password, origin=origin)
    if not ok or user is None:
        raise NotAuthenticated.of("wrong e-mail or password")
    if user.disabled_at is not None:
        raise AccountDisabled.of("this account is disabled: ask an administrator of your organisation")
    # Attempts are needed for 30 days (known addresses); older ones are forgotten.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - KNOWN_ADDRESS_PERIOD))
    return user


def confirm_password(*, session: Session, user: User, password: str, origin: str | None) -> None:
    """Check the user's current password before a change, throttled and counted like a sign-in.

    TooManyAttempts while throttled, WrongPassword when it is not theirs (let the transaction commit).
    """
    _, ok = _check(session=session, email=user.email, password=password, origin=origin)
    if not ok:
        raise WrongPassword.of("the current password is wrong")
