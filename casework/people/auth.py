"""API tokens: log in, authenticate, revoke, and throttle failed logins.

A token is 32 random bytes handed to the client once; only its SHA-256 is stored, so a copy of
the database cannot be used to act as anyone. Tokens expire after ``token_ttl_hours`` and can be
revoked.

The login throttle counts failed logins in the last ``login_window_seconds`` twice over:

- per **account** (the username tried, whether it exists or not): ``login_max_failures`` of them,
  from any client, lock that account, even with the right password;
- per **client** address, across accounts: ``login_max_failures_per_client`` (a larger number)
  lock that client, so one address cannot try many accounts.

Behind a reverse proxy a whole call centre shares one address: one operator's typos lock their
own account and never the others'. A lock lifts when enough failures have left the window;
attempts refused with 429 are not failures and do not extend it.

The count is exact under concurrency: each attempt, under a lock on its account and its client
(:func:`casework.core.db.lock_keys`), counts the recent failures and records itself as one, and
commits; only then is the password checked (scrypt, ~0.1 s, with no lock or transaction held),
and a right password deletes the record again. So of eight simultaneous wrong passwords for one
account, five are checked and three are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from casework.core.db import lock_keys, skip_locked
from casework.core.errors import InvalidInput, NotAuthenticated, TooManyAttempts
from casework.core.time import SHANGHAI
from casework.core.uow import UnitOfWork, seed_next_unit
from casework.core.vocab import MAX_CLIENT_ADDRESS, MAX_USERNAME
from casework.models import ApiToken, CalendarMeta, LoginFailure, OrgUnit, User, UserRole
from casework.people.access import Actor

TOKEN_PREFIX = "cw_"  # noqa: S105 - a prefix, not a secret
# Verifying against this when the username is unknown keeps the timing of both failures alike.
_DUMMY_HASH = "scrypt:32768:8:1$dummydummydummy$" + "0" * 128
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)
# Failures older than this many windows are never needed again.
_KEEP_WINDOWS = 4
_PRUNE_BATCH = 500


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


def account_key(username: str) -> str:
    """The account a login attempt counts against: the username as it is looked up."""
    return username.strip()[:MAX_USERNAME]


def _retry_after(
    uow: UnitOfWork, which: ColumnElement[bool], count: int, limit: int, now: dt.datetime
) -> int:
    """Seconds until fewer than ``limit`` of the ``count`` recent failures ``which`` selects
    are left in the window: when the (count - limit + 1)-th oldest of them leaves it."""
    window = dt.timedelta(seconds=uow.settings.login_window_seconds)
    leaving = uow.session.scalar(
        select(LoginFailure.at)
        .where(which, LoginFailure.at > now - window)
        .order_by(LoginFailure.at, LoginFailure.id)
        .offset(count - limit)
        .limit(1)
    )
    if leaving is None:  # pragma: no cover - the rows were just counted under the lock
        return 1
    return max(int((leaving + window - now).total_seconds()) + 1, 1)


def _locked(whom_zh: str, whom_en: str, retry: int, now: dt.datetime) -> TooManyAttempts:
    at = (now + dt.timedelta(seconds=retry)).astimezone(SHANGHAI).strftime("%H:%M:%S")
    return TooManyAttempts(
        f"{whom_zh}登录失败次数过多，请 {retry} 秒后（北京时间 {at} 以后）再试",
        f"too many failed logins {whom_en}; retry in {retry} s (after {at} Beijing time)",
        retry_after=retry,
    )


def _throttle_check(uow: UnitOfWork, *, account: str, client: str, now: dt.datetime) -> None:
    """TooManyAttempts when the account, or else the client, has reached its limit."""
    s = uow.session
    settings = uow.settings
    recent = LoginFailure.at > now - dt.timedelta(seconds=settings.login_window_seconds)
    for which, limit, whom_zh, whom_en in (
        (
            LoginFailure.account == account,
            settings.login_max_failures,
            "该账号",
            "for this account",
        ),
        (
            LoginFailure.client == client,
            settings.login_max_failures_per_client,
            "此地址",
            "from this client address",
        ),
    ):
        count = s.scalar(select(func.count(LoginFailure.id)).where(which, recent)) or 0
        if count >= limit:
            raise _locked(whom_zh, whom_en, _retry_after(uow, which, count, limit, now), now)


def _forget_old_failures(uow: UnitOfWork, now: dt.datetime) -> None:
    """Delete failures no window needs any more, a batch at a time; rows another login is
    deleting are skipped (never waited for, so two logins never deadlock here)."""
    cutoff = now - dt.timedelta(seconds=uow.settings.login_window_seconds * _KEEP_WINDOWS)
    old = skip_locked(
        select(LoginFailure.id).where(LoginFailure.at < cutoff).limit(_PRUNE_BATCH), uow.session
    )
    uow.session.execute(delete(LoginFailure).where(LoginFailure.id.in_(old)))


def login(
    uow: UnitOfWork, *, username: str, password: str, client: str, now: dt.datetime | None = None
) -> IssuedToken:
    """Check the password and issue a token. A wrong password or an unknown user is recorded as
    a failure (committed) and answered alike; a locked account or client gets TooManyAttempts
    before any password is checked."""
    now = now or dt.datetime.now(dt.UTC)
    client = (client or "unknown")[:MAX_CLIENT_ADDRESS]
    if not isinstance(username, str) or not username.strip():
        raise InvalidInput("username", "请填写用户名", "required")
    if not isinstance(password, str) or not password:
        raise InvalidInput("password", "请填写密码", "required")
    account = account_key(username)
    with uow:
        s = uow.session
        # Count and record this attempt as a failure in one short transaction, serialised with
        # every other attempt on the same account or from the same client.
        lock_keys(s, f"login-account:{account}", f"login-client:{client}")
        _throttle_check(uow, account=account, client=client, now=now)
        user = s.scalars(select(User).where(User.username == username.strip())).first()
        attempt = LoginFailure(account=account, client=client, at=now)
        s.add(attempt)
        _forget_old_failures(uow, now)
        uow.commit()
        # The password check holds no lock and no transaction (SQLite's one write lock included).
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
        if not (user and ok and user.is_active):
            raise _bad_credentials()  # the recorded attempt stays: it is the failure
        s.execute(delete(LoginFailure).where(LoginFailure.id == attempt.id))
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


# One statement: the token, its user, the user's unit and roles (a row per role), as plain
# columns of the tables (nothing here needs ORM objects), built once: every request runs it, and
# building the statement and its cache key each time was a fifth of authenticating.
_t, _u, _o, _r = ApiToken.__table__, User.__table__, OrgUnit.__table__, UserRole.__table__
_AUTHENTICATE = (
    select(
        _t.c.id,
        _t.c.revoked_at,
        _t.c.expires_at,
        _t.c.last_used_at,
        _u.c.id,
        _u.c.username,
        _u.c.is_active,
        _u.c.org_unit_id,
        _o.c.path,
        _o.c.level,
        _r.c.role,
        # The calendar's revision, for the request's next unit of work (see authenticate).
        select(CalendarMeta.revision).where(CalendarMeta.id == 1).scalar_subquery(),
    )
    .select_from(
        _t.join(_u, _u.c.id == _t.c.user_id)
        .join(_o, _o.c.id == _u.c.org_unit_id)
        .outerjoin(_r, _r.c.user_id == _u.c.id)
    )
    .where(_t.c.token_hash == bindparam("h"))
)


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
        rows = uow.session.connection().execute(_AUTHENTICATE, {"h": token_hash(token)}).all()
        if not rows:
            raise NotAuthenticated("令牌无效", "invalid token")
        tok_id, revoked_at, expires_at, last_used_at, user_id, username, active = rows[0][:7]
        if revoked_at is not None:
            raise NotAuthenticated("令牌已注销，请重新登录", "the token was revoked; log in again")
        if expires_at <= now:
            raise NotAuthenticated("令牌已过期，请重新登录", "the token has expired; log in again")
        if not active:
            raise NotAuthenticated("用户已停用", "the user is inactive")
        stale = last_used_at is None or now - last_used_at > LAST_USED_GRANULARITY
        actor = Actor(
            user_id=user_id,
            username=username,
            roles=frozenset(r[10] for r in rows if r[10] is not None),
            org_unit_id=rows[0][7],
            org_path=rows[0][8],
            org_level=rows[0][9],
        )
        # The working-day calendar checks its cache against this revision instead of reading
        # it again in the request's write (casework.clocks.calendar.load_calendar).
        seed_next_unit(casework_calendar_revision=rows[0][11] or "")
        return actor, (tok_id if stale else None)


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
