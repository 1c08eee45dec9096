"""``Idempotency-Key``: a retry answers the same and changes nothing; the same key with another
body is refused.

The key row is inserted first, in a savepoint, in the same transaction as the work: when a
concurrent request with the same key got there first, the unique key makes ours fail (on
PostgreSQL it waits for theirs to commit) and we answer from their row instead of doing the work
twice. The stored fingerprint is a SHA-256 of the normalised request in which personal data
enters only as keyed blind indexes, so it cannot be brute-forced back to a phone or ID number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.core.errors import Conflict, IdempotencyKeyReused, InvalidInput
from casework.core.vocab import MAX_IDEMPOTENCY_KEY
from casework.models import IdempotencyKey


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    printable = all(" " <= c <= "~" for c in key) if isinstance(key, str) else False
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY or not printable:
        raise InvalidInput(
            "Idempotency-Key",
            "幂等键须为1到255个可打印ASCII字符",
            "must be 1 to 255 printable ASCII characters",
        )
    return key


def fingerprint(canonical: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a normalised request."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claim_key(
    session: Session, user_id: int, key: str, request_hash: str, now: dt.datetime
) -> IdempotencyKey | dict[str, Any]:
    """Insert the key row (ours from now on: store the response in it before commit), or return
    the body stored under it by an earlier request with the same body."""
    row = IdempotencyKey(
        user_id=user_id, key=key, request_hash=request_hash, response={}, created_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        stored = session.scalars(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        ).first()
        if stored is None:  # pragma: no cover - deleted between our insert and this read
            raise Conflict(
                "请求正在处理，请稍后重试", "a request with this key is in progress; retry"
            ) from None
        if stored.request_hash != request_hash:
            raise IdempotencyKeyReused(
                "同一幂等键（Idempotency-Key）已用于内容不同的请求，请为新请求使用新的键",
                "this Idempotency-Key was already used with a different request body; "
                "use a new key",
            ) from None
        return dict(stored.response)
    return row
