"""Area-wide 提示函 over HTTP: issued to an area's employers, listed (JSON and CSV), read with each
recipient's reply, a reply recorded once, downloaded as PDF and DOCX; refusals in Chinese."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

from casework.core.time import local_date
from casework.models import Employer

SUP = "supervisor.tianhe"


def _employers(rt, demo, *names: str) -> list[int]:
    with rt.uow() as uow:
        rows = [Employer(name=n, org_unit_id=demo.unit("TH-SP").id) for n in names]
        uow.session.add_all(rows)
        uow.session.flush()
        uow.commit()
        return [e.id for e in rows]


def test_issue_list_read_reply_and_download(api, rt, demo):
    extra = _employers(rt, demo, "广州市某物流有限公司", "广州市某装饰工程有限公司")
    builder = demo.employer("建筑").id
    r = api.post(
        SUP,
        "/tip-letters",
        json={
            "scope": "天河区建筑施工企业",
            "matter": "部分企业未按月足额支付农民工工资",
            "employer_ids": [builder, builder, *extra],
            "org_unit_id": demo.unit("TH-SP-ACME").id,
        },
    )
    assert r.status_code == 201, r.text
    letter = r.json()
    year = local_date().year
    assert letter["number"] == f"天工提〔{year}〕1号"
    assert letter["counts"] == {"recipients": 4, "answered": 0, "awaiting": 4, "overdue": 0}
    assert letter["addressee"] == "各有关用人单位" and letter["reply_period"] == "15个工作日"
    assert len(letter["recipients"]) == 4  # the builder named twice is sent one letter
    assert {x["reply_status"] for x in letter["recipients"]} == {"awaiting"}

    r = api.post(
        SUP,
        f"/tip-letters/{letter['id']}/replies",
        json={"employer_id": builder, "replied_on": local_date().isoformat(), "summary": "已整改"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["answered"] == 1
    again = api.post(
        SUP,
        f"/tip-letters/{letter['id']}/replies",
        json={"employer_id": builder, "replied_on": local_date().isoformat(), "summary": "又答复"},
    )
    assert again.status_code == 409 and "已于" in again.json()["detail"]

    listed = api.get(SUP, "/tip-letters").json()
    assert listed["total"] == 1 and listed["items"][0]["counts"]["answered"] == 1
    assert api.get("supervisor.guangzhou", "/tip-letters").json()["total"] == 1
    assert api.get("caseworker.nanhuaxi", "/tip-letters").json()["total"] == 0

    for how in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        r = api.get(SUP, "/tip-letters", **how)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["发文字号", "发文单位", "标题"]
        assert rows[1][0] == letter["number"] and rows[1][-4:] == ["4", "1", "3", "0"]

    r = api.get(SUP, f"/tip-letters/{letter['id']}.pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    name = unquote(r.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert name == f"{letter['number']}.pdf"
    r = api.get(SUP, f"/tip-letters/{letter['id']}.docx")
    assert r.status_code == 200 and r.content.startswith(b"PK")


def test_refusals(api, rt, demo):
    builder = demo.employer("建筑").id
    body = {"scope": "天河区建筑施工企业", "matter": "未签订劳动合同", "employer_ids": [builder]}
    r = api.post("hotline", "/tip-letters", json=body)
    assert r.status_code == 403 and "提示函" in r.json()["detail"]
    outside = {**body, "employer_ids": [builder, demo.employer("餐饮").id]}
    r = api.post(SUP, "/tip-letters", json=outside)
    assert r.status_code == 404 and "辖区" in r.json()["detail"]
    r = api.post(SUP, "/tip-letters", json={"scope": "天河区", "matter": "x"})
    assert r.status_code == 422 and r.json()["detail_en"].startswith("employer_ids")
    r = api.post(SUP, "/tip-letters", json={**body, "employer_ids": ["1"]})
    assert r.status_code == 422
    letter = api.post(SUP, "/tip-letters", json=body).json()
    assert api.get("caseworker.shipai", f"/tip-letters/{letter['id']}").status_code == 404
    assert api.get("caseworker.shipai", f"/tip-letters/{letter['id']}.pdf").status_code == 404
    r = api.post(
        "auditor",
        f"/tip-letters/{letter['id']}/replies",
        json={"employer_id": builder, "replied_on": local_date().isoformat(), "summary": "已整改"},
    )
    assert r.status_code == 403
    r = api.post(
        SUP,
        f"/tip-letters/{letter['id']}/replies",
        json={"employer_id": builder, "replied_on": "2020-01-01", "summary": "已整改"},
    )
    assert r.status_code == 422 and "答复日期" in r.json()["detail"]


def test_document_kinds_are_listed_with_chinese_labels(api):
    r = api.get("caseworker.shipai", "/document-kinds")
    assert r.status_code == 200
    kinds = {k["name"]: k for k in r.json()["items"]}
    assert kinds["tip_letter"]["label_zh"] == "工会劳动法律监督提示函"
    assert kinds["tip_letter"]["abbr_zh"] == "提"
    only = api.get("caseworker.shipai", "/document-kinds", params={"workflow": "mediation"})
    assert only.json()["items"] and all("mediation" in k["workflows"] for k in only.json()["items"])
