"""The issue's walk in a real browser, on both databases: the hotline files a wage-arrears call
with the keyboard alone (a known phone shows the caller's open work first) → the township
caseworker signs for the work order and records the steps to payment → the order reports back by
itself → the operator's call-back 满意 closes it. A second call is left to go overdue (the sweep
run with a future --now): its work order, not signed for in time, rises to the district, the
supervisor's unread count goes up on the open page without a reload, and the supervisor takes the
wage case behind it over from the township (上代下): the page shows it held by the district."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

import workflows
from tests.helpers import run_cli

KNOWN_PHONE = "13912347777"
POLL_WAIT_MS = 20_000  # the page polls every 5 s
BUILDER = "广州市某建筑劳务有限公司"
WAGE = workflows.get("wage_arrears")
HOTLINE = workflows.get("hotline")


def _label(wf, trigger: str) -> str:
    return next(t.label_zh for t in wf.transitions if t.trigger == trigger)


def _call(live_api, phone: str, employer: str, category: str = "wage_arrears") -> dict:
    r = live_api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "赵六", "phone": phone},
            "employer": {"name": employer},
            "category": category,
            "complexity": "normal",
            "worker_count": 1,
            "description": "此前来电",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def _step(page, trigger_label: str, fields: dict[str, str] | None = None) -> None:
    """Open a step's form on the case page, fill its typed fields, submit, see it done."""
    step = page.locator("details.step", has=page.locator("summary", has_text=trigger_label))
    if not step.evaluate("e => e.open"):  # the only step the case allows is open already
        step.locator("summary").click()
    for label, value in (fields or {}).items():
        control = step.get_by_label(label)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    step.get_by_role("button", name=trigger_label).click()
    page.get_by_text(f"已办理：{trigger_label}").wait_for()


