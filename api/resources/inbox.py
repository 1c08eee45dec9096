"""The supervisor inbox: escalations into the caller's subtree, and notices to acknowledge."""

from __future__ import annotations

from api.http import Blueprint, actor, page_args, problems, rt
from api.schemas import (
    CursorArgs,
    EscalationPage,
    NotificationArgs,
    NotificationPage,
    NotificationSchema,
)
from casework.escalation import queries as escalation_queries
from casework.notices import queries as notices
from casework.notices import service as notice_service

blp = Blueprint(
    "inbox", __name__, url_prefix="/api/v1", description="督办收件箱 Escalations and notifications"
)


@blp.route("/escalations", methods=["GET"])
@blp.arguments(CursorArgs, location="query")
@blp.response(200, EscalationPage)
@problems(blp, 401, 422)
def escalations(args):
    """上提案件 Escalations into the caller's subtree: open cases first, newest first."""
    return escalation_queries.inbox(
        rt().reader(), actor=actor(), cursor=args.get("cursor"), **page_args(args)
    ).as_dict()


@blp.route("/notifications", methods=["GET"])
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationPage)
@problems(blp, 401, 422)
def notifications(args):
    """我的通知 Notices to the caller or their unit: unread first."""
    return notices.notifications(
        rt().reader(), actor=actor(), unread=args.get("unread"), **page_args(args)
    ).as_dict()


@blp.route("/notifications/<id:notification_id>/ack", methods=["POST"])
@blp.response(200, NotificationSchema)
@problems(blp, 401, 404)
def ack(notification_id):
    """已读 Acknowledge a notice (idempotent)."""
    notice_service.acknowledge(rt().uow(), actor=actor(), notification_id=notification_id)
    return notices.notification(rt().reader(), actor=actor(), notification_id=notification_id)
