"""API tokens: log in, authenticate, revoke, and throttle clients that keep failing.

A token is 32 random bytes handed to the client once; only its SHA-256 is stored, so a copy of
the database cannot be used to act as anyone. Tokens expire after ``token_ttl_hours`` and can be
revoked. Failed logins are rows per client (address); a client with ``login_max_failures``
failures inside ``login_window_seconds`` is refused (even with the right password) until the
oldest of them leaves the window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from casework.core.errors import InvalidInput, NotAuthenticated, TooManyAttempts
from casework.core.uow import UnitOfWork
from casework.models import ApiToken, LoginFailure, User
from casework.people.access import Actor, actor_from_user

TOKEN_PREFIX = "cw_"  # noqa: S105 - a prefix, not a secret
# Verifying against this when the username is unknown keeps the timing of both failures alike.
_DUMMY_HASH = "scrypt:32768:8:1$dummydummydummy$" + "0" * 128
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime
    user: User


def _bad_credentials() -> NotAuthenticated:
    return NotAuthenticated("用户名或密码错误", "wrong username or password")


def _throttle_check(uow: UnitOfWork, client: str, now: dt.datetime) -> None:
    s = uow.session
    settings = uow.settings
    window_start = now - dt.timedelta(seconds=settings.login_window_seconds)
    count, oldest = s.execute(
        select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
            LoginFailure.client == client, LoginFailure.at > window_start
        )
    ).one()
    if count >= settings.login_max_failures:
        retry = (
            int(
                (oldest + dt.timedelta(seconds=settings.login_window_seconds) - now).total_seconds()
            )
            + 1
        )
        raise TooManyAttempts(
            f"登录失败次数过多，请 {max(retry, 1)} 秒后再试",
            f"too many failed logins from this client; retry in {max(retry, 1)} s",
            retry_after=max(retry, 1),
        )


def login(
    uow: UnitOfWork, *, username: str, password: str, client: str, now: dt.datetime | None = None
) -> IssuedToken:
    """Check the password and issue a token; record a failure (and commit it) otherwise."""
    now = now or dt.datetime.now(dt.UTC)
    client = (client or "unknown")[:64]
    if not isinstance(username, str) or not username.strip():
        raise InvalidInput("username", "请填写用户名", "required")
    if not isinstance(password, str) or not password:
        raise InvalidInput("password", "请填写密码", "required")
    with uow:
        s = uow.session
        _throttle_check(uow, client, now)
        user = s.scalars(select(User).where(User.username == username.strip())).first()
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
        if not (user and ok and user.is_active):
            s.add(LoginFailure(client=client, at=now))
            # Old failures are never needed again; keep the table small.
            s.execute(
                delete(LoginFailure).where(
                    LoginFailure.at
                    < now - dt.timedelta(seconds=uow.settings.login_window_seconds * 4)
                )
            )
            uow.commit()
            raise _bad_credentials()
        issued = issue_token(uow, user=user, now=now)
        uow.commit()
        return issued


def issue_token(uow: UnitOfWork, *, user: User, now: dt.datetime | None = None) -> IssuedToken:
    """A new token for ``user`` (whose password was checked), valid for ``token_ttl_hours``.
    Runs inside the caller's transaction."""
    now = now or dt.datetime.now(dt.UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=uow.settings.token_ttl_hours)
    uow.session.add(
        ApiToken(user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=expires)
    )
    return IssuedToken(token=token, expires_at=expires, user=user)


def authenticate(
    uow: UnitOfWork, token: str, *, now: dt.datetime | None = None
) -> tuple[Actor, int | None]:
    """The actor a bearer token stands for, and the token's id when its last use should be
    recorded (at most once a minute, see :func:`touch`). NotAuthenticated when the token is
    unknown, expired or revoked, or its user is inactive. Reads only."""
    now = now or dt.datetime.now(dt.UTC)
    if not token or len(token) > 200:
        raise NotAuthenticated("令牌无效", "invalid token")
    with uow:
        s = uow.session
        row = s.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash(token))
        ).first()
        if row is None:
            raise NotAuthenticated("令牌无效", "invalid token")
        tok, user = row
        if tok.revoked_at is not None:
            raise NotAuthenticated("令牌已注销，请重新登录", "the token was revoked; log in again")
        if tok.expires_at <= now:
            raise NotAuthenticated("令牌已过期，请重新登录", "the token has expired; log in again")
        if not user.is_active:
            raise NotAuthenticated("用户已停用", "the user is inactive")
        stale = tok.last_used_at is None or now - tok.last_used_at > LAST_USED_GRANULARITY
        return actor_from_user(user), (tok.id if stale else None)


def touch(uow: UnitOfWork, token_id: int, *, now: dt.datetime | None = None) -> None:
    """Record a token's last use."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        uow.session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        )
        uow.commit()


def revoke(uow: UnitOfWork, token: str, *, now: dt.datetime | None = None) -> None:
    """Revoke the given token (logging out)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        uow.session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        uow.commit()


def revoke_all(uow: UnitOfWork, user_id: int, *, now: dt.datetime | None = None) -> int:
    """Revoke every live token of a user (a password change, a user leaving)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        n = uow.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        uow.commit()
        return n or 0
