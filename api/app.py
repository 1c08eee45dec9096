"""App factory. Thin: builds the runtime, registers the resources, auth and the error mapping."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_cors import CORS
from flask_smorest import Api
from sqlalchemy.exc import DBAPIError
from werkzeug.middleware.proxy_fix import ProxyFix

from api import errors, guard, observability, web
from api.health import bp as health_bp
from api.http import IdConverter
from api.resources import (
    auth,
    calendar,
    callbacks,
    callers,
    cases,
    employers,
    inbox,
    intakes,
    org_units,
    referrals,
    reports,
    tip_letters,
    users,
    warnings,
    workflows_,
)
from api.schemas import ProblemSchema
from api.schemas.workflows import step_data_schemas
from casework.core.errors import NotAuthenticated
from casework.core.settings import load_settings
from casework.core.uow import enter_scope, exit_scope
from casework.people import auth as people_auth
from casework.runtime import Runtime, build_runtime

STATIC = Path(__file__).resolve().parent / "static"
# CORS (for a browser front-end on an origin of CASEWORK_CORS_ORIGINS): what it may send, what it
# may read, and how long a browser may cache a preflight.
CORS_ALLOW_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "Idempotency-Key",
    "X-Request-Id",
]
CORS_EXPOSE_HEADERS = ["ETag", "Location", "Retry-After", "X-Request-Id"]
CORS_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
CORS_MAX_AGE = 600
API_DESCRIPTION = """\
工会维权案件管理 REST API — casework.

All endpoints except `POST /api/v1/auth/token` need `Authorization: Bearer <token>`.
Errors are RFC 9457 problem details (`application/problem+json`). Case responses carry
`ETag: "<version>"`; send it back as `If-Match` on writes to get 412 instead of overwriting a
change you have not seen. Lists are paginated with `page` and `per_page` (at most 100).
Personal data (ID numbers, phones) is masked everywhere; `POST /cases/{id}/pii-reveal` shows it
to a caseworker acting on the case and records who, what and why.
"""


class CaseworkApi(Api):
    """flask-smorest's Api with problem+json as the documented error body."""

    def _register_responses(self) -> None:
        self.ERROR_SCHEMA = ProblemSchema
        original = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/problem+json"
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = original

    def _register_error_handlers(self) -> None:
        errors.register(self._app)


def _authenticate() -> Any:
    """Every /api/v1 view needs a valid bearer token unless marked public. A CORS preflight
    (OPTIONS) never carries one; Flask answers it without reaching a view (a view that handled
    OPTIONS itself would still need the token)."""
    if not request.path.startswith("/api/v1/") or request.endpoint is None:
        return None
    if request.method == "OPTIONS" and getattr(
        request.url_rule, "provide_automatic_options", False
    ):
        return None
    view = current_app.view_functions.get(request.endpoint)
    if (
        view is None
        or getattr(view, "_casework_public", False)
        or request.path == "/api/v1/openapi.json"
    ):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "需要登录：请在 Authorization 头中提供 Bearer 令牌", "a bearer token is required"
        )
    rt: Runtime = current_app.extensions["casework"]
    try:
        actor, touch_id = people_auth.authenticate(rt.reader(), token.strip())
    except DBAPIError as exc:
        # Pooled connections are not pinged on checkout: one the database dropped (a restart,
        # an idle timeout) fails here, on the request's first statement, and is replaced.
        if not exc.connection_invalidated:
            raise
        actor, touch_id = people_auth.authenticate(rt.reader(), token.strip())
    if touch_id is not None:
        people_auth.touch(rt.uow(), touch_id)
    g.actor = actor
    return None


def _open_scope() -> None:
    """One connection and one session per request, shared by its units of work."""
    g.casework_scope = enter_scope(current_app.extensions["casework"].engine)


def _close_scope(_exc: BaseException | None) -> None:
    token = g.pop("casework_scope", None)
    if token is not None:
        exit_scope(token)


def _install_cors(app: Flask, origins: tuple[str, ...]) -> None:
    """CORS headers on /api/v1 for exactly these origins; none at all when there are none.
    Bearer tokens, not cookies: credentials are never allowed."""
    if not origins:
        return
    CORS(
        app,
        resources={r"/api/v1/.*": {"origins": list(origins)}},
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        methods=CORS_METHODS,
        max_age=CORS_MAX_AGE,
        supports_credentials=False,
    )

    @app.after_request
    def _vary_on_origin(resp: Response) -> Response:
        # The answer differs with the Origin (CORS headers or none) even for a single configured
        # origin, where flask-cors leaves Vary out: no cache may hand one to the other.
        if request.path.startswith("/api/v1/"):
            resp.vary.add("Origin")
        return resp


def _check_metrics_token(expected: str) -> None:
    """With CASEWORK_METRICS_TOKEN set, /metrics wants ``Authorization: Bearer <it>``."""
    if not expected:
        return
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise NotAuthenticated(
            "读取指标需要令牌：请在 Authorization 头中提供 Bearer 令牌",
            "/metrics needs its bearer token (CASEWORK_METRICS_TOKEN)",
        )


def create_app(config: dict[str, Any] | None = None, runtime: Runtime | None = None) -> Flask:
    app = Flask("casework", static_folder=str(STATIC), static_url_path="/static")
    app.config.update(
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
        API_TITLE="casework",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="v1/openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Swagger UI is vendored and served by the app: /api/docs works without internet.
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        # ReDoc too (the 2.x standalone bundle, vendored): /api/redoc.
        OPENAPI_REDOC_PATH="redoc",
        OPENAPI_REDOC_URL="/static/vendor/redoc/redoc.standalone.js",
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    if config:
        app.config.update(config)
    if runtime is None:
        settings = load_settings()
        if "DATABASE_URL" in app.config:
            settings = settings.with_overrides(database_url=app.config["DATABASE_URL"])
        runtime = build_runtime(settings)
    app.extensions["casework"] = runtime
    # Before any blueprint: their rules name it (``<id:case_id>``).
    app.url_map.converters["id"] = IdConverter
    hops = runtime.settings.trusted_proxies
    if hops > 0:
        # Behind that many reverse proxies, request.remote_addr (what the login throttle counts
        # by), the scheme and the host come from their X-Forwarded-* headers. Without trusted
        # proxies the headers are ignored: any client could write them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    observability.configure_logging(runtime.settings.log_level)
    observability.install(app)
    app.before_request(_open_scope)
    app.teardown_request(_close_scope)
    app.before_request(_authenticate)
    _install_cors(app, runtime.settings.cors_origins)
    guard.install(app)  # bodies and query strings, after authentication

    api = CaseworkApi(app)
    for name, schema in step_data_schemas().items():
        api.spec.components.schema(name, schema)
    app.register_blueprint(health_bp)
    for module in (
        auth,
        org_units,
        users,
        employers,
        workflows_,
        cases,
        intakes,
        callers,
        callbacks,
        inbox,
        calendar,
        referrals,
        tip_letters,
        reports,
        warnings,
    ):
        api.register_blueprint(module.blp)
    api.register_blueprint(warnings.rules_blp)

    # The web desks: /login, /desk, /cases/<id>, /hotline, /supervise (see docs/web.md).
    web.install(app, runtime)

    @app.get("/metrics")
    def metrics():  # type: ignore[no-untyped-def]
        _check_metrics_token(runtime.settings.metrics_token)
        return observability.metrics_response(runtime)

    return app
