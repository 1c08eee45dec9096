"""App factory. Thin: builds the runtime, registers blueprints and the error mapping."""

from __future__ import annotations

from typing import Any

from flask import Flask

from casework.runtime import Runtime, build_runtime
from casework.settings import load_settings


def create_app(config: dict[str, Any] | None = None, runtime: Runtime | None = None) -> Flask:
    app = Flask("casework")
    app.config.update(JSON_AS_ASCII=False)
    if config:
        app.config.update(config)
    if runtime is None:
        settings = load_settings()
        if "DATABASE_URL" in app.config:
            settings = settings.with_overrides(database_url=app.config["DATABASE_URL"])
        runtime = build_runtime(settings)
    app.extensions["casework"] = runtime

    from api.health import bp as health_bp

    app.register_blueprint(health_bp)
    return app


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["casework"]
