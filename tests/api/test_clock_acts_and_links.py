"""The clock endpoints (extension, pause, resume) and the links endpoint, in-process."""

from __future__ import annotations

from tests.helpers import new_case


def _problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    return r.json()


def _clock(case: dict, rule: str) -> dict:
    return next(c for c in case["deadlines"] if c["rule"] == rule)


def _etag(r) -> dict[str, str]:
    return {"If-Match": r.headers["ETag"]}


def test_an_extension_by_consent_is_recorded_and_answers_the_case(api, rt, demo):
    case = new_case(rt, demo, "mediation", unit="TH")
    path = f"/cases/{case.id}/clocks/mediation_period/extension"
    read = api.get("supervisor.tianhe", f"/cases/{case.id}")
    before = _clock(read.json(), "mediation_period")
    assert before["extension_bases"] == ["parties_consent"] and before["extension_cap"] is None
    body = {"days": 20, "basis": "双方当事人同意", "note": "申请人与企业代表书面同意延长"}
    r = api.post("supervisor.tianhe", path, json=body, headers=_etag(read))
    assert r.status_code == 200, r.text
    out = r.json()
    assert r.headers["ETag"] == f'"{out["version"]}"' and out["version"] > read.json()["version"]
    clock = _clock(out, "mediation_period")
    assert (clock["extended_days"], clock["extension_basis"]) == (20, "parties_consent")
    assert clock["extension_basis_label_zh"] == "双方当事人同意"
    assert clock["extension_note"] == "申请人与企业代表书面同意延长"
    # A stale version is refused and changes nothing.
    _problem(api.post("supervisor.tianhe", path, json=body, headers=_etag(read)), 412)
    # The mediation period extends on consent only; the approver belongs to an approval.
    p = _problem(
        api.post(
            "supervisor.tianhe",
            path,
            json={"days": 5, "basis": "officer_approval", "approver": "主任 李某"},
        ),
        422,
    )
    assert list(p["errors"]) == ["basis"] and "双方当事人同意" in p["detail"]
    p = _problem(api.post("supervisor.tianhe", path, json={"days": 5, "basis": "agreed"}), 422)
    assert list(p["errors"]) == ["basis"]
    p = _problem(
        api.post("supervisor.tianhe", path, json={"days": 5, "basis": "parties_consent"}), 422
    )
    assert list(p["errors"]) == ["note"]
    events = api.get("supervisor.tianhe", f"/cases/{case.id}/events?per_page=100").json()
    extended = [e for e in events["items"] if e["kind"] == "deadline_extended"]
    assert len(extended) == 1 and extended[0]["actor"] == "supervisor.tianhe"
    assert extended[0]["data"]["basis"] == "parties_consent"


