"""The early-warning pages in chromium, on both databases: the warnings board on the supervisor
desk (loaded by htmx), the employer dossier and the employer search render in Chinese, load
nothing from outside the app, have no serious or critical accessibility violation (axe-core:
the level colours keep their contrast), fit a 390-px phone, and a disposition made with the form
is answered on the page."""

from __future__ import annotations

import pytest

from tests.browser_support import PHONE, check_a11y

BUILDER = {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"}


def _three_calls(live_api) -> int:
    """Three co-workers call about the builder: a yellow warning held at Shipai. Returns the
    employer's id."""
    for i in range(3):
        r = live_api.post(
            "hotline",
            "/intakes",
            json={
                "caller": {"name": f"职工{i}", "phone": f"1391234000{i}"},
                "employer": BUILDER,
                "category": "consultation",
                "description": "咨询工资支付问题",
                "answer": "已告知依法维权途径。",
            },
        )
        assert r.status_code == 201, r.text
    found = live_api.get("supervisor.tianhe", "/employers", params={"q": BUILDER["name"]})
    return int(found.json()["items"][0]["id"])


@pytest.mark.slow
def test_the_warning_pages_are_chinese_offline_and_accessible(browse, live_api):
    employer_id = _three_calls(live_api)
    with browse() as s:
        s.login("supervisor.tianhe")
        s.page.goto("/supervise")
        board = s.page.locator("#warnings-board")
        board.locator(".level.yellow").first.wait_for()
        assert "黄色预警" in board.inner_text()
        assert "广州市某建筑劳务有限公司" in board.inner_text()
        problems = check_a11y(s.page)
        assert not problems, ("/supervise", problems)
        for path, heading in (
            (f"/employers/{employer_id}", "用人单位档案"),
            ("/employers?q=广州市某", "用人单位档案查询"),
        ):
            s.page.goto(path)
            assert s.page.locator("html").get_attribute("lang") == "zh-CN"
            assert heading in s.page.locator("h1").first.inner_text(), path
            # The dispose form is inside a closed <details>: open it so axe checks it too.
            for summary in s.page.locator("details > summary").all():
                summary.click()
            problems = check_a11y(s.page)
            assert not problems, (path, problems)
            assert "13912340000" not in s.page.content()


@pytest.mark.slow
def test_a_warning_dismissed_with_the_form_leaves_the_board(browse, live_api):
    _three_calls(live_api)
    with browse() as s:
        s.login("supervisor.tianhe")
        s.page.goto("/supervise")
        board = s.page.locator("#warnings-board")
        board.locator(".level.yellow").first.wait_for()
        board.locator("details > summary").first.click()
        board.get_by_label("排除预警（说明理由）").check()
        board.get_by_label("说明（排除预警、列入联席会议议程时必填）").fill(
            "经核实为同一事项的重复咨询"
        )
        board.get_by_role("button", name="确认处置").click()
        s.page.get_by_text("预警已处置：排除预警").wait_for()
        s.page.locator("#warnings-board").get_by_text("没有未处置的预警").wait_for()


@pytest.mark.slow
def test_the_dossier_and_the_board_fit_a_phone(browse, live_api):
    employer_id = _three_calls(live_api)
    with browse(viewport=PHONE) as s:
        s.login("supervisor.tianhe")
        for path in ("/supervise", f"/employers/{employer_id}"):
            s.page.goto(path)
            if path == "/supervise":
                s.page.locator("#warnings-board .level").first.wait_for()
            overflow = s.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (path, overflow)
