"""Readiness: the database answers and its schema is at the code's head revision."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from casework.core.migrate import current_revision, head_revision

log = logging.getLogger(__name__)


def check_database(engine: Engine) -> tuple[bool, str]:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        return False, "unreachable"
    head = head_revision()
    if current != head:
        return False, f"schema at {current or 'none'}, code expects {head}"
    return True, f"ok (schema {current})"
