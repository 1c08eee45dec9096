"""Walking the case list, the overdue list and the escalation inbox page by page with the
cursor each page names: every item once, in the list's order, and the old page numbers still
work. A cursor the server did not give out is a 422, never a 500."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from casework.cases.service import fire
from casework.escalation.service import request_escalation
from casework.models import Case
from tests.helpers import good_data, new_case


def _walk(api, user, path):
    seen, cursor, pages = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        url = path + (f"{sep}cursor={cursor}" if cursor else "")
        body = api.get(user, url).json()
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages, body


def test_the_case_list_walked_by_cursor_lists_every_case_once_newest_first(api, rt, demo):
    made = [new_case(rt, demo, "wage_arrears", unit="TH-SP").id for _ in range(7)]
    items, pages, last = _walk(api, "supervisor.guangzhou", "/cases?per_page=3")
    assert pages == 3 and [i["id"] for i in items] == sorted(made, reverse=True)
    assert last["total"] == 7 and last["total_exact"] is True
    by_number = [
        i["id"]
        for n in (1, 2, 3)
        for i in api.get("supervisor.guangzhou", f"/cases?per_page=3&page={n}").json()["items"]
    ]
    assert by_number == [i["id"] for i in items]


def test_the_overdue_list_is_most_overdue_first_and_walks_by_cursor(api, rt, demo):
    now = dt.datetime.now(dt.UTC)
    made = [new_case(rt, demo, "wage_arrears", unit="TH-SP").id for _ in range(5)]
    with rt.engine.begin() as conn:
        for days, case_id in zip((3, 1, 5, 2, -1), made, strict=True):
            conn.execute(
                update(Case.__table__)
                .where(Case.__table__.c.id == case_id)
                .values(next_due_at=now - dt.timedelta(days=days))
            )
    items, pages, _ = _walk(api, "supervisor.guangzhou", "/cases?overdue=true&per_page=2")
    assert [i["id"] for i in items] == [made[2], made[0], made[3], made[1]]  # not the one due
    assert pages == 2 and all(i["overdue"] for i in items)


def test_the_inbox_walked_by_cursor_lists_open_cases_first_then_newest(api, rt, demo):
    ids = []
    for _ in range(5):
        case = new_case(rt, demo, "wage_arrears", unit="TH-SP")
        request_escalation(
            rt.uow(),
            case_id=case.id,
            actor=demo.actor("caseworker.shipai"),
            reason="cannot_perform",
            comment="人手不足",
        )
        ids.append(case.id)
    items, pages, last = _walk(api, "supervisor.guangzhou", "/escalations?per_page=2")
    assert pages == 3 and [i["case"]["id"] for i in items] == ids[::-1]
    assert last["total"] == 5


def test_a_cursor_the_server_did_not_give_is_refused_by_name(api, demo):
    for bad in ("x", "bm90LWpzb24", "WyJ4IiwxXQ", "WzEsMl0", "W251bGwsLTFd"):
        for path in ("/cases", "/escalations"):
            r = api.get("supervisor.guangzhou", f"{path}?cursor={bad}")
            assert r.status_code == 422 and "cursor" in r.json()["errors"], r.json()


def test_an_escalated_case_that_closes_moves_below_the_open_ones_in_the_inbox(api, rt, demo):
    cases = []
    for _ in range(3):
        case = new_case(rt, demo, "wage_arrears", unit="TH-SP")
        request_escalation(
            rt.uow(),
            case_id=case.id,
            actor=demo.actor("caseworker.shipai"),
            reason="cannot_perform",
            comment="人手不足",
        )
        cases.append(case.id)
    newest = cases[-1]
    fire(
        rt.uow(),
        case_id=newest,
        trigger="withdraw",
        actor=demo.actor("supervisor.tianhe"),
        data=good_data("wage_arrears", "withdraw"),
    )
    items = api.get("supervisor.guangzhou", "/escalations").json()["items"]
    assert [(i["case"]["id"], i["open"]) for i in items] == [
        (cases[1], True),
        (cases[0], True),
        (newest, False),
    ]
