"""Hostile input never breaks the service and never comes back in an error (hardening issue,
items 1-8 and 10): each test is a reproduction a tester saw as a 5xx, a leak or a wrong status,
run in-process on SQLite and PostgreSQL. Every answer must be a problem in valid JSON; the
suite's session-wide check fails the run on any 5xx answered."""

from __future__ import annotations

import json
import time

import pytest

from tests.helpers import new_case

BUILDER = "广州市某建筑劳务有限公司"
CASE_BODY = {
    "workflow": "wage_arrears",
    "employer": {"name": BUILDER},
    "workers": [{"name": "陈七", "phone": "13812345678"}],
    "worker_count": 2,
    "amount_claimed": 12000,
    "summary": "拖欠两个月工资",
}
INTAKE_BODY = {
    "caller": {"name": "王五", "phone": "13900001111"},
    "employer": {"name": BUILDER},
    "category": "wage_arrears",
    "worker_count": 3,
    "amount_claimed": 5000,
    "description": "欠薪两个月",
}
JSON = {"Content-Type": "application/json"}


def _no_constants(name: str) -> None:
    raise AssertionError(f"the answer is not JSON: it contains a bare {name}")


def strict_json(r) -> object:
    """The answer as JSON, refusing NaN/Infinity (which json.loads would quietly accept)."""
    return json.loads(r.text, parse_constant=_no_constants)


def problem(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    body = strict_json(r)
    assert body["status"] == status and body["detail"] and body["detail_en"]
    if code:
        assert body["code"] == code, body
    return body


def raw(api, user, method, path, data: bytes | str, headers=None):
    return api.call(user, method, path, data=data, headers={**JSON, **(headers or {})})


# -- 1. nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,user", [("/cases", "supervisor.tianhe"), ("/auth/token", None), ("/intakes", "hotline")]
)
def test_json_nested_100000_deep_is_a_400_problem(api, path, user):
    deep_list = "[" * 100_000 + "]" * 100_000
    body = problem(raw(api, user, "POST", path, deep_list), 400, "malformed_request")
    assert "64" in body["detail_en"]
    deep_object = '{"a":' * 100_000 + "1" + "}" * 100_000
    problem(raw(api, user, "POST", path, deep_object), 400, "malformed_request")
    # Inside a field the body is otherwise fine with.
    nested: object = 1
    for _ in range(65):
        nested = [nested]
    deep_field = json.dumps({**CASE_BODY, "attributes": {"x": nested}})
    problem(raw(api, "supervisor.tianhe", "POST", "/cases", deep_field), 400, "malformed_request")


@pytest.mark.parametrize(
    "body",
    [
        "[" * 70 + '"' + '\\"' * 400_000,  # an unterminated string of escaped quotes
        "[" * 70 + '"' * 900_000,
        '["' + "[" * 900_000 + '"]',  # brackets inside a string do not count: a valid body
        "[" + ",".join(['{"a": [1, "x"]}'] * 60_000) + "]",  # wide, not deep
    ],
)
def test_pathological_bodies_of_a_mebibyte_are_answered_promptly(api, body):
    started = time.monotonic()
    r = raw(api, None, "POST", "/auth/token", body)
    assert r.status_code in (400, 422), r.text[:300]
    problem(r, r.status_code)
    assert time.monotonic() - started < 15  # seconds, on a busy machine; linear, not quadratic


def test_reasonable_nesting_is_still_accepted(api):
    nested: object = "深"
    for _ in range(20):
        nested = {"k": nested}
    r = api.post("supervisor.tianhe", "/cases", json={**CASE_BODY, "attributes": {"x": nested}})
    assert r.status_code == 201, r.text
    assert strict_json(r)["attributes"]["x"]["k"]["k"]


# -- 2. unpaired surrogates --------------------------------------------------------------------


