"""The web desks: server-rendered pages (Jinja2 + htmx, every asset served by the app) for the
hotline, the caseworkers and the supervisors. They build the same :class:`Actor` as the REST API
(from a bearer token kept in the signed session cookie) and call the same services and queries:
one authorisation, one set of rules. See docs/web.md.

Each page module adds its views to the one blueprint (:data:`api.web.core.bp`) when imported.
"""

from __future__ import annotations

from api.web import (  # noqa: F401 - they register their views
    admin,
    case_documents,
    case_page,
    desk,
    employers,
    hotline,
    signin,
    supervise,
)
from api.web.core import install

__all__ = ["install"]
