"""The blueprint of the pages, the sign-in session, CSRF and how errors are shown.

Signing in runs the API's own login (:func:`casework.people.auth.login`: the same throttle, the
same token table); the token is kept in Flask's signed session cookie (HttpOnly, SameSite=Lax,
Secure outside development) and turned into the :class:`Actor` on every request exactly as a
bearer token is. Signing out revokes it. Every form carries a CSRF token (Flask-WTF); the
bearer-token ``/api/v1`` is not checked, as it sends no cookie.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from api.errors import DOMAIN_STATUS
from casework.core.errors import DomainError, NotAuthenticated
from casework.core.time import SHANGHAI
from casework.people import auth as people_auth
from casework.people.access import Actor
from casework.runtime import Runtime

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web-static",
)
csrf = CSRFProtect()

# Pages anyone may open (the rest send a visitor who is not signed in to /login).
PUBLIC = frozenset({"web.login", "web.root", "web.static"})

# Where each role starts: the first of these roles the user has.
DESKS = (
    ("admin", "web.admin"),
    ("operator", "web.hotline"),
    ("supervisor", "web.supervise"),
    ("caseworker", "web.desk"),
)


def rt() -> Runtime:
    return current_app.extensions["casework"]


def actor() -> Actor:
    return g.actor


def home_of(roles: frozenset[str] | set[str]) -> str:
    for role, endpoint in DESKS:
        if role in roles:
            return url_for(endpoint)
    return url_for("web.desk")


def safe_next(target: str | None) -> str | None:
    """A path on this site to return to after signing in, never another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


@bp.before_request
def _signed_in() -> Any:
    """The actor from the session's token (as the API does from a bearer token); CSRF on every
    form post."""
    g.actor = None
    token = session.get("token")
    if token:
        try:
            g.actor, touch_id = people_auth.authenticate(rt().reader(), token)
        except NotAuthenticated:
            session.clear()
        else:
            if touch_id is not None:
                people_auth.touch(rt().uow(), touch_id)
            g.display_name = session.get("display_name", g.actor.username)
    if request.method == "POST":
        csrf.protect()
    if g.actor is None and request.endpoint not in PUBLIC:
        if request.headers.get("HX-Request"):
            # An htmx fragment cannot follow a redirect into a whole page: tell htmx to reload.
            return "", 401, {"HX-Redirect": url_for("web.login")}
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return None


@bp.app_template_filter("local")
def local_time(value: str | None) -> str:
    """An ISO timestamp (UTC) as Beijing time, to the minute: 2026-03-15 14:05."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@bp.app_context_processor
def _page_globals() -> dict[str, Any]:
    me = g.get("actor")
    return {
        "me": me,
        "my_name": g.get("display_name"),
        "roles": me.roles if me else frozenset(),
    }


def _status_of(exc: DomainError) -> tuple[int, str]:
    for cls, status, title in DOMAIN_STATUS:
        if isinstance(exc, cls):
            return status, title
    return 500, "服务器内部错误"


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    status, title = _status_of(exc)
    if isinstance(exc, NotAuthenticated):
        session.clear()
        return redirect(url_for("web.login"))
    return render_template("error.html", title=title, detail=exc.message_zh), status


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> Any:
    detail = "页面已过期或表单来源无法确认，请刷新页面后重试"
    return render_template("error.html", title="请刷新页面", detail=detail), 400


@bp.errorhandler(404)
def _not_found(exc: Exception) -> Any:
    return render_template("error.html", title="页面不存在", detail="您要找的页面不存在"), 404


@bp.errorhandler(405)
def _not_allowed(exc: Exception) -> Any:
    return render_template("error.html", title="不支持的操作", detail="该页面不支持此操作"), 405


# What a page may load: only the app's own files (the browser refuses anything else before a
# request leaves). ReDoc draws with inline styles and a worker; its "API docs by Redocly" logo
# would come from the vendor's CDN and is refused here, so /api/redoc stays offline.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)
REDOC_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' blob:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'"
)


def _security_headers(resp: Response) -> Response:
    if request.blueprint == "web":
        resp.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
    elif request.path == "/api/redoc":
        resp.headers.setdefault("Content-Security-Policy", REDOC_POLICY)
    return resp


class PagesSessionInterface(SecureCookieSessionInterface):
    """The pages' signed-cookie session. The REST API under /api/ authenticates by bearer token
    and has no session: it gets Flask's null session, so an API request neither verifies a
    cookie it should not carry nor builds the signer for one."""

    def open_session(self, app: Flask, req: Request) -> SecureCookieSession | None:
        if req.path.startswith("/api/"):
            return None  # Flask's null session: reading works, writing raises
        return super().open_session(app, req)


def install(app: Flask, runtime: Runtime) -> None:
    """Register the pages with their session and CSRF settings."""
    app.session_interface = PagesSessionInterface()
    development = runtime.settings.env == "development"
    if not app.config.get("SECRET_KEY"):
        # Its own secret (CASEWORK_SECRET_KEY), never one that protects stored data.
        app.config["SECRET_KEY"] = runtime.settings.secret_key
    app.config.update(
        SESSION_COOKIE_NAME="casework_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not development,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=runtime.settings.token_ttl_hours),
        # Checked only by the pages (see _signed_in): the bearer-token API sends no cookie.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    app.register_blueprint(bp)
    app.after_request(_security_headers)
