"""Reading inbox notices."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from casework.core.queries import Page, get_or_404, page_of
from casework.core.time import iso
from casework.core.uow import UnitOfWork
from casework.models import Notification
from casework.people.access import Actor


def addressed_to(actor: Actor) -> Any:
    """Notices for the actor: their own, and their unit's."""
    return or_(Notification.user_id == actor.user_id, Notification.org_unit_id == actor.org_unit_id)


def notification_view(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "case_id": n.case_id,
        "data": n.data or {},
        "created_at": iso(n.created_at),
        "read_at": iso(n.read_at),
    }


def notifications(
    uow: UnitOfWork,
    *,
    actor: Actor,
    unread: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Notices to the caller or their unit: unread first, newest first."""
    conds = [addressed_to(actor)]
    if unread is True:
        conds.append(Notification.read_at.is_(None))
    elif unread is False:
        conds.append(Notification.read_at.is_not(None))
    with uow:
        return page_of(
            uow.session,
            select(Notification)
            .where(*conds)
            .order_by(
                Notification.read_at.is_(None).desc(),
                Notification.created_at.desc(),
                Notification.id.desc(),
            ),
            select(func.count(Notification.id)).where(*conds),
            page,
            per_page,
            lambda rows: [notification_view(n) for (n,) in rows],
        )


def notification(uow: UnitOfWork, *, actor: Actor, notification_id: int) -> dict[str, Any]:
    with uow:
        n = get_or_404(
            uow.session,
            Notification,
            notification_id,
            "通知",
            "notification",
            visible=lambda n: n.user_id == actor.user_id or n.org_unit_id == actor.org_unit_id,
        )
        return notification_view(n)
