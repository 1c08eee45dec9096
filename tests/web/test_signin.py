"""Signing in to the web desks: the API's own login and throttle, a session cookie a script cannot
read, CSRF on every form, and the bearer-token API untouched by any of it."""

from __future__ import annotations

from dataclasses import replace

from api.app import create_app
from tests.web_support import WebUser, text_of


def test_the_start_page_sends_a_visitor_to_login_and_a_user_to_their_desk(web):
    assert web().client.get("/").headers["Location"].endswith("/login")
    for username, desk in (
        ("hotline", "/hotline"),
        ("caseworker.shipai", "/desk"),
        ("supervisor.tianhe", "/supervise"),
    ):
        assert web(username).client.get("/").headers["Location"].endswith(desk), username


def test_login_page_is_chinese_with_labelled_fields(web):
    page = text_of(web().get("/login"))
    assert '<html lang="zh-CN">' in page
    assert '<label for="username">用户名' in page and '<label for="password">密码' in page
    assert ">登录</button>" in page


def test_the_session_cookie_is_http_only_and_same_site_lax(web):
    user = web()
    user.get("/login")
    resp = user.post("/login", {"username": "caseworker.shipai", "password": "casework-demo"})
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert "casework_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Development serves plain HTTP; outside development the cookie is Secure (test below).
    assert "Secure" not in cookie


def test_outside_development_the_cookie_is_secure(session_runtime, demo):
    runtime = replace(session_runtime, settings=replace(session_runtime.settings, env="production"))
    app = create_app({"TESTING": True}, runtime=runtime)
    user = WebUser(app)
    user.get("/login", base_url="https://casework.example")
    resp = user.client.post(
        "/login",
        data={"csrf_token": user.csrf, "username": "hotline", "password": "casework-demo"},
        base_url="https://casework.example",
        headers={"Referer": "https://casework.example/login"},
    )
    assert resp.status_code == 302, text_of(resp)[:300]
    assert "Secure" in resp.headers["Set-Cookie"]


def test_the_session_is_signed_with_its_own_secret_and_a_new_one_signs_everyone_out(
    session_runtime, demo
):
    """CASEWORK_SECRET_KEY signs the cookie; the history key (which protects stored data and
    is never rotated lightly) plays no part, so rotating the session secret alone signs users
    out of the pages."""
    settings = session_runtime.settings
    app = create_app({"TESTING": True}, runtime=session_runtime)
    assert app.secret_key == settings.secret_key != settings.history_key
    user = WebUser(app)
    user.login("caseworker.shipai")
    assert user.client.get("/desk").status_code == 200
    cookie = user.client.get_cookie("casework_session").value
    rotated = replace(settings, secret_key="r" * 64)
    other = create_app({"TESTING": True}, runtime=replace(session_runtime, settings=rotated))
    stranger = other.test_client()
    stranger.set_cookie("casework_session", cookie)
    assert stranger.get("/desk").headers["Location"].startswith("/login")


def test_a_wrong_password_says_so_in_chinese_and_keeps_the_username(web):
    user = web()
    user.get("/login")
    resp = user.post("/login", {"username": "hotline", "password": "wrong"})
    page = text_of(resp)
    assert resp.status_code == 401
    assert "用户名或密码错误" in page and 'value="hotline"' in page
    assert "wrong" not in page  # the password is never sent back


def test_empty_fields_are_named_next_to_the_field(web):
    user = web()
    user.get("/login")
    resp = user.post("/login", {"username": "", "password": ""})
    assert resp.status_code == 422 and "请填写用户名" in text_of(resp)


def test_the_login_throttle_is_the_apis(web, rt):
    user = web()
    user.get("/login")
    for _ in range(rt.settings.login_max_failures):
        assert user.post("/login", {"username": "hotline", "password": "nope"}).status_code == 401
    resp = user.post("/login", {"username": "hotline", "password": "casework-demo"})
    assert resp.status_code == 429
    assert "登录失败次数过多" in text_of(resp)


def test_a_form_without_its_csrf_token_is_refused(web):
    user = web()
    resp = user.client.post("/login", data={"username": "hotline", "password": "casework-demo"})
    assert resp.status_code == 400 and "请刷新页面" in text_of(resp)
    signed_in = web("caseworker.shipai")
    resp = signed_in.client.post("/logout", data={})
    assert resp.status_code == 400


def test_the_bearer_token_api_needs_no_csrf_token(api):
    r = api.http.post(
        api.url("/auth/token"), json={"username": "hotline", "password": "casework-demo"}
    )
    assert r.status_code == 201
    assert api.get("hotline", "/me").json()["username"] == "hotline"


def test_logout_revokes_the_session(web):
    user = web("caseworker.shipai")
    assert user.get("/desk").status_code == 200
    assert user.post("/logout").headers["Location"].endswith("/login")
    resp = user.client.get("/desk")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_after_login_the_user_returns_to_the_page_they_asked_for_on_this_site_only(web):
    user = web()
    first = user.client.get("/desk?scope=unit")
    assert first.status_code == 302
    user.get(first.headers["Location"])
    resp = user.post(
        "/login?next=/desk%3Fscope%3Dunit",
        {"username": "caseworker.shipai", "password": "casework-demo"},
    )
    assert resp.headers["Location"].endswith("/desk?scope=unit")
    other = web()
    other.get("/login")
    resp = other.post(
        "/login?next=//evil.example/x",
        {"username": "caseworker.shipai", "password": "casework-demo"},
    )
    assert resp.headers["Location"].endswith("/desk")


def test_redoc_is_served_from_the_app(web):
    user = web()
    page = text_of(user.client.get("/api/redoc"))
    assert "redoc.standalone.js" in page and "https://" not in page
    assert user.client.get("/static/vendor/redoc/redoc.standalone.js").status_code == 200
    assert user.client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
