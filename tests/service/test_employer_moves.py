"""Moving an employer to another union body (docs/domain.md §7): admins, and supervisors whose
part of the tree holds both units; each move recorded; later calls route to the new unit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.core.errors import InvalidInput, NotFound, NotPermitted
from casework.intake.service import CallerInput, EmployerInput, file_intake
from casework.models import Employer, EmployerMove
from casework.people.queries import employer as employer_query
from casework.people.service import move_employer


def _call(rt, demo, emp, category, **kw):
    return file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name="张三", phone="13812345678"),
        employer=EmployerInput(emp.name, emp.credit_code),
        category=category,
        description="来电内容",
        **kw,
    ).body


def _placed_at(rt, employer_id):
    with rt.reader() as uow:
        emp = uow.session.get(Employer, employer_id)
        return emp.org_unit.code


def _moves(rt):
    with rt.reader() as uow:
        return uow.session.scalar(select(func.count()).select_from(EmployerMove))


def test_a_moved_employer_is_recorded_and_later_calls_route_to_its_new_unit(rt, demo):
    emp = demo.employer("建筑")  # placed at TH-SP
    move_employer(
        rt.uow(),
        actor=demo.actor("supervisor.tianhe"),
        employer_id=emp.id,
        org_unit_id=demo.unit("TH-SP-ACME").id,
        reason="该公司已在科技园区登记，由园区工会联系",
    )
    assert _placed_at(rt, emp.id) == "TH-SP-ACME"
    body = _call(rt, demo, emp, "service_help")
    assert body["routed_to"]["code"] == "TH-SP-ACME"
    view = employer_query(rt.reader(), actor=demo.actor("supervisor.tianhe"), employer_id=emp.id)
    assert view["org_unit"]["code"] == "TH-SP-ACME"
    [move] = view["moves"]
    assert (move["from_unit"]["code"], move["to_unit"]["code"]) == ("TH-SP", "TH-SP-ACME")
    assert move["by"] == "supervisor.tianhe" and move["reason"].startswith("该公司")
    assert move["at"]


def test_a_case_opened_by_a_call_after_the_move_opens_at_the_new_unit(rt, demo):
    emp = demo.employer("餐饮")  # placed at HZ-NHX (Haizhu)
    before = _call(rt, demo, emp, "wage_arrears")
    assert before["case"]["org_unit"]["code"] == "HZ-NHX"
    move_employer(
        rt.uow(), actor=demo.actor("admin"), employer_id=emp.id, org_unit_id=demo.unit("TH-SP").id
    )
    after = file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name="李四", phone="13912345678"),
        employer=EmployerInput(emp.name, emp.credit_code),
        category="wage_arrears",
        description="另一名职工来电",
    ).body
    assert after["case"]["org_unit"]["code"] == "TH-SP"
    assert after["routed_to"]["code"] == "TH-SP"


@pytest.mark.parametrize(
    ("who", "employer", "target", "error", "field"),
    [
        ("caseworker.shipai", "建筑", "TH-SP-ACME", NotPermitted, None),
        ("hotline", "建筑", "TH-SP-ACME", NotPermitted, None),
        ("supervisor.tianhe", "餐饮", "TH-SP", NotFound, None),  # the employer is outside
        ("supervisor.tianhe", "建筑", "HZ-NHX", InvalidInput, "org_unit_id"),  # target outside
        ("supervisor.tianhe", "建筑", None, InvalidInput, "org_unit_id"),  # no such unit
    ],
)
def test_a_move_refused_writes_nothing(rt, demo, who, employer, target, error, field):
    emp = demo.employer(employer)
    before = _placed_at(rt, emp.id)
    with pytest.raises(error) as err:
        move_employer(
            rt.uow(),
            actor=demo.actor(who),
            employer_id=emp.id,
            org_unit_id=demo.unit(target).id if target else 987654,
            reason="调整",
        )
    if field:
        assert err.value.field == field
    assert _placed_at(rt, emp.id) == before
    assert _moves(rt) == 0


def test_the_reason_may_not_carry_personal_data(rt, demo):
    emp = demo.employer("建筑")
    with pytest.raises(InvalidInput) as err:
        move_employer(
            rt.uow(),
            actor=demo.actor("admin"),
            employer_id=emp.id,
            org_unit_id=demo.unit("TH-SP-ACME").id,
            reason="职工张三（13812345678）反映",
        )
    assert err.value.field == "reason" and "13812345678" not in str(err.value)
    assert _placed_at(rt, emp.id) == "TH-SP" and _moves(rt) == 0


def test_moving_an_employer_to_where_it_is_records_nothing(rt, demo):
    emp = demo.employer("建筑")
    move_employer(
        rt.uow(), actor=demo.actor("admin"), employer_id=emp.id, org_unit_id=demo.unit("TH-SP").id
    )
    assert _placed_at(rt, emp.id) == "TH-SP" and _moves(rt) == 0


def test_an_employer_is_seen_only_within_the_callers_part_of_the_tree(rt, demo):
    emp = demo.employer("餐饮")
    seen = employer_query(rt.reader(), actor=demo.actor("hotline"), employer_id=emp.id)
    assert seen["org_unit"]["code"] == "HZ-NHX"
    with pytest.raises(NotFound):
        employer_query(rt.reader(), actor=demo.actor("supervisor.tianhe"), employer_id=emp.id)
