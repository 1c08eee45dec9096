"""The administrator's page, the parts an administrator needs once a year or now and then: the
State Council's schedule for next year imported from a file (the same CSV/JSON as
``casework calendar import``), its mistakes shown in 中文 with the line, and an employer moved
to another union body so later calls go there."""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import func, select

from casework.models import CalendarDay, CalendarYear, Employer, EmployerMove
from tests.web_support import text_of

# Part of a published schedule for 2027 (the format docs/domain.md gives).
SCHEDULE = """date,is_workday,name
2027-02-06,0,春节
2027-02-07,0,春节
2027-02-08,0,春节
2027-02-14,1,春节调休上班
"""


def _upload(admin, content: bytes, filename: str = "2027.csv", year: int = 2027):
    return admin.client.post(
        f"/admin/calendar/import?year={year}",
        data={"csrf_token": admin.csrf, "schedule": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_next_years_schedule_is_imported_from_a_file_and_the_year_is_verified(web, rt):
    admin = web("admin")
    page = text_of(admin.get("/admin?year=2027"))
    assert "该年度官方安排尚未导入核实" in page and 'enctype="multipart/form-data"' in page
    resp = _upload(admin, SCHEDULE.encode())
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin?year=2027")
    page = text_of(admin.get("/admin?year=2027"))
    assert "已导入 4 天的放假安排，2027 年日历已核实" in page
    assert "官方安排已核实" in page and "春节调休上班" in page
    assert "2027-02-14（周日）" in page
    with rt.reader() as uow:
        assert uow.session.get(CalendarYear, 2027).verified
        assert uow.session.get(CalendarDay, dt.date(2027, 2, 14)).is_workday


def test_a_json_schedule_imports_too(web, rt):
    admin = web("admin")
    admin.get("/admin")
    body = '[{"date": "2027-10-01", "is_workday": false, "name": "国庆节"}]'.encode()
    assert _upload(admin, body, "2027.json").status_code == 302
    assert "国庆节" in text_of(admin.get("/admin?year=2027"))


def test_a_bad_line_refuses_the_whole_file_and_says_which_in_chinese(web, rt):
    admin = web("admin")
    admin.get("/admin?year=2027")
    bad = SCHEDULE + "2027-02-30,0,不存在的日子\n"
    resp = _upload(admin, bad.encode())
    page = text_of(resp)
    assert resp.status_code == 422
    error = re.search(r'<small id="cal-file-error"[^>]*>([^<]+)</small>', page).group(1)
    assert error == "第6行：日期应为 YYYY-MM-DD"
    assert 'aria-describedby="cal-file-error"' in page
    for content, reason in (
        ("2027-02-06,也许,春节\n".encode(), "第1行：无法识别是否工作日"),
        ("春节放假七天".encode("gb18030"), "文件须为 UTF-8 编码"),
        (b"", "请选择要导入的放假安排文件"),
        ("3000-01-01,0,元旦\n".encode(), "超出日历支持的年份"),
    ):
        resp = _upload(admin, content)
        assert resp.status_code == 422 and reason in text_of(resp), reason
    with rt.reader() as uow:  # nothing of any of them was written
        assert uow.session.get(CalendarYear, 2027) is None
        assert (
            uow.session.scalar(
                select(func.count()).select_from(CalendarDay).where(CalendarDay.source == "admin")
            )
            == 0
        )


def test_an_employer_is_moved_to_another_unit_and_the_move_is_recorded(web, rt, demo):
    emp = demo.employer("建筑")  # placed at 石牌街道总工会
    target = demo.unit("TH-SP-ACME")
    admin = web("admin")
    page = text_of(admin.get("/admin?q=建筑"))
    assert "广州市某建筑劳务有限公司" in page and "广州市某餐饮管理有限公司" not in page
    resp = admin.post(
        f"/admin/employers/{emp.id}/unit?year=2026&q=建筑",
        {"org_unit_id": str(target.id), "reason": "该公司已在科技园区登记"},
    )
    assert resp.status_code == 302 and "q=" in resp.headers["Location"]
    page = text_of(admin.get(resp.headers["Location"]))
    assert "用人单位已调整所属工会" in page
    row = re.search(r"<tr><td data-label=\"名称\">广州市某建筑劳务有限公司.*?</tr>", page, re.S)
    assert target.name in re.search(r'data-label="所属工会">([^<]+)<', row.group(0)).group(1)
    with rt.reader() as uow:
        assert uow.session.get(Employer, emp.id).org_unit_id == target.id
        [move] = uow.session.scalars(select(EmployerMove)).all()
        assert (move.actor, move.reason) == ("admin", "该公司已在科技园区登记")


def test_a_refused_move_says_why_next_to_the_field(web, rt, demo):
    emp = demo.employer("建筑")
    admin = web("admin")
    admin.get("/admin")
    resp = admin.post(
        f"/admin/employers/{emp.id}/unit",
        {"org_unit_id": str(demo.unit("TH-SP-ACME").id), "reason": "联系电话 13912345678"},
    )
    page = text_of(resp)
    assert resp.status_code == 422
    assert f'id="emp-reason-{emp.id}-error"' in page and "不得写入身份证号或电话号码" in page
    resp = admin.post(f"/admin/employers/{emp.id}/unit", {"org_unit_id": "x"})
    assert resp.status_code == 422 and "请选择所属工会" in text_of(resp)
    with rt.reader() as uow:
        assert uow.session.get(Employer, emp.id).org_unit_id == demo.unit("TH-SP").id
