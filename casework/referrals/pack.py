"""The joint-meeting pack as a Word document (python-docx): a real DOCX that Word and WPS open,
laid out the way Chinese offices set their papers (GB/T 9704-2012 in spirit): A4 with the
standard margins, the title in 方正小标宋简体, headings in 黑体, text and tables in 仿宋_GB2312.
Where a machine lacks those fonts, Word and WPS substitute their own; the names stay in the file.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from casework.referrals.queries import COUNTS

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"


def _font(run: Any, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def _para(doc: Any, text: str, font: str, size: float, *, center: bool = False) -> Any:
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), font, size)
    return p


def _table(doc: Any, headers: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 10.5)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, 10.5)


def joint_meeting_docx(report: dict[str, Any]) -> bytes:
    """The pack of :func:`casework.referrals.queries.joint_meeting` as DOCX bytes."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _para(doc, report["title"], TITLE_FONT, 22, center=True)
    t = report["totals"]
    _para(
        doc,
        f"{report['year']}年，{report['org_unit']['name']}及所属工会共向有关机关移送事项"
        f"{t['sent']}件，按期答复{t['answered_on_time']}件，逾期答复{t['answered_late']}件，"
        f"尚未答复{t['open']}件，其中逾期未答复{t['overdue']}件；有关机关移交工会办理事项"
        f"{len(report['inbound'])}件。",
        BODY_FONT,
        16,
    )

    _para(doc, "一、移送情况（按机关）", HEADING_FONT, 16)
    _table(
        doc,
        ["机关类别", "移送", "按期答复", "逾期答复", "未答复", "逾期未答复"],
        [[a["label_zh"], *(a[k] for k in COUNTS)] for a in report["agencies"]]
        + [["合计", *(t[k] for k in COUNTS)]],
    )

    _para(doc, "二、逾期未反馈事项（提请联席会议研究）", HEADING_FONT, 16)
    if report["agenda"]:
        _table(
            doc,
            ["序号", "案件编号", "移送单位", "接收机关", "移送事项", "期限", "届满日", "现状"],
            [
                [
                    i,
                    a["case_ref"],
                    a["org_unit"]["name"],
                    a["agency_name"],
                    a["matter"],
                    a["stage_label_zh"] or "答复反馈",
                    a["due_on"],
                    a["status_label_zh"],
                ]
                for i, a in enumerate(report["agenda"], 1)
            ],
        )
    else:
        _para(doc, "无。", BODY_FONT, 16)

    _para(doc, "三、有关部门答复情况", HEADING_FONT, 16)
    if report["answers"]:
        _table(
            doc,
            ["案件编号", "答复机关", "答复日期", "处理结果", "答复内容", "是否按期"],
            [
                [
                    a["case_ref"],
                    a["agency_name"],
                    a["answered_on"],
                    a["outcome_label_zh"],
                    a["answer"],
                    "按期" if a["on_time"] else "逾期",
                ]
                for a in report["answers"]
            ],
        )
    else:
        _para(doc, "无。", BODY_FONT, 16)

    _para(doc, "四、有关机关移交工会办理的事项", HEADING_FONT, 16)
    if report["inbound"]:
        _table(
            doc,
            ["案件编号", "移交机关", "来文编号", "收到日期", "事项", "办理情况"],
            [
                [
                    i["case_ref"],
                    i["agency_name"],
                    i["reference"],
                    i["received_on"],
                    i["matter"],
                    i["case_state_label_zh"],
                ]
                for i in report["inbound"]
            ],
        )
    else:
        _para(doc, "无。", BODY_FONT, 16)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
