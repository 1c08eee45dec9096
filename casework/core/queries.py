"""What every slice's queries share: pages of rows and "load it or 404"."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from casework.core.errors import InvalidInput, NotFound
from casework.core.vocab import INT32_MAX, MAX_PER_PAGE, TOTAL_CAP

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


@dataclass(frozen=True)
class KeysetPage(Page):
    """A page of a list that can also be walked with a cursor (keyset pagination): each page
    names the one after it, whatever the list's length, and the total is counted up to
    :data:`TOTAL_CAP` only (``total_exact`` false beyond it), so a page costs the same at a
    thousand rows or a million."""

    total_exact: bool = True
    next_cursor: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "total_exact": self.total_exact,
            "next_cursor": self.next_cursor,
        }


_CURSOR_ERROR = ("翻页游标无效，请从第一页重新开始", "not a cursor this list gave out")


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the sort key of the last row of a page (ints, bools, UTC times)."""
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The sort key a cursor of :func:`encode_cursor` carries, each value of the kind the list
    expects (``int``, ``bool`` or ``datetime``); anything else is :class:`InvalidInput`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor", *_CURSOR_ERROR) from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise InvalidInput("cursor", *_CURSOR_ERROR)
    out: list[Any] = []
    for kind, value in zip(kinds, values, strict=True):
        if kind is dt.datetime:
            try:
                when = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                when = None
            if when is None or when.tzinfo is None or not 1 < when.year < 9999:
                raise InvalidInput("cursor", *_CURSOR_ERROR)
            out.append(when.astimezone(dt.UTC))
        elif (kind is bool and isinstance(value, bool)) or (
            kind is int and type(value) is int and 0 <= value <= INT32_MAX
        ):
            out.append(value)
        else:
            raise InvalidInput("cursor", *_CURSOR_ERROR)
    return out


def capped_count(session: Session, ids: Select) -> tuple[int, bool]:
    """How many rows ``ids`` (a SELECT of one column) yields, counted up to :data:`TOTAL_CAP`,
    and whether that is exact: the count reads at most TOTAL_CAP + 1 index entries."""
    n = session.execute(
        select(func.count()).select_from(ids.limit(TOTAL_CAP + 1).subquery())
    ).scalar_one()
    return min(n, TOTAL_CAP), n <= TOTAL_CAP


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