@pytest.mark.slow
def test_hotline_to_callback_and_overdue_to_supervisor(browse, live_api, db_url):
    # A caller already known to the hotline: a dispute about another employer is in hand.
    _call(live_api, KNOWN_PHONE, "广州市某餐饮管理有限公司", "dispute")

    # 1. The operator takes the call with the keyboard alone.
    with browse() as op:
        page = op.login("hotline")
        page.goto("/hotline")
        kb = page.keyboard
        assert page.evaluate("document.activeElement.id") == "caller_name"
        kb.type("赵六")
        kb.press("Tab")
        assert page.evaluate("document.activeElement.id") == "caller_phone"
        kb.type(KNOWN_PHONE)
        # The repeat-caller hint, before anything is filed (the number went in a POST body).
        page.locator("#caller-matters").get_by_text(re.compile(r"该来电人有 \d+ 件在办")).wait_for()
        kb.press("Tab")  # ID number: left empty
        kb.press("Tab")
        assert page.evaluate("document.activeElement.id") == "category"
        kb.press("ArrowDown")  # 咨询 → 欠薪
        assert page.locator("#category").input_value() == "wage_arrears"
        kb.press("Tab")  # complexity: 一般
        kb.press("Tab")  # worker count: 1
        kb.press("Tab")
        assert page.evaluate("document.activeElement.id") == "amount_claimed"
        kb.type("8600")
        kb.press("Tab")
        kb.type(BUILDER)
        page.locator("#route-preview").get_by_text("将派至 石牌街道总工会").wait_for()
        kb.press("Tab")  # credit code
        kb.press("Tab")  # the unit of a new employer
        kb.press("Tab")
        assert page.evaluate("document.activeElement.id") == "description"
        kb.type("工地拖欠三个月工资")
        kb.press("Alt+P")  # back to the phone field, where Enter files the call
        kb.press("Enter")
        done = page.get_by_text(re.compile(r"工单 HOT-\S+ 已登记，已派至 石牌街道总工会"))
        done.wait_for()
        order_ref = re.search(r"HOT-\S+", done.inner_text()).group(0)
        assert KNOWN_PHONE not in page.url

    # 2. The township caseworker signs for the order and handles the case to payment.
    with browse() as cw:
        page = cw.login("caseworker.shipai")
        assert page.url.endswith("/desk")
        waiting = page.locator("section", has=page.get_by_role("heading", name="待签收工单"))
        waiting.get_by_role("link", name=order_ref).click()
        _step(page, _label(HOTLINE, "accept"))
        page.goto("/desk?scope=unit")
        row = page.locator("tr", has_text=WAGE.label_zh).first
        row.get_by_role("link").click()
        assert page.locator(".badge.green").first.is_visible()  # 正常 · 剩 N 个工作日
        _step(page, _label(WAGE, "verify"), {"欠薪月数": "3"})
        _step(page, _label(WAGE, "start_negotiation"))
        _step(page, _label(WAGE, "record_payment"), {"已支付金额": "8600"})
        _step(page, _label(WAGE, "complete_callback"), {"满意度": "满意"})
        assert "（已办结）" in page.locator("dl.facts").inner_text()

    # 3. The order has reported back; the operator's call-back 满意 closes it.
    with browse() as op:
        page = op.login("hotline")
        item = page.locator("article.callback", has=page.get_by_role("link", name=order_ref))
        assert "已反馈结果" in item.inner_text()
        item.get_by_role("button", name="满意", exact=True).click()
        page.get_by_text("回访结果已登记").wait_for()
        assert page.locator("article.callback", has_text=order_ref).count() == 0

    # 4. A second call is left alone past its deadline; the supervisor's page is open.
    second = _call(live_api, "13912348888", BUILDER)
    case_id = second["case"]["id"]
    with browse() as sup:
        page = sup.login("supervisor.tianhe")
        assert page.url.endswith("/supervise")
        count = page.locator("#unread-count")
        before = count.inner_text()
        page.evaluate("window.stillTheSamePage = true")
        # The township lets the work order's 签收 deadline pass (the sweep run as the scheduler
        # would, with a future --now): the order rises to the district (督办), the wage case
        # behind it is still at the township, not yet due.
        order_id = second["work_order"]["id"]
        order_clocks = live_api.get("hotline", f"/cases/{order_id}").json()["deadlines"]
        due = min(dt.datetime.fromisoformat(d["expires_at"]) for d in order_clocks)
        out = run_cli(db_url, "sweep", "--now", (due + dt.timedelta(minutes=1)).isoformat())
        assert out.returncode == 0, out.stderr
        # The count goes up by itself (htmx polling), no reload.
        expect(count).not_to_have_text(before, timeout=POLL_WAIT_MS)
        assert int(count.inner_text()) > int(before)
        assert page.evaluate("window.stillTheSamePage === true")
        page.locator("#inbox").get_by_role("link", name=second["work_order"]["ref"]).click()
        assert "天河区总工会" in page.locator("dl.facts").inner_text()
        # The district takes the wage case over from the township (上代下) on its page.
        page.goto(f"/cases/{case_id}")
        facts = page.locator("dl.facts")
        assert "石牌街道总工会" in facts.inner_text()
        take = page.locator("section", has=page.get_by_role("heading", name="提级办理（上代下）"))
        take.get_by_label("说明").fill("街道工会逾期未签收，区总工会提级办理")
        take.get_by_role("button", name="接管本案").click()
        page.get_by_text("已提级办理（上代下），案件转入本单位").wait_for()
        holder = facts.locator("dt", has_text="承办单位").locator("xpath=following-sibling::dd[1]")
        assert holder.inner_text().startswith("天河区总工会")
        assert (
            "石牌街道总工会"
            in facts.locator("dt", has_text="受理单位")
            .locator("xpath=following-sibling::dd[1]")
            .inner_text()
        )
        timeline = page.locator("ol.timeline").inner_text()
        assert "提级办理（上代下）" in timeline
    assert live_api.get("hotline", f"/cases/{second['work_order']['id']}").status_code == 200
