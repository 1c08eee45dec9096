"""The HTTP face of the engine: Flask app factory, health checks (REST API grows here)."""

from api.app import create_app

__all__ = ["create_app"]