def test_unpaired_surrogate_is_a_422_also_when_logging_in(api, rt, demo):
    r = raw(api, None, "POST", "/auth/token", '{"username": "\\ud800", "password": "x-y-z-w-1"}')
    body = problem(r, 422, "invalid_input")
    assert list(body["errors"]) == ["username"]
    r = raw(api, None, "POST", "/auth/token", '{"username": "admin", "password": "ab\\udfffcd"}')
    assert list(problem(r, 422, "invalid_input")["errors"]) == ["password"]
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    r = raw(api, "caseworker.shipai", "POST", f"/cases/{case.id}/comments", '{"text": "a\\udc00"}')
    assert list(problem(r, 422, "invalid_input")["errors"]) == ["text"]
    # In a nested value, a list and a key.
    body = json.dumps({**CASE_BODY, "workers": [{"name": "陈七"}, {"name": "X"}]}).replace(
        '"X"', '"\\ud83d"'
    )
    r = raw(api, "supervisor.tianhe", "POST", "/cases", body)
    assert list(problem(r, 422)["errors"]) == ["workers.1.name"]
    body = json.dumps({**CASE_BODY, "attributes": {"KEY": 1}}).replace("KEY", "\\ud800")
    problem(raw(api, "supervisor.tianhe", "POST", "/cases", body), 422, "invalid_input")
    # A pair is a character like any other.
    r = api.post(
        "caseworker.shipai", f"/cases/{case.id}/comments", json={"text": "已联系 \U0001f600"}
    )
    assert r.status_code == 201, r.text


def test_a_body_that_is_not_utf8_is_a_400(api):
    r = raw(api, None, "POST", "/auth/token", b'{"username": "\xed\xa0\x80", "password": "x"}')
    problem(r, 400, "malformed_request")


# -- 3. NUL characters -------------------------------------------------------------------------


def test_nul_in_bodies_is_a_422_naming_the_field(api, rt, demo):
    r = api.post(None, "/auth/token", json={"username": "ad\x00min", "password": "casework-demo"})
    assert list(problem(r, 422, "invalid_input")["errors"]) == ["username"]
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    r = api.post("caseworker.shipai", f"/cases/{case.id}/comments", json={"text": "a\x00b"})
    assert list(problem(r, 422)["errors"]) == ["text"]
    r = api.post(
        "supervisor.tianhe", "/cases", json={**CASE_BODY, "employer": {"name": "某\x00公司"}}
    )
    assert list(problem(r, 422)["errors"]) == ["employer.name"]
    r = api.post(
        "supervisor.tianhe",
        "/cases",
        json={**CASE_BODY, "workers": [{"name": "陈\x00七", "phone": "13812345678"}]},
    )
    assert list(problem(r, 422)["errors"]) == ["workers.0.name"]
    r = api.post("hotline", "/intakes", json={**INTAKE_BODY, "caller": {"name": "王\x00五"}})
    assert "caller.name" in problem(r, 422)["errors"]
    r = api.post(
        "admin",
        "/org-units",
        json={
            "code": "X-1",
            "name": "某\x00工会",
            "level": "township",
            "parent_id": demo.unit("TH").id,
        },
    )
    assert "name" in problem(r, 422)["errors"]
    r = api.post(
        "admin",
        "/users",
        json={
            "username": "new\x00user",
            "display_name": "新\x00用户",
            "org_unit_id": demo.unit("TH").id,
            "roles": ["caseworker"],
            "password": "long-enough-1",
        },
    )
    assert {"username", "display_name"} <= set(problem(r, 422)["errors"])
    r = api.post("supervisor.tianhe", "/cases", json={**CASE_BODY, "attributes": {"a\x00b": "c"}})
    problem(r, 422, "invalid_input")


@pytest.mark.parametrize(
    "query", ["q=%00", "q=a%00b", "state=%00", "workflow=wage%00arrears", "q=%ED%A0%80"]
)
def test_nul_in_query_parameters_is_refused(api, query):
    r = api.get("supervisor.tianhe", "/cases?" + query)
    if query.endswith("%ED%A0%80"):  # not UTF-8: decoded with U+FFFD, a harmless search
        assert r.status_code == 200, r.text
        return
    body = problem(r, 422, "invalid_input")
    assert list(body["errors"]) == [query.split("=")[0]]


