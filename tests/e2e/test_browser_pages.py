"""Every page in chromium, on both databases: it renders in Chinese, loads nothing from outside
the app, has no serious or critical accessibility violation (axe-core), fits a 390-px phone, and
the API docs (Swagger UI and ReDoc) render offline."""

from __future__ import annotations

import pytest

from tests.browser_support import PHONE, check_a11y

PAGES = [
    # user, path, a heading the page shows
    (None, "/login", "登录"),
    ("hotline", "/hotline", "12351 热线受理"),
    ("caseworker.shipai", "/desk", "办案台"),
    ("supervisor.tianhe", "/supervise", "督办台"),
    ("admin", "/admin", "管理"),
]


def _case_id(live_api) -> int:
    r = live_api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "王五", "phone": "13912340001", "id_number": "11010519491231002X"},
            "employer": {"name": "广州市某建筑劳务有限公司"},
            "category": "wage_arrears",
            "complexity": "normal",
            "worker_count": 1,
            "amount_claimed": "8600",
            "description": "工地拖欠工资",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["case"]["id"]


def _draft_id(live_api, case_id: int) -> int:
    r = live_api.post(
        "caseworker.shipai",
        f"/cases/{case_id}/documents/drafts",
        json={"kind": "wage_arrears_rejection", "addressee": "王五"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.slow
def test_every_page_is_chinese_offline_and_accessible(browse, live_api):
    case_id = _case_id(live_api)
    doc_id = _draft_id(live_api, case_id)
    pages = [
        *PAGES,
        ("caseworker.shipai", f"/cases/{case_id}", "欠薪"),
        ("caseworker.shipai", f"/cases/{case_id}/documents/{doc_id}", "不予受理通知书"),
    ]
    for user, path, heading in pages:
        with browse() as s:
            if user:
                s.login(user)
            s.page.goto(path)
            assert s.page.locator("html").get_attribute("lang") == "zh-CN"
            assert heading in s.page.locator("h1").first.inner_text(), path
            problems = check_a11y(s.page)
            assert not problems, (path, problems)
            # The personal data on the page is masked unless revealed.
            assert "13912340001" not in s.page.content()


@pytest.mark.slow
def test_pages_fit_a_phone(browse, live_api):
    case_id = _case_id(live_api)
    for user, path in (
        ("caseworker.shipai", "/desk"),
        ("caseworker.shipai", f"/cases/{case_id}"),
        ("caseworker.shipai", f"/cases/{case_id}/documents/{_draft_id(live_api, case_id)}"),
        ("hotline", "/hotline"),
        ("supervisor.tianhe", "/supervise"),
    ):
        with browse(viewport=PHONE) as s:
            s.login(user)
            s.page.goto(path)
            overflow = s.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (path, overflow)


@pytest.mark.slow
def test_api_docs_render_offline(browse):
    with browse() as s:
        s.page.goto("/api/docs")
        s.page.locator(".swagger-ui .info .title").wait_for()
        assert "casework" in s.page.locator(".swagger-ui .info .title").inner_text()
        s.page.goto("/api/redoc")
        s.page.locator("h1").first.wait_for()
        assert "casework" in s.page.locator("h1").first.inner_text()
