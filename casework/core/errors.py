"""Domain errors. Each carries a stable ``code``, a zh-CN message and an English one.

``api/errors.py`` maps them to HTTP once; the CLI prints them. Messages never contain personal
data (ID numbers, phones).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message_zh: str, message_en: str, **details: Any) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details

    def __str__(self) -> str:
        return f"{self.message_en} ({self.message_zh})"


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    """Bad input for one field."""

    code = "invalid_input"

    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{field}: {message_zh}", f"{field}: {message_en}", field=field)
        self.field = field
        self.reason_zh = message_zh
        self.reason_en = message_en

    def at(self, field: str) -> InvalidInput:
        """The same complaint about a field named in the caller's terms (``caller.phone``,
        ``workers.0.id_number``)."""
        return InvalidInput(field, self.reason_zh, self.reason_en)


class UnknownTrigger(DomainError):
    code = "unknown_trigger"


class TransitionNotAllowed(DomainError):
    """The trigger exists but is not valid from the case's current state."""

    code = "transition_not_allowed"


class NotPermitted(DomainError):
    """The actor's role (or scope) does not allow this."""

    code = "not_permitted"


class LevelTooLow(DomainError):
    """The owning unit's level is below the transition's minimum."""

    code = "level_too_low"


class GuardRefused(DomainError):
    code = "guard_refused"


class VersionConflict(DomainError):
    """Someone else changed the case since it was read."""

    code = "version_conflict"


class Conflict(DomainError):
    """A uniqueness rule would be broken (a code or username already in use)."""

    code = "conflict"


class IdempotencyKeyReused(DomainError):
    """The same ``Idempotency-Key`` was sent again with a different request body."""

    code = "idempotency_key_reused"


class TooManyAttempts(DomainError):
    """Too many failed logins from one client; retry after ``retry_after`` seconds."""

    code = "too_many_attempts"


class NotAuthenticated(DomainError):
    """No valid credentials (bad password, missing, expired or revoked token)."""

    code = "not_authenticated"


class DocumentIssued(Conflict):
    """An issued document is immutable: it can be neither edited nor issued again."""

    code = "document_already_issued"


class TemplateBroken(DomainError):
    """A document template (an administrator's override, usually) cannot be read or rendered;
    the message names the file and the line, never a server path."""

    code = "document_template_broken"

    def __init__(self, name: str, problem: str, line: int | None = None) -> None:
        where_zh = name + (f" 第{line}行" if line else "")
        where_en = name + (f" line {line}" if line else "")
        super().__init__(
            f"文书模板有误（{where_zh}）：{problem}；请管理员修改模板",
            f"document template {where_en} is broken: {problem}",
            template=name,
            line=line,
        )
