"""The case page's forms: the next steps drawn from the typed step data, bad values refused next
to the field, personal data revealed only with a reason (and recorded), the clock acts the law
allows, and the supervisor's take-over, 催办 and the hotline's one-click call-back."""

from __future__ import annotations

import re

from sqlalchemy import select

from casework.cases.service import WorkerInput
from casework.models import Case, CaseEvent
from tests.helpers import force_state, new_case
from tests.web_support import text_of


def _case(rt, demo, state=None, **kw):
    case = new_case(
        rt,
        demo,
        "wage_arrears",
        unit="TH-SP",
        actor="supervisor.tianhe",
        workers=kw.pop("workers", None) or [],
        **kw,
    )
    if state:
        force_state(rt, case.id, state)
    return case


def _version(rt, case_id):
    with rt.reader() as uow:
        return uow.session.get(Case, case_id).version


def test_step_forms_are_typed_dates_money_and_chinese_choices(web, rt, demo):
    case = _case(rt, demo, "negotiating")
    page = text_of(web("caseworker.shipai").get(f"/cases/{case.id}"))
    # 约定还款日期: a date picker; 已支付金额: an amount; 清偿责任方式: choices in Chinese.
    assert re.search(r'<input type="date" id="f-sign_repayment_agreement-repayment_due"', page)
    assert re.search(r'inputmode="decimal"[^>]*id="f-record_payment-amount_paid"', page)
    choices = re.search(
        r'<select id="f-demand_contractor_payment-liable_party".*?</select>', page, re.S
    ).group(0)
    assert "总承包" in choices or "施工总承包" in choices, choices


def test_a_bad_typed_value_comes_back_next_to_its_field(web, rt, demo):
    case = _case(rt, demo, "negotiating")
    worker = web("caseworker.shipai")
    worker.get(f"/cases/{case.id}")
    resp = worker.post(
        f"/cases/{case.id}/steps/record_payment",
        {"f_amount_paid": "八千六", "comment": "已付", "version": _version(rt, case.id)},
    )
    page = text_of(resp)
    assert resp.status_code == 422
    assert 'id="f-record_payment-amount_paid-error"' in page and "阿拉伯数字" in page
    assert 'value="八千六"' in page  # what was typed is still there
    with rt.reader() as uow:
        assert uow.session.get(Case, case.id).state == "negotiating"


def test_a_step_moves_the_case_and_is_on_the_timeline(web, rt, demo):
    case = _case(rt, demo)
    worker = web("caseworker.shipai")
    worker.get(f"/cases/{case.id}")
    resp = worker.post(
        f"/cases/{case.id}/steps/verify",
        {"f_months_in_arrears": "3", "version": _version(rt, case.id)},
    )
    assert resp.status_code == 302
    page = text_of(worker.get(f"/cases/{case.id}"))
    assert "已办理：核实欠薪情况" in page and "欠薪月数" in page


def test_personal_data_is_masked_and_revealed_only_with_a_reason_recorded(web, rt, demo):
    case = _case(rt, demo, workers=[WorkerInput(name="李四", phone="13912345678")])
    worker = web("caseworker.shipai")
    page = text_of(worker.get(f"/cases/{case.id}"))
    assert "139****5678" in page and "13912345678" not in page
    person = re.search(r'<option value="(\d+)" >李四</option>', page).group(1)
    refused = worker.post(
        f"/cases/{case.id}/reveal", {"person_id": person, "field": "phone", "reason": ""}
    )
    assert refused.status_code == 422 and "请说明查看原因" in text_of(refused)
    shown = worker.post(
        f"/cases/{case.id}/reveal",
        {"person_id": person, "field": "phone", "reason": "回访核实联系方式"},
    )
    assert shown.status_code == 200 and "13912345678" in text_of(shown)
    with rt.reader() as uow:
        kinds = uow.session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id)
        ).all()
    assert "pii_revealed" in kinds
    # Someone of another district does not get the page at all.
    other = web("caseworker.nanhuaxi")
    assert other.get(f"/cases/{case.id}").status_code == 404


def test_a_clock_is_paused_where_the_law_allows_and_says_why_not_elsewhere(web, rt, demo):
    case = _case(rt, demo)
    worker = web("caseworker.shipai")
    page = text_of(worker.get(f"/cases/{case.id}"))
    # 核实 (verification) is the unit's own limit: it may be paused, and extended on approval.
    rule = re.search(r"/clocks/([a-z_]+)/pause", page)
    assert rule and rule.group(1) == "verification"
    assert re.search(r"/clocks/verification/extension", page)
    resp = worker.post(
        f"/cases/{case.id}/clocks/{rule.group(1)}/pause",
        {"reason": "等待当事人补充材料", "version": _version(rt, case.id)},
    )
    assert resp.status_code == 302
    page = text_of(worker.get(f"/cases/{case.id}"))
    assert "已暂停" in page and "等待当事人补充材料" in page