def test_nul_in_an_idempotency_key_is_refused(api):
    r = api.post("hotline", "/intakes", json=INTAKE_BODY, headers={"Idempotency-Key": "k\x00"})
    problem(r, 422, "invalid_input")


# -- 4. NaN and Infinity -----------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_nan_and_infinity_are_refused_and_never_stored(api, rt, demo, constant):
    # NaN and Infinity are not JSON at all (400); 1e999 is JSON, but no number (422, named).
    status = 400 if constant.endswith(("NaN", "Infinity")) else 422
    body = json.dumps({**CASE_BODY, "amount_claimed": 0}).replace(
        '"amount_claimed": 0', f'"amount_claimed": {constant}'
    )
    p = problem(raw(api, "supervisor.tianhe", "POST", "/cases", body), status)
    assert status == 400 or list(p["errors"]) == ["amount_claimed"]
    body = json.dumps({**INTAKE_BODY, "amount_claimed": 0}).replace(
        '"amount_claimed": 0', f'"amount_claimed": {constant}'
    )
    problem(raw(api, "hotline", "POST", "/intakes", body), status)
    # In free-form attributes and transition data (stored as JSON as they come).
    body = json.dumps({**CASE_BODY, "attributes": {"months_unpaid": 0}}).replace(
        '"months_unpaid": 0', f'"months_unpaid": {constant}'
    )
    p = problem(raw(api, "supervisor.tianhe", "POST", "/cases", body), status)
    assert status == 400 or list(p["errors"]) == ["attributes.months_unpaid"]
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    body = '{"trigger": "accept", "data": {"x": CONSTANT}}'.replace("CONSTANT", constant)
    path = f"/cases/{case.id}/transitions"
    problem(raw(api, "caseworker.shipai", "POST", path, body), status)
    # Nothing was stored: every answer is still valid JSON.
    listing = api.get("supervisor.tianhe", "/cases")
    assert listing.status_code == 200
    for item in strict_json(listing)["items"]:
        strict_json(api.get("supervisor.tianhe", f"/cases/{item['id']}"))
        strict_json(api.get("supervisor.tianhe", f"/cases/{item['id']}/events"))


def test_integers_beyond_int64_are_refused(api, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    for number in (str(2**63), str(-(2**63) - 1), "9" * 5000):
        body = '{"user_id": NUMBER}'.replace("NUMBER", number)
        r = raw(api, "supervisor.tianhe", "POST", f"/cases/{case.id}/assignment", body)
        assert list(problem(r, 422, "invalid_input")["errors"]) == ["user_id"]
    body = json.dumps({**CASE_BODY, "attributes": {"n": 0}}).replace('"n": 0', f'"n": {2**64}')
    problem(raw(api, "supervisor.tianhe", "POST", "/cases", body), 422)
    # int64 itself is fine for the loader; the schema's own range then applies.
    body = '{"user_id": NUMBER}'.replace("NUMBER", str(2**63 - 1))
    r = raw(api, "supervisor.tianhe", "POST", f"/cases/{case.id}/assignment", body)
    assert list(problem(r, 422)["errors"]) == ["user_id"]


# -- 5. dates outside the calendar years -------------------------------------------------------


@pytest.mark.parametrize(
    "query,field",
    [
        ("from=0001-01-01", "from"),
        ("to=9999-12-31", "to"),
        ("from=1948-12-31", "from"),
        ("to=2200-01-01", "to"),
        ("from=0001-01-01&to=9999-12-31", None),
    ],
)
@pytest.mark.parametrize("report", ["summary", "hotline"])
def test_report_dates_outside_the_calendar_years_are_422(api, query, field, report):
    r = api.get("supervisor.tianhe", f"/reports/{report}?" + query)
    body = problem(r, 422, "invalid_input")
    if field:
        assert list(body["errors"]) == [field]
    for fmt in ("json", "csv"):
        r = api.get("supervisor.tianhe", f"/reports/{report}?{query}&format={fmt}")
        assert r.status_code == 422


@pytest.mark.parametrize("report", ["summary", "hotline"])
def test_report_dates_at_the_edges_of_the_calendar_years_work(api, report):
    r = api.get("supervisor.tianhe", f"/reports/{report}?from=1949-01-01&to=2199-12-31")
    assert r.status_code == 200, r.text
    assert strict_json(r)["from"] == "1949-01-01"


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_deadline_arithmetic_outside_the_calendar_years_is_422(api, start):
    r = api.get("supervisor.tianhe", f"/calendar/deadline?start={start}&days=3650&unit=calendar")
    problem(r, 422)


# -- 6. integers in query strings --------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "assignee=9999999999",
        "assignee=2147483648",
        "org_unit_id=2147483648",
        "page=99999999999999999999",
        "per_page=" + "9" * 5000,
    ],
)
def test_integer_query_parameters_beyond_the_column_are_422(api, query):
    r = api.get("supervisor.tianhe", "/cases?" + query)
    assert list(problem(r, 422, "invalid_input")["errors"]) == [query.split("=")[0]]


