"""Per-unit reports of the caller's subtree (the case summary, the 12351 work-order figures),
as JSON or CSV for spreadsheets."""

from __future__ import annotations

from flask import Response

from api.http import CSV_ALT, Blueprint, actor, csv_download, problems, rt
from api.schemas import (
    HotlineReportSchema,
    JointMeetingArgs,
    JointMeetingSchema,
    ReportArgs,
    ReportSchema,
    WarningReportArgs,
    WarningReportSchema,
)
from casework import reports
from casework.referrals import queries as referrals
from casework.referrals.pack import joint_meeting_docx
from casework.warnings import queries as warnings

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="统计报表 Reports")


@blp.route("/summary", methods=["GET"])
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportSchema)
@blp.alt_response(200, **CSV_ALT)
@problems(blp, 401, 404, 422)
def summary(args):
    """统计汇总 Per unit of the subtree: open, closed, overdue, escalated in/out, median days to close."""  # noqa: E501 - the summary line of the OpenAPI operation
    report = reports.summary(
        rt().reader(),
        actor=actor(),
        org_unit_id=args.get("org_unit_id"),
        date_from=args.get("from_"),
        date_to=args.get("to"),
    )
    if args["format"] == "csv":
        return csv_download(reports.summary_csv(report), "casework-summary.csv")
    return report


@blp.route("/hotline", methods=["GET"])
@blp.arguments(ReportArgs, location="query")
@blp.response(200, HotlineReportSchema)
@blp.alt_response(200, **CSV_ALT)
@problems(blp, 401, 404, 422)
def hotline(args):
    """热线工单统计 Per unit and tier: received, answered, dispatched, signed, returned, closed, 满意率, 督办."""  # noqa: E501 - the summary line of the OpenAPI operation
    report = reports.hotline(
        rt().reader(),
        actor=actor(),
        org_unit_id=args.get("org_unit_id"),
        date_from=args.get("from_"),
        date_to=args.get("to"),
    )
    if args["format"] == "csv":
        return csv_download(reports.hotline_csv(report), "casework-hotline.csv")
    return report


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@blp.route("/joint-meeting", methods=["GET"])
@blp.arguments(JointMeetingArgs, location="query")
@blp.response(200, JointMeetingSchema)
@blp.alt_response(
    200,
    schema={"type": "string"},
    content_type="text/csv",
    description="With format=csv: a CSV file (UTF-8 with BOM, Chinese headers)",
    success=True,
)
@blp.alt_response(
    200,
    schema={"type": "string", "format": "binary"},
    content_type=DOCX,
    description="With format=docx: a Word document (Chinese title, headings and tables)",
    success=True,
)
@problems(blp, 401, 404, 422)
def joint_meeting(args):
    """政府与工会联席会议材料 Referrals by agency (sent, answered on time or late, open, overdue), the agenda of overdue ones, the agencies' answers, the matters referred to the union."""  # noqa: E501 - the summary line of the OpenAPI operation
    pack = referrals.joint_meeting(
        rt().reader(), actor=actor(), org_unit_id=args.get("org_unit_id"), year=args.get("year")
    )
    if args["format"] == "csv":
        return csv_download(referrals.joint_meeting_csv(pack), f"joint-meeting-{pack['year']}.csv")
    if args["format"] == "docx":
        return Response(
            joint_meeting_docx(pack),
            mimetype=DOCX,
            headers={
                "Content-Disposition": f'attachment; filename="joint-meeting-{pack["year"]}.docx"'
            },
        )
    return pack


@blp.route("/warnings", methods=["GET"])
@blp.arguments(WarningReportArgs, location="query")
@blp.response(200, WarningReportSchema)
@blp.alt_response(200, **CSV_ALT)
@problems(blp, 401, 404, 422)
def warnings_report(args):
    """劳动关系预警统计 Per unit and rule: warnings raised, disposed of on time, overdue, still open."""  # noqa: E501 - the summary line of the OpenAPI operation
    report = warnings.warnings_report(
        rt().reader(),
        actor=actor(),
        org_unit_id=args.get("org_unit_id"),
        date_from=args.get("from_"),
        date_to=args.get("to"),
    )
    if args["format"] == "csv":
        return csv_download(warnings.warnings_report_csv(report), "casework-warnings.csv")
    return report
