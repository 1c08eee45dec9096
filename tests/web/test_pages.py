"""The desks in-process: what each page shows a user, and that a form's bad input comes back with
the 中文 reason next to the field (never a 500, nothing typed lost)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from casework.models import Case, Deadline
from tests.helpers import new_case
from tests.web_support import text_of

CALL = {
    "caller_name": "张三",
    "caller_phone": "13800138000",
    "category": "wage_arrears",
    "complexity": "normal",
    "worker_count": "1",
    "amount_claimed": "8600",
    "employer_name": "广州市某建筑劳务有限公司",
    "description": "拖欠三个月工资",
}


def _file(user, **over):
    page = text_of(user.get("/hotline"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    return user.post("/hotline/intakes", {**CALL, "idempotency_key": key, **over}), key


def test_hotline_files_a_call_once_per_form_and_says_where_it_went(web, rt):
    op = web("hotline")
    resp, key = _file(op)
    assert resp.status_code == 302
    page = text_of(op.get("/hotline"))
    assert "已派至 石牌街道总工会" in page
    # The same form sent again (a double click) files nothing new.
    again = op.post("/hotline/intakes", {**CALL, "idempotency_key": key})
    assert again.status_code == 302
    with rt.reader() as uow:
        orders = uow.session.scalars(select(Case).where(Case.workflow == "hotline")).all()
    assert len(orders) == 1


def test_hotline_bad_input_comes_back_next_to_the_field_with_what_was_typed(web):
    op = web("hotline")
    resp, _ = _file(op, caller_phone="12345", description="拖欠三个月工资，老板失联")
    page = text_of(resp)
    assert resp.status_code == 422
    assert 'id="caller_phone-error"' in page and 'aria-invalid="true"' in page
    assert "拖欠三个月工资，老板失联" in page and 'value="张三"' in page


def test_a_nul_character_in_a_form_is_refused_next_to_the_field_not_a_500(web):
    op = web("hotline")
    resp, _ = _file(op, caller_name="张\x00三")
    assert resp.status_code == 422 and "控制字符" in text_of(resp)


def test_the_caller_lookup_shows_open_work_before_anything_is_filed(web):
    op = web("hotline")
    _file(op)
    found = text_of(op.post("/hotline/lookup", {"caller_phone": "138 0013 8000"}))
    assert "该来电人有 2 件在办" in found
    unknown = text_of(op.post("/hotline/lookup", {"caller_phone": "13900139000"}))
    assert "没有在办事项" in unknown
    partial = text_of(op.post("/hotline/lookup", {"caller_phone": "1390"}))
    assert "输入完整" in partial


def test_the_routing_preview_names_the_unit(web):
    op = web("hotline")
    op.get("/hotline")
    form = {"category": "wage_arrears", "employer_name": "广州市某建筑劳务有限公司"}
    assert "将派至 石牌街道总工会" in text_of(op.post("/hotline/route", form))
    form["category"] = "consultation"
    assert "直接答复" in text_of(op.post("/hotline/route", form))
    unknown = {"category": "wage_arrears", "employer_name": "从未登记的公司"}
    assert "人工派单" in text_of(op.post("/hotline/route", unknown))


def test_the_desk_shows_waiting_orders_and_deadline_badges(web, rt, demo):
    op = web("hotline")
    _file(op)
    worker = web("caseworker.shipai")
    page = text_of(worker.get("/desk?scope=unit"))
    assert "待签收工单" in page and "已派单" in page
    assert "正常" in page and "个工作日" in page
    # Overdue: the nearest clock ended two days ago.
    with rt.uow() as uow:
        due = dt.datetime.now(dt.UTC) - dt.timedelta(days=2, hours=1)
        uow.session.execute(update(Deadline).values(due_at=due, due_on=due.date()))
        uow.commit()
    page = text_of(worker.get("/desk?scope=unit"))
    assert "已超期 2 天" in page or "已超期 3 天" in page


def test_case_page_shows_facts_clocks_with_arithmetic_and_step_forms(web, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    worker = web("caseworker.shipai")
    page = text_of(worker.get(f"/cases/{case.id}"))
    assert case.ref in page and "广州市某建筑劳务有限公司" in page
    assert "起算（当日不计）" in page and "届满" in page
    assert 'name="version"' in page


def test_a_stale_form_says_the_case_changed_and_overwrites_nothing(web, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    worker = web("caseworker.shipai")
    worker.get(f"/cases/{case.id}")
    first = worker.post(f"/cases/{case.id}/comments", {"text": "第一条", "version": case.version})
    assert first.status_code == 302
    stale = worker.post(f"/cases/{case.id}/comments", {"text": "第二条", "version": case.version})
    assert stale.status_code == 409 and "案件已被他人修改，请刷新" in text_of(stale)
    page = text_of(worker.get(f"/cases/{case.id}"))
    assert "第一条" in page and "第二条" not in page


def test_the_supervisor_desk_shows_inbox_overdue_and_figures(web, rt, demo):
    new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    with rt.uow() as uow:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        uow.session.execute(update(Case).values(next_due_at=past))
        uow.session.execute(update(Deadline).values(due_at=past, due_on=past.date()))
        uow.commit()
    sup = web("supervisor.tianhe")
    page = text_of(sup.get("/supervise"))
    assert "上提收件箱" in page and "已超期案件" in page and "石牌街道总工会" in page
    assert "<svg" in page and "案件统计" in page and "12351 工单统计" in page
    csv = sup.client.get("/supervise/summary.csv")
    assert csv.data.startswith("\ufeff".encode()) and "单位名称" in csv.data.decode("utf-8-sig")
    inbox = text_of(sup.client.get("/supervise/inbox"))
    assert 'id="unread-count"' in inbox


def test_filters_are_saved_per_user_and_reapplied(web, rt, demo):
    new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    worker = web("caseworker.shipai")
    worker.get("/desk?scope=unit&workflow=wage_arrears")
    resp = worker.post(
        "/desk/filters", {"name": "本单位欠薪", "scope": "unit", "workflow": "wage_arrears"}
    )
    assert resp.status_code == 302
    page = text_of(worker.get("/desk"))
    link = re.search(r'href="(/desk\?[^"]+)">本单位欠薪</a>', page)
    assert link, page[:2000]
    applied = text_of(worker.get(link.group(1).replace("&amp;", "&")))
    assert "共 1 件" in applied
    # Another user sees none of it, and cannot delete it.
    other = web("caseworker.acme")
    assert "本单位欠薪" not in text_of(other.get("/desk"))
    filter_id = re.search(r"/desk/filters/(\d+)/delete", page).group(1)
    assert other.post(f"/desk/filters/{filter_id}/delete").status_code == 404
    assert worker.post(f"/desk/filters/{filter_id}/delete").status_code == 302
    assert "本单位欠薪" not in text_of(worker.get("/desk"))


def test_a_filter_without_a_name_is_refused_next_to_the_field(web):
    worker = web("caseworker.shipai")
    worker.get("/desk")
    resp = worker.post("/desk/filters", {"name": "  ", "scope": "unit"})
    assert resp.status_code == 422 and 'id="name-error"' in text_of(resp)
    resp = worker.post("/desk/filters", {"name": "坏的", "scope": "everyone"})
    assert resp.status_code == 422 and "范围必须是" in text_of(resp)