def test_the_largest_id_is_still_a_valid_filter(api):
    r = api.get("supervisor.tianhe", "/cases?assignee=2147483647")
    assert r.status_code == 200 and strict_json(r)["items"] == []
    assert api.get("supervisor.tianhe", "/cases?assignee=me").status_code == 200
    for bad in ("0", "-1", "01", "me2", ""):
        problem(api.get("supervisor.tianhe", f"/cases?assignee={bad}"), 422)


# -- 7. unknown field names are not echoed -----------------------------------------------------


PERSONAL_KEYS = [
    "440106199001011235",
    "13812345678",
    "x13812345678y",
    "+8613812345678",
    "44010619900101123X",
    "陈七",
]


@pytest.mark.parametrize("key", PERSONAL_KEYS)
def test_unknown_field_names_shaped_like_personal_data_are_not_echoed(api, key):
    r = api.post("supervisor.tianhe", "/cases", json={**CASE_BODY, key: 1})
    body = problem(r, 422, "invalid_input")
    assert key not in r.text
    assert list(body["errors"]) == ["<unknown field 1>"]
    # Nested, and two at once (numbered in order).
    r = api.post(
        "supervisor.tianhe",
        "/cases",
        json={**CASE_BODY, "employer": {"name": BUILDER, key: 1, key + "0": 2}},
    )
    body = problem(r, 422)
    assert key not in r.text
    assert sorted(body["errors"]) == ["employer.<unknown field 1>", "employer.<unknown field 2>"]
    # In the query string.
    r = api.get("supervisor.tianhe", "/cases", params={key: "1"})
    assert key not in problem(r, 422).get("detail", "") and key not in r.text


def test_unknown_field_names_that_look_like_field_names_are_still_named(api):
    r = api.post("supervisor.tianhe", "/cases", json={**CASE_BODY, "amount": 1, "worker_2": 1})
    assert set(problem(r, 422)["errors"]) == {"amount", "worker_2"}
    assert set(problem(api.get("supervisor.tianhe", "/cases?overdu=true"), 422)["errors"]) == {
        "overdu"
    }


# -- 8. content types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ],
)
def test_a_body_that_is_not_json_is_a_415(api, content_type):
    data = json.dumps({"username": "admin", "password": "casework-demo"})
    headers = {"Content-Type": content_type} if content_type else {}
    r = api.http.post(api.url("/auth/token"), data=data, headers=headers)
    problem(r, 415, "unsupported_media_type")
    r = api.as_("supervisor.tianhe").post(
        api.url("/cases"), data=json.dumps(CASE_BODY), headers=headers
    )
    problem(r, 415)


