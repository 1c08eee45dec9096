"""Calendar writes stay inside the years the calendar supports, can be taken back, and no row an
administrator could have written earlier stops deadline computation (hardening, item 2).

The reproduction a tester saw: ``PUT /calendar/days/0001-01-01`` answered 200, and from then on
every intake, case opening, transition and ``GET /calendar/deadline`` answered 500 ("year 0 is
out of range") while nothing could delete the day.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, update

from casework.core.vocab import CALENDAR_YEARS
from casework.models import CalendarDay, CalendarMeta
from tests.api.test_api import BUILDER, CASE_BODY, _problem

HOLIDAY = "2025-10-01"  # 国庆节 in the package's 2025 schedule
ACROSS = "/calendar/deadline?start=2025-09-30&days=1&unit=working"
INTAKE = {
    "caller": {"name": "李四", "phone": "13912345678"},
    "employer": BUILDER,
    "category": "wage_arrears",
    "complexity": "normal",
    "worker_count": 1,
    "description": "工地拖欠三个月工资",
}


def _rows(rt) -> dict[dt.date, tuple[bool, str, str]]:
    with rt.reader() as uow:
        return {
            r.day: (r.is_workday, r.name, r.source)
            for r in uow.session.scalars(select(CalendarDay))
        }


def _bad_row(rt, day: dt.date) -> None:
    """A row an earlier version let an administrator write, put straight into the table, and a
    new revision token so every process reloads the calendar (as the write did then)."""
    with rt.engine.begin() as conn:
        conn.execute(
            insert(CalendarDay.__table__).values(
                day=day,
                is_workday=False,
                name="坏数据",
                source="admin",
                updated_at=dt.datetime.now(dt.UTC),
            )
        )
        conn.execute(
            update(CalendarMeta.__table__)
            .where(CalendarMeta.__table__.c.id == 1)
            .values(revision="bad-row-" + day.isoformat())
        )


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1948-12-31", "2200-01-01"])
def test_a_day_outside_the_supported_years_is_refused_and_nothing_is_written(api, rt, day):
    before = _rows(rt)
    body = _problem(
        api.call("admin", "PUT", f"/calendar/days/{day}", json={"is_workday": False}), 422
    )
    assert list(body["errors"]) == ["day"]
    lo, hi = CALENDAR_YEARS
    assert str(lo) in body["detail_en"] and str(hi) in body["detail_en"]
    assert _rows(rt) == before
    # and deadlines still work
    r = api.get("caseworker.shipai", ACROSS)
    assert r.status_code == 200 and r.json()["due"] == "2025-10-09"


@pytest.mark.parametrize("day", ["1949-01-01", "2199-12-31"])
def test_the_first_and_last_supported_years_are_accepted(api, rt, day):
    r = api.call("admin", "PUT", f"/calendar/days/{day}", json={"is_workday": True})
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "admin"
    assert api.call("admin", "DELETE", f"/calendar/days/{day}").status_code == 204


@pytest.mark.parametrize("bad", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_a_bad_row_written_earlier_stops_nothing_and_can_be_deleted(api, rt, bad):
    _bad_row(rt, bad)
    r = api.post("hotline", "/intakes", json=INTAKE)
    assert r.status_code == 201, r.text
    assert r.json()["case"] is not None
    r = api.post("caseworker.shipai", "/cases", json=CASE_BODY)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["deadlines"], case
    r = api.post(
        "caseworker.shipai",
        f"/cases/{case['id']}/transitions",
        json={"trigger": "verify", "data": {"months_in_arrears": 3}},
    )
    assert r.status_code == 200, r.text
    r = api.get("caseworker.shipai", ACROSS)
    assert r.status_code == 200 and r.json() == {"due": "2025-10-09", "calendar_verified": True}
    # a start outside the supported years is still a 422, not a 500
    _problem(api.get("caseworker.shipai", "/calendar/deadline?start=0001-01-02&days=1"), 422)
    # the administrator can take the bad row back
    r = api.call("admin", "DELETE", f"/calendar/days/{bad.isoformat()}")
    assert r.status_code == 204, r.text
    assert bad not in _rows(rt)


def test_deleting_an_admin_day_restores_the_package_answer(api, rt):
    before = _rows(rt)
    assert before[dt.date(2025, 10, 1)] == (False, "国庆节", "package")
    assert api.get("caseworker.shipai", ACROSS).json()["due"] == "2025-10-09"

    r = api.call("admin", "PUT", f"/calendar/days/{HOLIDAY}", json={"is_workday": True})
    assert r.status_code == 200 and r.json()["source"] == "admin"
    assert api.get("caseworker.shipai", ACROSS).json()["due"] == HOLIDAY

    r = api.call("admin", "DELETE", f"/calendar/days/{HOLIDAY}")
    assert r.status_code == 204 and r.text == ""
    assert api.get("caseworker.shipai", ACROSS).json() == {
        "due": "2025-10-09",
        "calendar_verified": True,
    }
    assert _rows(rt) == before  # the package's own row, as seeded
    # nothing of the administrator's is left to delete
    _problem(api.call("admin", "DELETE", f"/calendar/days/{HOLIDAY}"), 404)


def test_deleting_an_admin_day_the_package_does_not_know_falls_back_to_monday_friday(api, rt):
    def after_monday() -> str:
        r = api.get("caseworker.shipai", "/calendar/deadline?start=2025-03-03&days=1")
        return r.json()["due"]

    assert after_monday() == "2025-03-04"  # Tue 4 Mar 2025: the package has no row for it
    api.call("admin", "PUT", "/calendar/days/2025-03-04", json={"is_workday": False})
    assert after_monday() == "2025-03-05"
    assert api.call("admin", "DELETE", "/calendar/days/2025-03-04").status_code == 204
    assert dt.date(2025, 3, 4) not in _rows(rt)
    assert after_monday() == "2025-03-04"


def test_delete_without_an_admin_row_is_404_and_only_admins_may_delete(api, rt):
    before = _rows(rt)
    _problem(api.call("admin", "DELETE", "/calendar/days/2025-03-04"), 404)  # no row at all
    _problem(api.call("admin", "DELETE", "/calendar/days/2025-10-02"), 404)  # the package's row
    body = _problem(api.call("admin", "DELETE", "/calendar/days/2025-13-01"), 422)
    assert list(body["errors"]) == ["day"]
    api.call("admin", "PUT", f"/calendar/days/{HOLIDAY}", json={"is_workday": True})
    for user in ("caseworker.shipai", "supervisor.guangzhou", "hotline", "auditor"):
        _problem(api.call(user, "DELETE", f"/calendar/days/{HOLIDAY}"), 403)
    _problem(api.call(None, "DELETE", f"/calendar/days/{HOLIDAY}"), 401)
    assert _rows(rt)[dt.date(2025, 10, 1)][2] == "admin"
    assert api.call("admin", "DELETE", f"/calendar/days/{HOLIDAY}").status_code == 204
    assert _rows(rt) == before


def test_the_delete_operation_is_documented(api):
    spec = api.http.get(api.base + "/api/v1/openapi.json").json()
    op = spec["paths"]["/api/v1/calendar/days/{day}"]["delete"]
    assert op["summary"]
    assert {"204", "401", "403", "404", "422"} <= set(op["responses"])
