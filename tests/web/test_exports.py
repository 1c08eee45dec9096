"""The supervisor desk's spreadsheets: the overdue and due-soon cases and the per-unit summary as
XLSX files a union office opens in WPS or Excel — zh-CN headers, one row per case or unit, dates
as real date cells (sortable, not text), names never read as formulas."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import update

from casework.models import Case, Deadline, Employer
from casework.reports import CSV_HEADERS
from tests.helpers import new_case

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _due(rt, case_id: int, when: dt.datetime, remind: dt.datetime | None = None) -> None:
    with rt.uow() as uow:
        uow.session.execute(update(Case).where(Case.id == case_id).values(next_due_at=when))
        uow.session.execute(
            update(Deadline)
            .where(Deadline.case_id == case_id)
            .values(due_at=when, due_on=when.date(), remind_at=remind)
        )
        uow.commit()


def _book(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == XLSX
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(resp.data))


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_overdue_and_due_soon_cases_download_as_a_workbook_with_date_cells(web, rt, demo):
    now = dt.datetime.now(dt.UTC)
    late = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    soon = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    _due(rt, late.id, now - dt.timedelta(days=3))
    _due(rt, soon.id, now + dt.timedelta(days=2), remind=now - dt.timedelta(hours=1))
    sup = web("supervisor.tianhe")
    assert "/supervise/deadlines.xlsx" in sup.get("/supervise").get_data(as_text=True)

    book = _book(sup.client.get("/supervise/deadlines.xlsx"))
    assert book.sheetnames == ["已超期", "即将到期"]
    overdue, due_soon = _rows(book["已超期"]), _rows(book["即将到期"])
    headers = ("单位", "案号", "流程", "状态", "用人单位", "承办人", "期限状态", "说明")
    assert overdue[0][: len(headers)] == headers
    assert overdue[0][8:] == ("届满日期", "立案日期")
    [row] = overdue[1:]
    assert row[:3] == ("石牌街道总工会", late.ref, "欠薪维权")
    assert row[4] == "广州市某建筑劳务有限公司" and row[6] == "已超期"
    assert row[7].startswith("已超期 ") and row[7].endswith(" 天")
    cell = book["已超期"]["I2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert cell.value.date() == (now - dt.timedelta(days=3)).date()
    assert book["已超期"]["J2"].is_date
    [row] = due_soon[1:]
    assert (row[1], row[6]) == (soon.ref, "即将到期")
    assert book["即将到期"]["I2"].value.date() == (now + dt.timedelta(days=2)).date()


def test_a_unit_outside_the_supervisors_subtree_is_not_in_the_workbook(web, rt, demo):
    elsewhere = new_case(rt, demo, "wage_arrears", unit="HZ-NHX", actor="supervisor.guangzhou")
    _due(rt, elsewhere.id, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    book = _book(web("supervisor.tianhe").client.get("/supervise/deadlines.xlsx"))
    assert len(_rows(book["已超期"])) == 1  # the headers only
    city = _book(web("supervisor.guangzhou").client.get("/supervise/deadlines.xlsx"))
    assert [r[1] for r in _rows(city["已超期"])[1:]] == [elsewhere.ref]


def test_the_per_unit_summary_downloads_as_a_workbook_with_the_csv_rows(web, rt, demo):
    new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    sup = web("supervisor.tianhe")
    book = _book(sup.client.get("/supervise/summary.xlsx"))
    rows = _rows(book["案件统计"])
    assert rows[0] == CSV_HEADERS
    shipai = [r for r in rows[1:] if r[1] == "石牌街道总工会"]
    total = next(r for r in shipai if r[3] == "合计")
    wage = next(r for r in shipai if r[3] == "欠薪维权")
    assert total[4] >= 1 and wage[4] == 1  # 在办, a number cell
    # The same rows as the CSV export, unit by unit.
    csv_text = sup.client.get("/supervise/summary.csv").data.decode("utf-8-sig")
    assert len(rows) == len(csv_text.strip().splitlines())


def test_a_name_that_looks_like_a_formula_stays_text(web, rt, demo):
    with rt.uow() as uow:
        emp = uow.session.get(Employer, demo.employer("建筑").id)
        emp.name = "=HYPERLINK(1)某公司"
        uow.commit()
    late = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    _due(rt, late.id, dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    book = _book(web("supervisor.tianhe").client.get("/supervise/deadlines.xlsx"))
    cell = book["已超期"]["E2"]
    assert cell.value == "=HYPERLINK(1)某公司" and cell.data_type == "s"