def test_json_content_types_with_parameters_are_accepted(api):
    for ct in ("application/json; charset=utf-8", "application/problem+json"):
        r = api.http.post(
            api.url("/auth/token"),
            data=json.dumps({"username": "admin", "password": "casework-demo"}),
            headers={"Content-Type": ct},
        )
        assert r.status_code == 201, (ct, r.text)
    # No body at all is not a content-type question: the schema says what is missing.
    assert api.post(None, "/auth/token").status_code == 422


# -- 10. look-alike names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        BUILDER + "\u200b",
        "\u202e" + BUILDER,
        "\ufeff" + BUILDER + "\u2060",
        "\u3000" + BUILDER + " \u00a0",
        BUILDER.replace("有限", "有\u200d限"),
        "\u2066" + BUILDER + "\u2069",
    ],
)
def test_look_alike_employer_names_are_the_known_employer(api, demo, name):
    known = demo.employer("建筑")
    r = api.post("supervisor.guangzhou", "/cases", json={**CASE_BODY, "employer": {"name": name}})
    assert r.status_code == 201, r.text
    case = strict_json(r)
    assert case["employer"]["id"] == known.id
    assert case["employer"]["name"] == BUILDER
    assert case["org_unit"]["code"] == "TH-SP"  # routed as the known employer is
    r = api.post("hotline", "/intakes", json={**INTAKE_BODY, "employer": {"name": name}})
    assert r.status_code == 201, r.text
    assert strict_json(r)["routed_to"]["code"] == "TH-SP"


@pytest.mark.parametrize("name", ["\u200b", "\u202e\u200d", " \u3000 ", "\ufeff"])
def test_a_name_empty_after_normalisation_is_a_422(api, name):
    r = api.post("supervisor.tianhe", "/cases", json={**CASE_BODY, "employer": {"name": name}})
    assert list(problem(r, 422, "invalid_input")["errors"]) == ["employer.name"]
    r = api.post(
        "supervisor.tianhe",
        "/cases",
        json={**CASE_BODY, "workers": [{"name": name, "phone": "13812345678"}]},
    )
    assert list(problem(r, 422)["errors"]) == ["workers.0.name"]
    r = api.post(
        "hotline",
        "/intakes",
        json={**INTAKE_BODY, "caller": {**INTAKE_BODY["caller"], "name": name}},
    )
    assert list(problem(r, 422)["errors"]) == ["caller.name"]
    r = api.post("hotline", "/intakes", json={**INTAKE_BODY, "employer": {"name": name}})
    assert list(problem(r, 422)["errors"]) == ["employer.name"]


def test_look_alike_worker_names_are_stored_as_the_name_they_look_like(api, rt):
    first = api.post("supervisor.tianhe", "/cases", json=CASE_BODY)
    assert first.status_code == 201, first.text
    twin = {**CASE_BODY, "workers": [{"name": "\u202e陈\u200b七 ", "phone": "13812345678"}]}
    second = api.post("supervisor.tianhe", "/cases", json=twin)
    assert second.status_code == 201, second.text
    a, b = strict_json(first)["workers"][0], strict_json(second)["workers"][0]
    # Each case keeps its own record of the worker; the names compare equal once normalised.
    assert a["id"] != b["id"] and a["name"] == b["name"] == "陈七"


@pytest.mark.parametrize("day", ["0001-01-01", "1948-12-31", "2200-01-01", "9999-12-31"])
def test_calendar_days_outside_the_calendar_years_are_not_written(api, day):
    r = api.call("admin", "PUT", f"/calendar/days/{day}", json={"is_workday": False})
    assert list(problem(r, 422, "invalid_input")["errors"]) == ["day"]
    # Deadline arithmetic still works afterwards.
    r = api.get("supervisor.tianhe", "/calendar/deadline?start=2026-03-02&days=10")
    assert r.status_code == 200, r.text


def test_calendar_days_at_the_edges_are_written(api):
    for day in ("1949-01-01", "2199-12-31"):
        r = api.call("admin", "PUT", f"/calendar/days/{day}", json={"is_workday": True})
        assert r.status_code == 200, r.text
