"""The desks' lists cost the same number of SQL statements whatever the number of rows (no N+1):
each page is counted with a few cases, then with many more."""

from __future__ import annotations

from tests.helpers import new_case, statements
from tests.web_support import text_of


def _count(rt, user, path):
    user.client.get(path)  # the session's first use of a minute also records it (one UPDATE)
    with statements(rt.engine) as stmts:
        resp = user.client.get(path)
    assert resp.status_code == 200, text_of(resp)[:500]
    return len([s for s in stmts if s.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")])


def test_desk_case_page_and_supervisor_desk_do_not_grow_with_the_rows(web, rt, demo):
    for _ in range(2):
        new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    worker = web("caseworker.shipai")
    sup = web("supervisor.tianhe")
    pages = [(worker, "/desk?scope=unit"), (sup, "/supervise"), (sup, "/supervise/inbox")]
    few = [_count(rt, user, path) for user, path in pages]
    for _ in range(12):
        new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    many = [_count(rt, user, path) for user, path in pages]
    assert many == few, list(zip([p for _, p in pages], few, many, strict=True))
    assert max(few) <= 40, few


def test_case_page_is_a_fixed_number_of_statements(web, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    worker = web("caseworker.shipai")
    first = _count(rt, worker, f"/cases/{case.id}")
    for i in range(10):
        worker.get(f"/cases/{case.id}")
        assert (
            worker.post(
                f"/cases/{case.id}/comments", {"text": f"备注{i}", "version": case.version + i}
            ).status_code
            == 302
        )
    assert _count(rt, worker, f"/cases/{case.id}") == first
    assert first <= 30, first
