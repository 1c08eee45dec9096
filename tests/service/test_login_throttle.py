"""The login throttle, per account and per client, counted atomically (both databases).

The failure that started this: behind the reverse proxy every operator of the 12351 call centre
shares one client address, and the throttle counted only by address, so five typos by `hotline`
refused `admin` with the right password for five minutes. Now failures are counted per account
(from any client) and per client across accounts, with a larger limit for the client.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from flask import Flask
from sqlalchemy import func, select

from api.app import create_app
from casework.core.errors import NotAuthenticated, TooManyAttempts
from casework.core.settings import SettingsError, load_settings
from casework.models import LoginFailure
from casework.people import auth
from casework.runtime import Runtime
from tests.conftest import record_server_errors
from tests.helpers import TEST_KEYS

PASSWORD = "casework-demo"
CLIENT_A = "10.0.0.1"
CLIENT_B = "10.0.0.2"
PROXY = "10.0.0.9"
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing


def _runtime(rt: Runtime, **overrides: object) -> Runtime:
    return dataclasses.replace(rt, settings=rt.settings.with_overrides(**overrides))


def _login(rt: Runtime, username: str, password: str, client: str, now: dt.datetime | None = None):
    return auth.login(rt.uow(), username=username, password=password, client=client, now=now)


def _post(client, username: str, password: str, addr: str, headers: dict | None = None):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
        headers=headers or {},
    )


def _failures(rt: Runtime, **where: str) -> int:
    with rt.reader() as uow:
        stmt = select(func.count(LoginFailure.id))
        for column, value in where.items():
            stmt = stmt.where(getattr(LoginFailure, column) == value)
        return uow.session.scalar(stmt)


def _app(rt: Runtime) -> Flask:
    return record_server_errors(create_app({"TESTING": True}, runtime=rt))


# -- the reproduction ------------------------------------------------------------------------


def test_one_operators_typos_do_not_lock_out_the_others_behind_the_same_address(demo, app):
    client = app.test_client()
    for _ in range(5):
        r = _post(client, "hotline", "wrong", CLIENT_A)
        assert r.status_code == 401, r.get_json()
    # Everyone behind the proxy shares CLIENT_A: admin still gets in.
    r = _post(client, "admin", PASSWORD, CLIENT_A)
    assert r.status_code == 201, r.get_json()
    # hotline itself is locked, even with the right password, from any client.
    for addr in (CLIENT_A, CLIENT_B):
        r = _post(client, "hotline", PASSWORD, addr)
        assert r.status_code == 429, r.get_json()
        body = r.get_json()
        retry = int(r.headers["Retry-After"])
        assert 0 < retry <= 300 and body["retry_after"] == retry
        assert f"{retry} 秒后" in body["detail"] and "该账号" in body["detail"]
        assert f"retry in {retry} s" in body["detail_en"] and "account" in body["detail_en"]


def test_a_locked_account_says_when_and_opens_again_when_the_window_has_passed(demo, rt):
    for i in range(5):
        with pytest.raises(NotAuthenticated):
            _login(rt, "hotline", "wrong", CLIENT_A, now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(TooManyAttempts) as locked:
        _login(rt, "hotline", PASSWORD, CLIENT_B, now=T0 + dt.timedelta(seconds=10))
    # The oldest failure (T0) leaves the 300 s window at T0+300: 290 s from T0+10, plus one.
    assert locked.value.details["retry_after"] == 291
    assert "291 秒后" in locked.value.message_zh and "09:05:01" in locked.value.message_zh
    assert "retry in 291 s" in locked.value.message_en
    # A refused attempt is not a checked failure: it does not push the lock further out.
    assert _failures(rt, account="hotline") == 5
    issued = _login(rt, "hotline", PASSWORD, CLIENT_B, now=T0 + dt.timedelta(seconds=301))
    assert issued.user.username == "hotline"


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer_and_cost(demo, rt, monkeypatch):
    checked: list[str] = []
    real_verify = auth.verify_password

    def verify(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash.split("$", 1)[0])  # the method and its cost parameters
        return real_verify(stored_hash, password)

    monkeypatch.setattr(auth, "verify_password", verify)
    answers = []
    for username in ("nobody", "hotline"):
        with pytest.raises(NotAuthenticated) as exc:
            _login(rt, username, "wrong", CLIENT_A)
        answers.append((exc.value.message_zh, exc.value.message_en))
    assert answers[0] == answers[1]
    # One scrypt check each, with the same parameters: the same time.
    assert len(checked) == 2 and checked[0] == checked[1] and checked[0].startswith("scrypt:")
    # An account that does not exist is locked the same way (the lock tells nothing).
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            _login(rt, "nobody", "wrong", CLIENT_B)
    with pytest.raises(TooManyAttempts) as exc:
        _login(rt, "nobody", "wrong", CLIENT_B)
    assert "该账号" in exc.value.message_zh


def test_failures_record_the_account_tried_never_the_password(demo, rt):
    with pytest.raises(NotAuthenticated):
        _login(rt, "  hotline ", "S3cret-typo!", CLIENT_A)
    with rt.reader() as uow:
        rows = uow.session.scalars(select(LoginFailure)).all()
    assert [(r.account, r.client) for r in rows] == [("hotline", CLIENT_A)]
    assert all("S3cret" not in str(v) for r in rows for v in vars(r).values())


def test_failures_no_window_needs_are_forgotten(demo, rt):
    with pytest.raises(NotAuthenticated):
        _login(rt, "hotline", "wrong", CLIENT_A, now=T0)
    later = T0 + dt.timedelta(seconds=4 * rt.settings.login_window_seconds + 1)
    with pytest.raises(NotAuthenticated):
        _login(rt, "admin", "wrong", CLIENT_B, now=later)
    with rt.reader() as uow:
        left = uow.session.scalars(select(LoginFailure.account)).all()
    assert left == ["admin"]


# -- the per-client limit --------------------------------------------------------------------


def test_a_client_trying_many_accounts_is_locked_after_the_per_client_limit(demo, rt):
    assert rt.settings.login_max_failures_per_client == 20  # the default
    small = _runtime(rt, login_max_failures_per_client=7)
    # Four typos for hotline and three guessed names: no account reaches five.
    for name in ["hotline"] * 4 + ["ghost1", "ghost2", "ghost3"]:
        with pytest.raises(NotAuthenticated):
            _login(small, name, "wrong", CLIENT_A)
    with pytest.raises(TooManyAttempts) as exc:
        _login(small, "admin", PASSWORD, CLIENT_A)
    assert "地址" in exc.value.message_zh and "client" in exc.value.message_en
    assert exc.value.details["retry_after"] > 0
    # Another client is not affected, and hotline is not locked as an account.
    assert _login(small, "admin", PASSWORD, CLIENT_B).user.username == "admin"
    assert _login(small, "hotline", PASSWORD, CLIENT_B).user.username == "hotline"


def test_the_limits_and_the_proxy_count_are_settings():
    base = {**TEST_KEYS, "CASEWORK_DATABASE_URL": "sqlite://"}
    s = load_settings(base)
    assert (s.login_max_failures, s.login_max_failures_per_client, s.trusted_proxies) == (5, 20, 0)
    s = load_settings(
        {
            **base,
            "CASEWORK_LOGIN_MAX_FAILURES": "3",
            "CASEWORK_LOGIN_MAX_FAILURES_PER_CLIENT": "50",
            "CASEWORK_TRUSTED_PROXIES": "2",
        }
    )
    assert (s.login_max_failures, s.login_max_failures_per_client, s.trusted_proxies) == (3, 50, 2)
    for name, value in (
        ("CASEWORK_TRUSTED_PROXIES", "-1"),
        ("CASEWORK_LOGIN_MAX_FAILURES", "0"),
        ("CASEWORK_LOGIN_MAX_FAILURES_PER_CLIENT", "0"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings({**base, name: value})


# -- atomic counting -------------------------------------------------------------------------


def test_concurrent_wrong_passwords_for_one_account_check_at_most_the_limit(demo, rt):
    n = 8
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            _login(rt, "hotline", f"wrong-{i}", f"10.0.1.{i}")
            result = "token"
        except NotAuthenticated:
            result = "401"
        except TooManyAttempts:
            result = "429"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result = repr(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["401"] * 5 + ["429"] * 3, outcomes
    assert _failures(rt, account="hotline") == 5


# -- behind a reverse proxy ------------------------------------------------------------------


def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(demo, rt):
    app = _app(_runtime(rt, trusted_proxies=1, login_max_failures_per_client=3))
    client = app.test_client()
    for name in ("ghost1", "ghost2", "ghost3"):
        r = _post(client, name, "wrong", PROXY, {"X-Forwarded-For": "203.0.113.5"})
        assert r.status_code == 401
    assert _failures(rt, client="203.0.113.5") == 3 and _failures(rt, client=PROXY) == 0
    r = _post(client, "admin", PASSWORD, PROXY, {"X-Forwarded-For": "203.0.113.5"})
    assert r.status_code == 429 and "地址" in r.get_json()["detail"]
    r = _post(client, "admin", PASSWORD, PROXY, {"X-Forwarded-For": "203.0.113.6"})
    assert r.status_code == 201, r.get_json()


def test_without_trusted_proxies_x_forwarded_for_is_ignored(demo, rt):
    app = _app(_runtime(rt, trusted_proxies=0, login_max_failures_per_client=3))
    client = app.test_client()
    for i, name in enumerate(("ghost1", "ghost2", "ghost3")):
        # A client cannot pick a fresh address per attempt by sending the header itself.
        r = _post(client, name, "wrong", PROXY, {"X-Forwarded-For": f"198.51.100.{i}"})
        assert r.status_code == 401
    assert _failures(rt, client=PROXY) == 3
    r = _post(client, "admin", PASSWORD, PROXY, {"X-Forwarded-For": "198.51.100.99"})
    assert r.status_code == 429
