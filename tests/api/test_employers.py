"""GET and PATCH /employers/{id}: where an employer is placed, and moving it so that later calls
route to the new unit."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.models import EmployerMove


def _intake(api, emp, category="service_help"):
    r = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "张三", "phone": "13812345678"},
            "employer": {"name": emp.name, "credit_code": emp.credit_code},
            "category": category,
            "description": "来电内容",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def _moves(rt) -> int:
    with rt.reader() as uow:
        return uow.session.scalar(select(func.count()).select_from(EmployerMove))


def test_an_employer_moved_over_the_api_gets_later_calls(api, demo):
    emp = demo.employer("建筑")
    shown = api.get("supervisor.tianhe", f"/employers/{emp.id}").json()
    assert shown["org_unit"]["code"] == "TH-SP" and shown["moves"] == []
    acme = demo.unit("TH-SP-ACME").id
    r = api.call(
        "supervisor.tianhe",
        "PATCH",
        f"/employers/{emp.id}",
        json={"org_unit_id": acme, "reason": "已划归园区工会联系"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["org_unit"]["code"] == "TH-SP-ACME"
    assert body["moves"][0]["from_unit"]["code"] == "TH-SP"
    assert body["moves"][0]["by"] == "supervisor.tianhe"
    assert _intake(api, emp)["routed_to"]["code"] == "TH-SP-ACME"


def test_refused_moves_answer_403_404_422_and_write_nothing(api, demo, rt):
    emp, other = demo.employer("建筑"), demo.employer("餐饮")
    acme = demo.unit("TH-SP-ACME").id

    def patch(user, employer_id, body):
        return api.call(user, "PATCH", f"/employers/{employer_id}", json=body)

    assert patch("caseworker.shipai", emp.id, {"org_unit_id": acme}).status_code == 403
    assert patch("hotline", emp.id, {"org_unit_id": acme}).status_code == 403
    # a supervisor outside the employer's part of the tree does not see it
    assert patch("supervisor.tianhe", other.id, {"org_unit_id": acme}).status_code == 404
    assert api.get("supervisor.tianhe", f"/employers/{other.id}").status_code == 404
    for unit in (987654, demo.unit("HZ-NHX").id):  # no such unit; a unit outside the subtree
        r = patch("supervisor.tianhe", emp.id, {"org_unit_id": unit})
        assert r.status_code == 422 and list(r.json()["errors"]) == ["org_unit_id"], r.text
    r = patch("admin", emp.id, {"org_unit_id": acme, "reason": "电话 138 1234 5678"})
    assert r.status_code == 422 and list(r.json()["errors"]) == ["reason"]
    assert "5678" not in r.text
    assert patch("admin", emp.id, {}).status_code == 422
    assert api.get("admin", f"/employers/{emp.id}").json()["org_unit"]["code"] == "TH-SP"
    assert _moves(rt) == 0
    assert _intake(api, emp)["routed_to"]["code"] == "TH-SP"
