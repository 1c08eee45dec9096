"""Personal data (validation, encryption, masking, finding the same worker) and the org tree."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from casework.cases.service import WorkerInput, open_case
from casework.core.errors import Conflict, InvalidInput, NotPermitted
from casework.models import CaseWorker
from casework.people.access import SYSTEM_ACTOR
from casework.people.pii import (
    mask_id_number,
    mask_phone,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
)
from casework.people.queries import org_units
from casework.people.routing import chain_upwards
from casework.people.service import create_employer, create_org_unit, update_org_unit

VALID_ID = "440106199003071231"
VALID_ID_X = "11010519491231002X"


def test_resident_id_checksum_gb11643():
    assert normalise_id_number(VALID_ID) == VALID_ID
    assert normalise_id_number(VALID_ID_X.lower()) == VALID_ID_X
    for bad in (
        "440106199003071232",
        "44010619900307123",
        "440106199013071231",
        "ABCDEFGHIJKLMNOPQR",
    ):
        with pytest.raises(InvalidInput) as err:
            normalise_id_number(bad)
        assert bad not in str(err.value) and bad not in err.value.message_zh


def test_credit_code_checksum_gb32100():
    assert normalise_credit_code("91440101ma5ac0001e") == "91440101MA5AC0001E"
    for bad in ("91440101MA5AC0001F", "91440101MA5AC0001", "91440101MA5AC0001I"):
        with pytest.raises(InvalidInput):
            normalise_credit_code(bad)


def test_masks():
    assert mask_id_number(VALID_ID) == "440106********1231"
    assert mask_phone("13812345678") == "138****5678"
    assert normalise_phone("+86 138 1234 5678") == "13812345678"
    with pytest.raises(InvalidInput) as err:
        normalise_phone("12345")
    assert "12345" not in str(err.value)


def test_workers_are_stored_encrypted_per_case_and_found_again_by_blind_index(rt, demo):
    actor = demo.actor("caseworker.shipai")
    w = WorkerInput(name="张三", id_number=VALID_ID, phone="13812345678")
    a = open_case(rt.uow(), actor=actor, workflow="wage_arrears", workers=[w])
    b = open_case(
        rt.uow(),
        actor=actor,
        workflow="mediation",
        workers=[WorkerInput(name="张三", id_number=VALID_ID)],
    )
    # Each case keeps its own record; the same person is recognised by the keyed blind index.
    assert a.workers[0].id != b.workers[0].id
    assert a.workers[0].id_number_index == b.workers[0].id_number_index
    assert b.workers[0].phone_enc is None  # nothing copied from the other case
    with rt.engine.connect() as conn:
        raw = conn.execute(text("SELECT * FROM case_workers")).mappings().all()
    assert len(raw) == 2
    dump = repr([dict(r) for r in raw])
    assert VALID_ID not in dump and "13812345678" not in dump
    person = a.workers[0]
    assert person.id_number_masked == "440106********1231" and person.phone_masked == "138****5678"
    assert rt.vault.decrypt(person.id_number_enc) == VALID_ID


def test_a_bad_id_number_writes_nothing(rt, demo):
    actor = demo.actor("caseworker.shipai")
    with pytest.raises(InvalidInput) as err:
        open_case(
            rt.uow(),
            actor=actor,
            workflow="wage_arrears",
            workers=[
                WorkerInput(name="李四", phone="13900001111"),
                WorkerInput(name="王五", id_number="440106199003071232"),
            ],
        )
    assert err.value.field == "workers.1.id_number" and "440106199003071232" not in str(err.value)
    with rt.reader() as uow:
        assert uow.session.scalars(select(CaseWorker)).all() == []


def test_case_input_is_validated(rt, demo):
    actor = demo.actor("caseworker.shipai")
    for kw, field in [
        ({"workflow": "karaoke"}, "workflow"),
        ({"channel": "fax"}, "channel"),
        ({"amount_claimed": "-1"}, "amount_claimed"),
        ({"amount_claimed": "1.234"}, "amount_claimed"),
        ({"amount_claimed": "NaN"}, "amount_claimed"),
        ({"worker_count": 0}, "worker_count"),
    ]:
        kw.setdefault("workflow", "wage_arrears")
        with pytest.raises(InvalidInput) as err:
            open_case(rt.uow(), actor=actor, **kw)
        assert err.value.field == field
    case = open_case(
        rt.uow(), actor=actor, workflow="wage_arrears", amount_claimed="12345.6", worker_count=12
    )
    assert str(case.amount_claimed) == "12345.60" and case.collective


def test_cases_are_opened_only_inside_ones_subtree(rt, demo):
    with pytest.raises(NotPermitted):
        open_case(
            rt.uow(),
            actor=demo.actor("caseworker.shipai"),
            workflow="mediation",
            org_unit_id=demo.unit("HZ-NHX").id,
        )
    with pytest.raises(NotPermitted):
        open_case(rt.uow(), actor=demo.actor("auditor"), workflow="mediation")
    case = open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow="mediation",
        org_unit_id=demo.unit("HZ-NHX").id,
    )
    assert (
        case.org_unit_id == demo.unit("HZ-NHX").id
        and case.origin_org_unit_id == demo.unit("HZ-NHX").id
    )


def test_org_tree_levels_and_subtrees(rt, demo):
    with pytest.raises(InvalidInput, match="below its parent"):
        create_org_unit(
            rt.uow(), actor=SYSTEM_ACTOR, code="X1", name="错误", level="city", parent_code="TH"
        )
    with pytest.raises(InvalidInput):
        create_org_unit(
            rt.uow(), actor=SYSTEM_ACTOR, code="X2", name="错误", level="county", parent_code="TH"
        )
    unit = create_org_unit(
        rt.uow(),
        actor=SYSTEM_ACTOR,
        code="TH-SP-NEW",
        name="新建基层工会",
        level="grassroots",
        parent_code="TH-SP",
    )
    assert unit.path == demo.unit("TH-SP").path + f"{unit.id}/"
    page = org_units(rt.reader(), actor=demo.actor("supervisor.tianhe"))
    ids = {u["id"] for u in page.items}
    assert ids == {demo.unit(c).id for c in ("TH", "TH-SP", "TH-SP-ACME")} | {unit.id}
    with rt.reader() as uow:
        chain = [u.code for u in chain_upwards(uow.session, demo.unit("TH-SP-ACME"))]
        assert chain == ["TH-SP-ACME", "TH-SP", "TH", "GZ", "GD"]
    with pytest.raises(InvalidInput, match="above every child"):
        update_org_unit(
            rt.uow(), actor=SYSTEM_ACTOR, unit_id=demo.unit("TH-SP").id, level="grassroots"
        )


def test_employer_credit_code_is_checked_and_unique(rt, demo):
    with pytest.raises(InvalidInput):
        create_employer(rt.uow(), name="某公司", org_code="TH-SP", credit_code="91440101MA5AC0001F")

    with pytest.raises(Conflict):
        create_employer(
            rt.uow(), name="同码公司", org_code="TH-SP", credit_code="91440101MA5AC0001E"
        )