def test_an_officers_approval_names_the_officer(api, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH")
    path = f"/cases/{case.id}/clocks/verification/extension"
    p = _problem(
        api.post("supervisor.tianhe", path, json={"days": 2, "basis": "officer_approval"}), 422
    )
    assert list(p["errors"]) == ["approver"]
    r = api.post(
        "supervisor.tianhe",
        path,
        json={"days": 2, "basis": "officer_approval", "approver": "天河区总工会副主席 王某"},
    )
    assert r.status_code == 200, r.text
    clock = _clock(r.json(), "verification")
    assert (clock["extension_approver"], clock["extended_days"]) == ("天河区总工会副主席 王某", 2)


def test_a_period_the_law_never_suspends_is_refused_with_the_legal_reason(api, rt, demo):
    case = new_case(rt, demo, "mediation", unit="TH")
    version = api.get("supervisor.tianhe", f"/cases/{case.id}").json()["version"]
    p = _problem(
        api.post(
            "supervisor.tianhe",
            f"/cases/{case.id}/clocks/mediation_period/pause",
            json={"reason": "当事人外出"},
        ),
        422,
    )
    assert p["guard"] == "pausable" and "劳动争议调解仲裁法 第十四条" in p["detail"]
    assert "mediation_period" not in p["detail"] and "mediation_period" in p["detail_en"]
    p = _problem(
        api.post(
            "supervisor.tianhe",
            f"/cases/{case.id}/clocks/acceptance_decision/extension",
            json={"days": 1, "basis": "officer_approval", "approver": "主任"},
        ),
        422,
    )
    assert p["guard"] == "extendable" and "不能延长" in p["detail"]
    assert api.get("supervisor.tianhe", f"/cases/{case.id}").json()["version"] == version


def test_pause_and_resume_with_a_reason(api, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH")
    base = f"/cases/{case.id}/clocks/verification"
    p = _problem(api.post("supervisor.tianhe", base + "/pause", json={"reason": "  "}), 422)
    assert list(p["errors"]) == ["reason"]
    _problem(api.post("supervisor.tianhe", base + "/pause", json={}), 422)
    r = api.post("supervisor.tianhe", base + "/pause", json={"reason": "等待职工提供工资条"})
    assert r.status_code == 200, r.text
    clock = _clock(r.json(), "verification")
    assert clock["paused"] and clock["pause_reason"] == "等待职工提供工资条"
    assert r.json()["next_due_at"] is None
    _problem(api.post("supervisor.tianhe", base + "/pause", json={"reason": "再停"}), 422)
    r = api.post(
        "supervisor.tianhe", base + "/resume", json={"reason": "工资条已收到"}, headers=_etag(r)
    )
    assert r.status_code == 200, r.text
    clock = _clock(r.json(), "verification")
    assert not clock["paused"] and clock["pause_reason"] is None
    _problem(
        api.post("supervisor.tianhe", base + "/resume", json={"reason": "again"}), 422
    )  # not paused
    _problem(
        api.post("supervisor.tianhe", f"/cases/{case.id}/clocks/nope/pause", json={"reason": "x"}),
        404,
    )
    events = api.get("supervisor.tianhe", f"/cases/{case.id}/events?per_page=100").json()
    kinds = {e["kind"]: e for e in events["items"]}
    assert kinds["deadline_paused"]["data"]["reason"] == "等待职工提供工资条"
    assert kinds["deadline_resumed"]["data"]["reason"] == "工资条已收到"


def test_links_open_the_parallel_supervision_case(api, rt, demo):
    parent = new_case(rt, demo, "wage_arrears", unit="TH")
    read = api.get("supervisor.tianhe", f"/cases/{parent.id}")
    r = api.post(
        "supervisor.tianhe",
        f"/cases/{parent.id}/links",
        json={"workflow": "supervision", "summary": "一函两书：拖欠工资"},
        headers=_etag(read),
    )
    assert r.status_code == 201, r.text
    child = r.json()
    assert child["workflow"] == "supervision" and child["parent_id"] == parent.id
    assert child["org_unit"]["code"] == "TH" and child["summary"] == "一函两书：拖欠工资"
    assert r.headers["Location"].endswith(f"/api/v1/cases/{child['id']}")
    assert r.headers["ETag"] == f'"{child["version"]}"'
    assert api.get("supervisor.tianhe", r.headers["Location"].split("/api/v1")[1]).ok
    # The parent moved on (its history records the link): the old version is stale now.
    _problem(
        api.post(
            "supervisor.tianhe",
            f"/cases/{parent.id}/links",
            json={"workflow": "supervision"},
            headers=_etag(read),
        ),
        412,
    )
    events = api.get("supervisor.tianhe", f"/cases/{parent.id}/events?per_page=100").json()
    linked = [e for e in events["items"] if e["kind"] == "linked"]
    assert linked[0]["data"] == {"child": child["ref"], "workflow": "supervision"}
    # A process the parent's workflow does not open is refused, naming the field.
    for workflow in ("hotline", "no_such_process"):
        p = _problem(
            api.post("supervisor.tianhe", f"/cases/{parent.id}/links", json={"workflow": workflow}),
            422,
        )
        assert list(p["errors"]) == ["workflow"]


def test_the_workflow_export_says_what_may_be_paused_or_extended(api):
    rules = {r["name"]: r for r in api.get("auditor", "/workflows/mediation").json()["deadlines"]}
    period, award = rules["mediation_period"], rules["arbitration_award"]
    assert period["extension_bases"] == [{"code": "parties_consent", "label_zh": "双方当事人同意"}]
    assert period["extension_cap"] is None and period["extendable_days"] is None
    assert not period["pausable"] and "第十四条" in period["pause_citation"]
    assert (award["extension_cap"], award["pausable"]) == (15, True)
    assert "第四十三条" in award["extension_citation"]
    inspection = next(
        r
        for r in api.get("auditor", "/workflows/wage_arrears").json()["deadlines"]
        if r["name"] == "inspection_completion"
    )
    assert (inspection["extension_cap"], inspection["extension_unit"]) == (30, "working")
    assert [b["code"] for b in inspection["extension_bases"]] == ["officer_approval"]
