"""Gap-free counters (case references, document numbers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def next_in_sequence(session: Session, counter: type[Any], **key: Any) -> int:
    """The next number of the counter row ``key`` of table ``counter`` (a model with a ``last``
    column), gap-free within committed transactions: ``UPDATE ... RETURNING`` queues concurrent
    callers on the row lock; the first use inserts the row in a savepoint, and a lost race on
    that insert falls back to the update."""
    stmt = (
        update(counter)
        .where(*(getattr(counter, k) == v for k, v in key.items()))
        .values(last=counter.last + 1)
        .returning(counter.last)
    )
    number = session.execute(stmt).scalar()
    if number is None:
        try:
            with session.begin_nested():
                session.add(counter(**key, last=1))
            number = 1
        except IntegrityError:
            number = session.execute(stmt).scalar_one()
    return int(number)
