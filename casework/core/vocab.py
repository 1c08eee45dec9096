"""Closed vocabularies and limits of the engine, declared once.

Models turn them into CHECK constraints, API schemas into ``OneOf`` validators, services into
checks with a message. The workflow vocabulary (org levels, roles, complexity tiers, calendar
units) lives in :mod:`workflows.base`, which cannot import the engine; it is re-exported here so
the engine has one place to import from.
"""

from __future__ import annotations

from workflows.base import (
    EXTENSION_BASES,
    KINDS,
    LEVEL_LABELS_ZH,
    LEVELS,
    ROLES,
    SYSTEM,
    TIER_LABELS_ZH,
    TIERS,
    UNITS,
)
from workflows.documents import DOCUMENT_KINDS

__all__ = [
    "ACTIVE_CLOCK_STATUSES",
    "ANSWERED_ON_CALL",
    "CATEGORIES",
    "EMPLOYER_OPTIONAL",
    "CHANNELS",
    "CLOCK_STATUSES",
    "DAY_UNITS",
    "DEADLINE_KINDS",
    "DOCUMENT_KINDS",
    "ESCALATION_REASONS",
    "EXTENSION_BASES",
    "FIELDS_REVEALABLE",
    "LEVELS",
    "LEVEL_LABELS_ZH",
    "MANUAL_ESCALATION_REASONS",
    "ROLES",
    "SYSTEM",
    "TIERS",
    "TIER_LABELS_ZH",
    "check_constraint",
]

DAY_UNITS: tuple[str, ...] = UNITS  # calendar or working days
DEADLINE_KINDS: tuple[str, ...] = KINDS  # statutory or handling
# A clock's life: running ⇄ paused, then stopped (handing over after a lift), expired or met.
CLOCK_STATUSES: tuple[str, ...] = ("running", "paused", "stopped", "expired", "met")
ACTIVE_CLOCK_STATUSES: tuple[str, ...] = ("running", "paused")

# How a case arrived.
CHANNELS: tuple[str, ...] = ("hotline", "walk_in", "online", "referral")

# Category of a hotline call → the process it opens (None: answered on the work order).
CATEGORIES: dict[str, str | None] = {
    "consultation": None,
    "wage_arrears": "wage_arrears",
    "dispute": "mediation",
    "legal_aid": "legal_aid",
    "violation_report": "supervision",
    "suggestion": None,
    "service_help": None,  # 服务帮扶: a unit helps the worker; no statutory process
    "complaint": None,  # 信访投诉 about a union body: handled by the level above it
}
# Categories the operator answers on the call (the answer is theirs, and required).
ANSWERED_ON_CALL: tuple[str, ...] = ("consultation", "suggestion")
# Categories that need no employer.
EMPLOYER_OPTIONAL: tuple[str, ...] = ("consultation", "suggestion", "service_help", "complaint")

# Why a case rose one level (上代下), with the words a supervisor reads.
ESCALATION_REASONS: dict[str, str] = {
    "deadline_expired": "办理期限届满未办结",
    "no_union": "用人单位未建工会",
    "cannot_perform": "本级无力办理",
    "conflict_of_interest": "存在利益冲突",
    "requires_higher_level": "需上级工会行使职权",
    "other": "其他原因",
}
# The reasons a unit may give when it asks to be relieved (the deadline is the sweep's).
MANUAL_ESCALATION_REASONS: tuple[str, ...] = tuple(
    r for r in ESCALATION_REASONS if r != "deadline_expired"
)

# Personal data a permitted user may reveal on a case.
FIELDS_REVEALABLE: tuple[str, ...] = ("id_number", "phone")

# -- limits ----------------------------------------------------------------------------------
INT32_MAX = 2**31 - 1  # every id column
MAX_AMOUNT_TEXT = "999999999999.99"  # Numeric(14, 2)
MAX_WORKERS = 100_000
MAX_WORKERS_LISTED = 200
MAX_TEXT = 10_000  # comments, summaries, call descriptions
MAX_PER_PAGE = 100
# Lists that page by cursor count their rows up to this many (beyond it: "1,000 or more"), so a
# page of a million-row list costs what a page of a small one does.
TOTAL_CAP = 1_000
MAX_PAGE = 1_000_000
MAX_IDEMPOTENCY_KEY = 255
MAX_USERNAME = 80  # users.username, and the account a failed login names
MAX_CLIENT_ADDRESS = 64  # the client address a failed login names
MAX_ADDRESSEE = 200
MAX_EMPLOYER_NAME = 200
MAX_PERSON_NAME = 120
MAX_MOVE_REASON = 500  # employer_moves.reason
# Org unit codes and usernames: letters, digits, '.', '_', '-', starting with a letter or digit.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
MAX_ORG_CODE = 64
MAX_ORG_NAME = 200
MAX_USERNAME = 80
MAX_DISPLAY_NAME = 120
MAX_PASSWORD = 256
MAX_DEADLINE_DAYS = 3650
CALENDAR_YEARS = (1949, 2199)  # the years deadline arithmetic and calendar writes accept


def check_constraint(column: str, values: tuple[str, ...] | list[str] | dict[str, object]) -> str:
    """``column IN ('a', 'b')`` for a CHECK constraint over a closed vocabulary."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
