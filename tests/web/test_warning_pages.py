"""The employer dossier page, the warnings board on the supervisor desk and the disposition forms,
in-process: what each user sees (items in their scope, counts of the rest), the level shown as
colour and text, and that each form reaches the same service as the API (never a 500)."""

from __future__ import annotations

import re

from sqlalchemy import select

from casework.intake.service import CallerInput, EmployerInput, file_intake
from casework.models import Case, Document, EmployerWarning
from tests.helpers import new_case
from tests.web_support import text_of

BUILDER = ("广州市某建筑劳务有限公司", "91440106MA5BD00024")


def calls(rt, demo, n: int = 3) -> None:
    for i in range(n):
        file_intake(
            rt.uow(),
            actor=demo.actor("hotline"),
            caller=CallerInput(name=f"职工{i}", phone=f"1390000{i:04d}"),
            employer=EmployerInput(name=BUILDER[0], credit_code=BUILDER[1]),
            category="consultation",
            answer="已告知。",
        )


def open_warnings(rt) -> list[EmployerWarning]:
    with rt.reader() as uow:
        return list(
            uow.session.scalars(select(EmployerWarning).where(EmployerWarning.status == "open"))
        )


def test_the_supervisor_desk_loads_the_warnings_board_with_level_colour_and_text(web, rt, demo):
    calls(rt, demo)
    sup = web("supervisor.tianhe")
    desk = text_of(sup.get("/supervise"))
    assert 'hx-get="/supervise/warnings"' in desk
    board = text_of(sup.get("/supervise/warnings"))
    assert '<span class="level yellow">' in board and "黄色预警" in board
    assert BUILDER[0] in board and "短期内多次来电反映同一用人单位" in board
    assert "石牌街道" in board  # the unit that must dispose of it
    assert 'name="action" value="tip_letter"' in board and "排除预警" in board
    # Haizhu's caseworker has no warning on the board.
    assert "没有未处置的预警" in text_of(web("caseworker.nanhuaxi").get("/supervise/warnings"))


def test_dismissing_from_the_board_needs_a_reason_and_is_recorded(web, rt, demo):
    calls(rt, demo)
    [w] = open_warnings(rt)
    sup = web("supervisor.tianhe")
    sup.get("/supervise")
    refused = sup.post(
        f"/warnings/{w.id}/dispose", {"action": "dismiss", "note": "", "next": "/supervise"}
    )
    assert refused.status_code == 302
    assert "请说明处置情况或理由" in text_of(sup.get("/supervise"))
    assert len(open_warnings(rt)) == 1
    done = sup.post(
        f"/warnings/{w.id}/dispose",
        {"action": "dismiss", "note": "经核实为重复咨询", "version": str(w.version)},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/supervise")
    assert "预警已处置：排除预警" in text_of(sup.get("/supervise"))
    assert open_warnings(rt) == []
    # A control character in the note is refused with the reason, not a 500.
    bad = sup.post(f"/warnings/{w.id}/dispose", {"action": "dismiss", "note": "不\x00属实"})
    assert bad.status_code == 302
    assert "控制字符" in text_of(sup.get("/supervise"))


def test_the_prefilled_tip_letter_from_the_dossier_page(web, rt, demo):
    calls(rt, demo)
    [w] = open_warnings(rt)
    emp = demo.employer("建筑")
    sup = web("supervisor.tianhe")
    page = text_of(sup.get(f"/employers/{emp.id}"))
    assert "黄色预警" in page and "确认处置" in page
    r = sup.post(
        f"/warnings/{w.id}/dispose",
        {
            "action": "tip_letter",
            "investigators": "李监督\n王监督",
            "addressee": BUILDER[0],
            "next": f"/employers/{emp.id}",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/employers/{emp.id}")
    after = text_of(sup.get(f"/employers/{emp.id}"))
    assert "预警已处置：发出提示函" in after and "提示函" in after
    with rt.reader() as uow:
        doc = uow.session.scalars(select(Document).where(Document.kind == "tip_letter")).one()
        assert doc.addressee == BUILDER[0]
    assert open_warnings(rt) == []


def test_a_user_of_another_branch_sees_counts_but_no_item_outside_their_scope(web, rt, demo):
    emp = demo.employer("建筑")
    calls(rt, demo)  # work orders held by the city hotline, a warning held at Shipai
    theirs = new_case(rt, demo, "mediation", unit="HZ-NHX", actor="caseworker.nanhuaxi")
    mine = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    haizhu = text_of(web("caseworker.nanhuaxi").get(f"/employers/{emp.id}"))
    assert theirs.ref in haizhu and mine.ref not in haizhu
    assert "另有 4 件在其他单位办理" in haizhu  # three calls and one case
    assert "黄色预警" not in haizhu
    with rt.reader() as uow:
        call_refs = uow.session.scalars(select(Case.ref).where(Case.workflow == "hotline")).all()
    assert not any(ref in haizhu for ref in call_refs)
    city = text_of(web("supervisor.guangzhou").get(f"/employers/{emp.id}"))
    assert all(ref in city for ref in call_refs) and "另有" not in city
    # Nothing about the caterer is visible to Shipai: the page is not found.
    caterer = demo.employer("餐饮")
    assert web("caseworker.shipai").get(f"/employers/{caterer.id}").status_code == 404


def test_the_employer_search_page_counts_what_lies_outside(web, rt, demo):
    shipai = web("caseworker.shipai")
    page = text_of(shipai.get("/employers?q=广州市某"))
    assert BUILDER[0] in page and "广州市某科技有限公司" in page
    assert "广州市某餐饮管理有限公司" not in page and "另有 1 件在其他单位办理" in page
    empty = shipai.get("/employers")
    assert empty.status_code == 200 and "查找结果" not in text_of(empty)
    assert shipai.get("/employers?q=%00").status_code == 422  # the app's guard: never a 500


def test_reporting_a_union_officers_dismissal_from_the_dossier_raises_orange(web, rt, demo):
    emp = demo.employer("建筑")
    cw = web("caseworker.shipai")
    cw.get(f"/employers/{emp.id}")
    r = cw.post(
        f"/employers/{emp.id}/events",
        {"kind": "union_officer_dismissed", "occurred_on": "2026-01-05", "note": "工会主席"},
    )
    assert r.status_code == 302
    page = text_of(cw.get(f"/employers/{emp.id}"))
    assert "已登记：工会干部被解除劳动合同" in page and "橙色预警" in page
    bad = cw.post(
        f"/employers/{emp.id}/events", {"kind": "union_officer_dismissed", "occurred_on": "昨天"}
    )
    assert bad.status_code == 302
    assert "请填写发生日期" in text_of(cw.get(f"/employers/{emp.id}"))
    assert len(open_warnings(rt)) == 1


def test_a_form_without_its_csrf_token_is_refused(web, rt, demo):
    calls(rt, demo)
    [w] = open_warnings(rt)
    sup = web("supervisor.tianhe")
    r = sup.client.post(f"/warnings/{w.id}/dispose", data={"action": "dismiss", "note": "理由"})
    assert r.status_code == 400 and re.search("请刷新页面", text_of(r))
    assert len(open_warnings(rt)) == 1
