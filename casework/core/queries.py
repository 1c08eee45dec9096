"""What every slice's queries share: pages of rows and "load it or 404"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from casework.core.errors import NotFound
from casework.core.vocab import MAX_PER_PAGE

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
        }


def bounds(page: int, per_page: int) -> tuple[int, int]:
    """The page number (from 1) and size (1 to MAX_PER_PAGE) actually served."""
    return max(page, 1), max(1, min(per_page, MAX_PER_PAGE))


def page_of(
    session: Session,
    stmt: Select,
    count_stmt: Select,
    page: int,
    per_page: int,
    present: Callable[[list[Any]], list[dict[str, Any]]],
) -> Page:
    """One page of ``stmt`` (rows as tuples) presented, and the total from ``count_stmt``."""
    page, per_page = bounds(page, per_page)
    total = session.execute(count_stmt).scalar_one()
    rows = list(session.execute(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(present(rows), page, per_page, total)


def get_or_404(
    session: Session,
    model: type[T],
    key: Any,
    what_zh: str,
    what_en: str,
    *,
    visible: Callable[[T], bool] | None = None,
) -> T:
    """The row of ``model`` with primary key ``key``, or NotFound. With ``visible``, a row the
    caller may not see is NotFound too: its existence is never revealed."""
    row = session.get(model, key) if key is not None else None
    if row is None or (visible is not None and not visible(row)):
        raise NotFound(f"{what_zh}不存在", f"no {what_en} {key!r}")
    return row