def test_the_supervisor_takes_a_case_over_and_urges_another(web, rt, demo):
    first = _case(rt, demo)
    second = _case(rt, demo)
    sup = web("supervisor.tianhe")
    sup.get(f"/cases/{first.id}")
    resp = sup.post(
        f"/cases/{first.id}/take-over", {"comment": "区里直接办", "version": first.version}
    )
    assert resp.status_code == 302
    page = text_of(sup.get(f"/cases/{first.id}"))
    assert "已提级办理" in page and "天河区总工会" in page
    urged = sup.post(f"/supervise/cases/{second.id}/urge", {"note": "请尽快办理"})
    assert urged.status_code == 302
    assert "已催办" in text_of(sup.get("/supervise"))


def test_the_hotline_records_a_call_back_in_one_click(web, rt, demo):
    # One answered consultation in ten is called back (CASEWORK_CONSULTATION_CALLBACK_PERCENT):
    # the tenth is.
    op = web("hotline")
    op.get("/hotline")
    for n in range(10):
        resp = op.post(
            "/hotline/intakes",
            {
                "idempotency_key": f"consultation-{n:04d}",
                "caller_name": "王五",
                "caller_phone": f"1380013{n:04d}",
                "category": "consultation",
                "complexity": "normal",
                "worker_count": "1",
                "answer": "加班费按150%计算。",
            },
        )
        assert resp.status_code == 302
    with rt.reader() as uow:
        order = uow.session.scalars(select(Case).where(Case.state == "answered")).one()
    page = text_of(op.get("/hotline"))
    assert order.ref in page
    for label in ("满意", "基本满意", "不满意", "未接通", "拒访"):
        assert f">{label}</button>" in page
    resp = op.post(
        f"/hotline/callbacks/{order.id}", {"outcome": "satisfied", "version": order.version}
    )
    assert resp.status_code == 302
    page = text_of(op.get("/hotline"))
    assert "回访结果已登记" in page and order.ref not in page
    with rt.reader() as uow:
        assert uow.session.get(Case, order.id).state == "closed"


def test_the_admin_page_edits_units_users_and_the_calendar(web, rt, demo):
    admin = web("admin")
    assert admin.client.get("/").headers["Location"].endswith("/admin")
    page = text_of(admin.get("/admin?year=2026"))
    assert "穗工" in page and "caseworker.shipai" in page and "工作日历 2026 年" in page
    unit = demo.unit("TH-SP")
    resp = admin.post(f"/admin/units/{unit.id}", {"name": unit.name, "doc_abbr": "石街工"})
    assert resp.status_code == 302
    assert 'value="石街工"' in text_of(admin.get("/admin"))
    # A new user, then deactivated: their sign-in stops working.
    resp = admin.post(
        "/admin/users",
        {
            "username": "caseworker.new",
            "display_name": "新办案员",
            "org_unit_id": str(unit.id),
            "password": "a-long-enough-password",
            "roles": "caseworker",
        },
    )
    assert resp.status_code == 302, text_of(resp)[:3000]
    assert web().login("caseworker.new", "a-long-enough-password").status_code == 302
    page = text_of(admin.get("/admin"))
    new_id = re.findall(r">caseworker\.new</td>.*?/admin/users/(\d+)/active", page, re.S)
    assert new_id
    assert admin.post(f"/admin/users/{new_id[0]}/active", {"active": "false"}).status_code == 302
    assert web().login("caseworker.new", "a-long-enough-password").status_code == 401
    # A day of the calendar set and unset; a bad date is refused next to the field.
    resp = admin.post("/admin/calendar?year=2026", {"day": "2026-12-26", "kind": "workday"})
    assert resp.status_code == 302
    assert "管理员设置" in text_of(admin.get("/admin?year=2026"))
    assert admin.post("/admin/calendar/2026-12-26/unset?year=2026").status_code == 302
    bad = admin.post("/admin/calendar", {"day": "2026-02-30", "kind": "workday"})
    assert bad.status_code == 422 and 'id="cal-day-error"' in text_of(bad)
    # Nobody else gets the page.
    assert web("supervisor.tianhe").get("/admin").status_code == 403
