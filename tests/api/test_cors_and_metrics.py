"""A browser front-end on another origin, and a protected /metrics, configured by settings.

Each test builds its own app (the settings are read when the app is built) on a throwaway SQLite
file with one user, the way a deployment sets them: through ``load_settings(environment)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from api.app import create_app
from casework.core.migrate import upgrade
from casework.core.settings import SettingsError, load_settings
from casework.models import User
from casework.people.access import SYSTEM_ACTOR
from casework.people.auth import issue_token
from casework.people.service import create_org_unit, create_user
from casework.runtime import Runtime, build_runtime
from tests.conftest import record_server_errors
from tests.helpers import TEST_KEYS

DESK = "https://desk.example"
METRICS_TOKEN = "scrape-4f9c2b7e-81d0a3"  # noqa: S105 - test data


@pytest.fixture
def make_app(tmp_path) -> Iterator[Callable[..., tuple[Flask, str]]]:
    """``make_app(CASEWORK_X=...)``: an app with these settings, and a token of its one user."""
    runtimes: list[Runtime] = []

    def build(**env: str) -> tuple[Flask, str]:
        url = f"sqlite:///{tmp_path / f'cors{len(runtimes)}.db'}"
        rt = build_runtime(load_settings({**TEST_KEYS, "CASEWORK_DATABASE_URL": url, **env}))
        runtimes.append(rt)
        upgrade(rt.engine)
        unit = create_org_unit(
            rt.uow(), actor=SYSTEM_ACTOR, code="GD", name="广东省总工会", level="province"
        )
        user = create_user(
            rt.uow(),
            actor=SYSTEM_ACTOR,
            username="desk.user",
            display_name="前台",
            roles=["caseworker"],
            password="Qian-tai-2026",  # noqa: S106 - test data
            org_unit_id=unit.id,
        )
        with rt.uow() as uow:
            token = issue_token(uow, user=uow.session.get(User, user.id)).token
            uow.commit()
        return record_server_errors(create_app({"TESTING": True}, runtime=rt)), token

    yield build
    for rt in runtimes:
        rt.dispose()


def _preflight(client, origin: str, headers: str = "authorization, content-type, if-match"):
    return client.options(
        "/api/v1/cases/1/transitions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )


def test_a_preflight_from_a_configured_origin_needs_no_token(make_app):
    app, _ = make_app(CASEWORK_CORS_ORIGINS=f"{DESK}, https://other-desk.example")
    r = _preflight(
        app.test_client(), DESK, "authorization, content-type, if-match, idempotency-key"
    )
    assert r.status_code in (200, 204), r.get_data(as_text=True)
    assert r.headers["Access-Control-Allow-Origin"] == DESK
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "if-match", "idempotency-key"} <= allowed
    assert "Origin" in r.headers.get("Vary", "")


def test_a_header_outside_the_list_is_not_allowed(make_app):
    app, _ = make_app(CASEWORK_CORS_ORIGINS=DESK)
    r = _preflight(app.test_client(), DESK, "authorization, x-smuggled")
    allowed = r.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "x-smuggled" not in allowed


def test_requests_from_the_configured_origin_can_read_answers_and_headers(make_app):
    app, token = make_app(CASEWORK_CORS_ORIGINS=DESK)
    client = app.test_client()
    r = client.get("/api/v1/me", headers={"Origin": DESK, "Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.get_json()["username"] == "desk.user"
    assert r.headers["Access-Control-Allow-Origin"] == DESK
    exposed = {h.strip().lower() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"etag", "location", "retry-after", "x-request-id"}
    assert "Origin" in r.headers["Vary"]  # a cache keeps the answers per origin apart
    # An error is readable too, so the front-end can show the problem.
    r = client.get("/api/v1/me", headers={"Origin": DESK})
    assert r.status_code == 401
    assert r.headers["Access-Control-Allow-Origin"] == DESK


def test_another_origin_gets_no_cors_headers(make_app):
    app, token = make_app(CASEWORK_CORS_ORIGINS=DESK)
    client = app.test_client()
    r = _preflight(client, "https://evil.example")
    assert r.status_code != 401
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.get(
        "/api/v1/me", headers={"Origin": "https://evil.example", "Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers


def test_without_the_setting_no_origin_is_allowed(make_app):
    app, token = make_app()
    client = app.test_client()
    r = _preflight(client, DESK)
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.get("/api/v1/me", headers={"Origin": DESK, "Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers


def test_an_origin_with_a_path_or_a_wildcard_is_a_settings_error():
    for bad in ("https://desk.example/", "*", "desk.example", "https://desk.example/app"):
        with pytest.raises(SettingsError, match="CASEWORK_CORS_ORIGINS"):
            load_settings({**TEST_KEYS, "CASEWORK_CORS_ORIGINS": bad})


def test_a_guessable_metrics_token_is_a_settings_error():
    for bad in ("short", "sixteen chars ok but spaced"):
        with pytest.raises(SettingsError, match="CASEWORK_METRICS_TOKEN"):
            load_settings({**TEST_KEYS, "CASEWORK_METRICS_TOKEN": bad})


def test_metrics_need_the_token_when_one_is_set(make_app):
    app, user_token = make_app(CASEWORK_METRICS_TOKEN=METRICS_TOKEN)
    client = app.test_client()
    r = client.get("/metrics")
    assert r.status_code == 401
    assert r.mimetype == "application/problem+json"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert METRICS_TOKEN not in r.get_data(as_text=True)
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    # A user's API token is not the scrape token.
    assert (
        client.get("/metrics", headers={"Authorization": f"Bearer {user_token}"}).status_code == 401
    )
    r = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert r.status_code == 200 and "casework_outbox_pending" in r.get_data(as_text=True)


def test_metrics_stay_open_without_the_setting(make_app):
    app, _ = make_app()
    r = app.test_client().get("/metrics")
    assert r.status_code == 200 and "casework_outbox_pending" in r.get_data(as_text=True)
