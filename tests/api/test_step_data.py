"""Typed step data over the API: each trigger's fields are declared, validated and documented.

A value a later step depends on is refused when it is recorded (422 naming the field, nothing
written); enumerations take the code or the 中文 label; the workflow definition, the case detail
and the OpenAPI document each show the fields a trigger takes, enough to build a form from.
"""

from __future__ import annotations

import workflows
from tests.helpers import force_state, get_case, new_case


def _fire(api, case_id, trigger, data, user="supervisor.tianhe"):
    return api.post(user, f"/cases/{case_id}/transitions", json={"trigger": trigger, "data": data})


def _unchanged(rt, case):
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
        return (stored.state, stored.version, stored.attributes) == (
            case.state,
            case.version,
            case.attributes,
        )


def test_amount_paid_in_chinese_words_is_a_422_naming_the_field(api, rt, demo):
    case = new_case(rt, demo, "wage_arrears")
    force_state(rt, case.id, "negotiating")
    case.state = "negotiating"
    r = _fire(api, case.id, "record_payment", {"amount_paid": "八千六百元"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert list(body["errors"]) == ["amount_paid"]
    assert "已支付金额" in body["errors"]["amount_paid"][0]
    assert "amount_paid" in body["detail_en"]
    assert _unchanged(rt, case)

    r = _fire(api, case.id, "record_payment", {"amount_paid": "8600.5"})
    assert r.status_code == 200, r.text
    assert r.json()["attributes"]["amount_paid"] == "8600.50"


def test_an_unknown_data_field_is_refused_and_named(api, rt, demo):
    case = new_case(rt, demo, "mediation")
    r = _fire(api, case.id, "refuse", {"reason": "不属于劳动争议", "reasn": "typo"})
    assert r.status_code == 422
    body = r.json()
    assert list(body["errors"]) == ["reasn"] and "理由" in body["errors"]["reasn"][0]
    assert _unchanged(rt, case)


def test_an_unknown_key_that_looks_like_personal_data_is_not_echoed(api, rt, demo):
    case = new_case(rt, demo, "mediation")
    r = _fire(api, case.id, "refuse", {"reason": "x", "13800138000": "x"})
    assert r.status_code == 422
    assert "13800138000" not in r.text


def test_satisfaction_takes_the_chinese_label_as_well_as_the_code(api, rt, demo):
    for given in ("满意", "satisfied"):
        case = new_case(rt, demo, "hotline")
        force_state(rt, case.id, "result_reported")
        r = _fire(api, case.id, "complete_callback", {"satisfaction": given})
        assert r.status_code == 200, r.text
        assert r.json()["attributes"]["satisfaction"] == "satisfied"
    case = new_case(rt, demo, "hotline")
    force_state(rt, case.id, "result_reported")
    r = _fire(api, case.id, "complete_callback", {"satisfaction": "还行"})
    assert r.status_code == 422 and "基本满意" in r.json()["errors"]["satisfaction"][0]


def test_dates_and_integers_are_checked_where_they_are_recorded(api, rt, demo):
    case = new_case(rt, demo, "wage_arrears")
    for bad in ({"months_in_arrears": "三"}, {"months_in_arrears": -1}, {"project": 12}):
        r = _fire(api, case.id, "verify", bad)
        assert r.status_code == 422, bad
        assert list(r.json()["errors"]) == list(bad)
    force_state(rt, case.id, "negotiating")
    for bad in ("2026/12/31", "2026-02-30", "明年", "20261231"):
        r = _fire(api, case.id, "sign_repayment_agreement", {"repayment_due": bad})
        assert r.status_code == 422 and list(r.json()["errors"]) == ["repayment_due"], bad
    r = _fire(api, case.id, "sign_repayment_agreement", {"repayment_due": "2026-12-31"})
    assert r.status_code == 200 and r.json()["attributes"]["repayment_due"] == "2026-12-31"


def test_the_workflow_definition_shows_each_triggers_typed_fields(api):
    wf = api.get("caseworker.shipai", "/workflows/mediation").json()
    sign = next(t for t in wf["transitions"] if t["trigger"] == "sign_agreement")
    by_name = {f["name"]: f for f in sign["fields"]}
    claims = by_name["agreement_claims"]
    assert (claims["type"], claims["required"], claims["many"]) == ("enum", True, True)
    assert {"code": "wages", "label_zh": "拖欠劳动报酬"} in claims["choices"]
    assert by_name["performance_due"]["type"] == "date"
    assert by_name["performance_due"]["required"] is True  # the clock runs on it
    wage = api.get("caseworker.shipai", "/workflows/wage_arrears").json()
    pay = next(t for t in wage["transitions"] if t["trigger"] == "record_payment")
    assert [(f["name"], f["type"]) for f in pay["fields"]] == [("amount_paid", "money")]


def test_the_case_lists_the_fields_of_each_allowed_trigger(api, rt, demo):
    case = new_case(rt, demo, "mediation")
    body = api.get("supervisor.tianhe", f"/cases/{case.id}").json()
    options = {o["trigger"]: o for o in body["allowed_triggers"]}
    assert [f["name"] for f in options["refuse"]["fields"]] == ["reason"]
    assert options["refuse"]["fields"][0]["label_zh"] == "理由"
    assert options["refuse"]["fields"][0]["required"] is True
    assert [f["name"] for f in options["accept"]["fields"]] == [
        "limitation_starts_on",
        "wages_in_employment",
        "employment_ended_on",
    ]
    assert all(not f["required"] for f in options["accept"]["fields"])
    for option in body["allowed_triggers"]:  # a form can be built from what is listed alone
        for f in option["fields"]:
            assert f["type"] and f["label_zh"] and isinstance(f["required"], bool)
            assert (f["type"] == "enum") == bool(f["choices"])


def test_the_openapi_document_shows_every_triggers_data_schema(api):
    spec = api.http.get(api.url("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    refs = []
    for wf in workflows.REGISTRY.values():
        for trigger in wf.triggers:
            name = f"StepData_{wf.name}_{trigger}"
            assert name in schemas, name
            schema = schemas[name]
            assert schema["additionalProperties"] is False
            fields = {f.name for t in wf.transitions if t.trigger == trigger for f in t.fields}
            assert set(schema["properties"]) == fields, name
            refs.append({"$ref": f"#/components/schemas/{name}"})
    body = next(
        s
        for s in schemas.values()
        if "trigger" in s.get("properties", {}) and "data" in s.get("properties", {})
    )
    assert body["properties"]["data"]["anyOf"] == refs
    pay = schemas["StepData_wage_arrears_record_payment"]["properties"]["amount_paid"]
    assert pay["type"] == "string" and "pattern" in pay
    claims = schemas["StepData_mediation_sign_agreement"]
    assert claims["required"] == ["agreement_claims", "performance_due"]
    assert "拖欠劳动报酬" in claims["properties"]["agreement_claims"]["items"]["enum"]
