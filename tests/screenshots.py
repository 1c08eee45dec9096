"""`make screenshots`: a PNG of every page at 1366×768 into docs/screenshots/, taken in Debian's
chromium from a real server (gunicorn) on a fresh SQLite database with the demo data and a few
calls filed, handled and left overdue, as a user would see them.

    .venv/bin/python -m tests.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from casework.clocks.calendar import seed_from_package
from casework.core.migrate import upgrade
from casework.core.settings import load_settings
from casework.demo import load_demo
from casework.runtime import build_runtime
from tests.api_support import Api, LiveServer, RequestsHttp
from tests.browser_support import DESKTOP, Session, launch
from tests.helpers import TEST_KEYS, run_cli

ROOT = Path(__file__).resolve().parent.parent
BUILDER = {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"}


def _call(api: Api, phone: str, category: str = "wage_arrears", **extra: object) -> dict:
    body = {
        "caller": {"name": extra.pop("name", "李四"), "phone": phone},
        "employer": BUILDER,
        "category": category,
        "complexity": "normal",
        "worker_count": 1,
        "amount_claimed": "8600",
        "description": "工地拖欠三个月工资",
        **extra,
    }
    r = api.post("hotline", "/intakes", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _fire(api: Api, user: str, case_id: int, trigger: str, data: dict | None = None) -> None:
    r = api.post(
        user, f"/cases/{case_id}/transitions", json={"trigger": trigger, "data": data or {}}
    )
    assert r.status_code == 200, r.text


def _stage(api: Api, db_url: str) -> tuple[int, str]:
    """A desk worth looking at: calls filed, one case handled half-way, one order waiting for a
    call-back, one case overdue and risen to the district, a document drafted. Returns the case
    to show and the path of the draft's page."""
    overdue = _call(api, "13912340003", name="王五")
    due = max(
        dt.datetime.fromisoformat(d["expires_at"])
        for d in api.get("caseworker.shipai", f"/cases/{overdue['case']['id']}").json()["deadlines"]
    )
    out = run_cli(db_url, "sweep", "--now", (due + dt.timedelta(minutes=1)).isoformat())
    assert out.returncode == 0, out.stderr
    shown = _call(api, "13912340001")
    _fire(api, "caseworker.shipai", shown["work_order"]["id"], "accept")
    _fire(api, "caseworker.shipai", shown["case"]["id"], "verify", {"months_in_arrears": 3})
    done = _call(api, "13912340002", name="赵六")
    _fire(api, "caseworker.shipai", done["work_order"]["id"], "accept")
    for trigger, data in (
        ("verify", {"months_in_arrears": 2}),
        ("start_negotiation", {}),
        ("record_payment", {"amount_paid": "8600"}),
        ("complete_callback", {"satisfaction": "满意"}),
    ):
        _fire(api, "caseworker.shipai", done["case"]["id"], trigger, data)
    waiting = _call(api, "13912340004", name="孙七", description="等待签收的新工单")
    r = api.post(
        "caseworker.shipai",
        f"/cases/{waiting['case']['id']}/documents/drafts",
        json={"kind": "wage_arrears_rejection", "addressee": "孙七"},
    )
    assert r.status_code == 201, r.text
    document = f"/cases/{waiting['case']['id']}/documents/{r.json()['id']}"
    return int(shown["case"]["id"]), document


def _stage_employer(api: Api) -> int:
    """The builder's dossier worth looking at: its profile and a project kept by the admin, a
    union officer's dismissal reported (an orange warning beside the calls' yellow ones)."""
    found = api.get("supervisor.tianhe", "/employers", params={"q": BUILDER["name"]})
    employer_id = int(found.json()["items"][0]["id"])
    profile = {"industry": "E", "staff_count": 320}
    r = api.call("admin", "PATCH", f"/employers/{employer_id}", json=profile)
    assert r.status_code == 200, r.text
    project = {"name": "天河区某安置房工程", "location": "天河区石牌街道", "role": "subcontractor"}
    r = api.post("admin", f"/employers/{employer_id}/projects", json=project)
    assert r.status_code == 201, r.text
    today = dt.datetime.now(dt.UTC).date().isoformat()
    dismissal = {"kind": "union_officer_dismissed", "occurred_on": today, "note": "工会主席"}
    r = api.post("caseworker.shipai", f"/employers/{employer_id}/events", json=dismissal)
    assert r.status_code == 201, r.text
    return employer_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/casework.db"
        env = {**TEST_KEYS, "CASEWORK_DATABASE_URL": db_url, "CASEWORK_DATA_DIR": tmp}
        rt = build_runtime(load_settings(env))
        upgrade(rt.engine)
        with rt.uow() as uow:
            seed_from_package(uow.session)
            uow.commit()
        load_demo(rt.uow())
        server = LiveServer({**_base_env(), **env}, workers=1)
        try:
            api = Api(rt, server.base, RequestsHttp())
            case_id, document = _stage(api, db_url)
            employer_id = _stage_employer(api)
            _shoot(server.base, out, case_id, document, employer_id)
        finally:
            server.stop()
            rt.dispose()
    for png in sorted(out.glob("*.png")):
        print(png.relative_to(ROOT) if png.is_relative_to(ROOT) else png)
    return 0


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}


def _shoot(base: str, out: Path, case_id: int, document: str, employer_id: int) -> None:
    shots = [
        ("login", None, "/login", None),
        ("hotline", "hotline", "/hotline", _type_a_call),
        ("desk", "caseworker.shipai", "/desk?scope=unit", None),
        ("case", "caseworker.shipai", f"/cases/{case_id}", None),
        ("document", "caseworker.shipai", document, None),
        ("supervise", "supervisor.tianhe", "/supervise", _board_loaded),
        ("warnings", "supervisor.tianhe", "/supervise", _show_board),
        ("employer", "supervisor.tianhe", f"/employers/{employer_id}", None),
        ("admin", "admin", "/admin", None),
        ("api-docs", None, "/api/docs", lambda p: p.locator(".swagger-ui .info").wait_for()),
        ("api-redoc", None, "/api/redoc", lambda p: p.locator("h1").first.wait_for()),
    ]
    with sync_playwright() as p:
        browser = launch(p)
        for name, user, path, prepare in shots:
            s = Session(browser, base, viewport=DESKTOP)
            if user:
                s.login(user)
            s.page.goto(path)
            if prepare:
                prepare(s.page)
            s.page.screenshot(path=str(out / f"{name}.png"))
            assert not s.outside, s.outside
            s.close()
        browser.close()


def _board_loaded(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#warnings-board .level").first.wait_for()


def _show_board(page) -> None:  # type: ignore[no-untyped-def]
    """The warnings board of the supervisor desk, one disposition form open."""
    _board_loaded(page)
    board = page.locator("#warnings-board")
    board.locator("details > summary").first.click()
    board.scroll_into_view_if_needed()
    page.evaluate("document.getElementById('warnings-board').scrollIntoView()")


def _type_a_call(page) -> None:  # type: ignore[no-untyped-def]
    """The console mid-call: a known caller's open work and the routing preview showing."""
    page.locator("#caller_name").fill("李四")
    page.locator("#caller_phone").press_sequentially("13912340001")
    page.locator("#caller-matters").get_by_text("件在办").wait_for()
    page.locator("#category").select_option("wage_arrears")
    page.locator("#amount_claimed").fill("8600")
    page.locator("#employer_name").press_sequentially(BUILDER["name"])
    page.locator("#route-preview").get_by_text("将派至").wait_for()
    page.locator("#description").fill("工地拖欠三个月工资，再次来电询问进展")


if __name__ == "__main__":
    sys.exit(main())
