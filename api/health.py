"""Liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from casework.core.health import check_database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    ok, detail = check_database(current_app.extensions["casework"].engine)
    body = {"status": "ok" if ok else "unavailable", "database": detail}
    return jsonify(body), (200 if ok else 503)
