"""Documents over HTTP: a draft is written from the template, edited under If-Match, issued
(numbered, hashed into the history) and then refused any change with a 中文 409; downloads are
real files with the 发文字号 as their name; a broken override template is a 422 naming it."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote, unquote

from api.app import create_app
from tests.api_support import Api, WsgiHttp
from tests.helpers import force_state, new_case

SUP = "supervisor.tianhe"


def _supervision(rt, demo):
    case = new_case(rt, demo, "supervision", summary="未依法为12名职工缴纳社会保险")
    force_state(rt, case.id, "investigating")
    return case


def _etag(r) -> str:
    return r.headers["ETag"]


def test_draft_edit_issue_then_immutable(api, rt, demo):
    case = _supervision(rt, demo)
    r = api.post(
        SUP,
        f"/cases/{case.id}/documents/drafts",
        json={"kind": "tip_letter", "addressee": "广州市某建筑劳务有限公司"},
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["status"] == "draft" and draft["number"] is None and draft["issued_at"] is None
    assert "未依法为12名职工缴纳社会保险" in draft["body"] and draft["content_hash"] is None
    base = f"/cases/{case.id}/documents/{draft['id']}"

    # Edits need the case's current version; a stale one is 412 and changes nothing.
    stale = str(int(_etag(r).strip('"')) - 1)
    r = api.call(SUP, "PATCH", base, json={"body": "改过的正文"}, headers={"If-Match": stale})
    assert r.status_code == 412
    r = api.call(
        SUP,
        "PATCH",
        base,
        json={"body": "经查，你单位未依法为职工缴纳社会保险。\n请依法补缴。"},
        headers={"If-Match": _etag(api.get(SUP, base))},
    )
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "经查，你单位未依法为职工缴纳社会保险。\n请依法补缴。"

    # A draft downloads with its 草稿 mark and a name saying so.
    r = api.get(SUP, base + ".pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("草稿-")

    r = api.post(SUP, base + "/issue", headers={"If-Match": _etag(api.get(SUP, base))})
    assert r.status_code == 200, r.text
    issued = r.json()
    assert issued["status"] == "issued" and issued["number"].startswith("天工提〔")
    assert len(issued["content_hash"]) == 64 and issued["body"].startswith("经查")
    case_view = api.get(SUP, f"/cases/{case.id}").json()
    assert case_view["state"] == "tip_letter_issued"
    events = api.get(SUP, f"/cases/{case.id}/events", params={"per_page": 100}).json()["items"]
    issued_event = next(e for e in events if e["kind"] == "document_issued")
    assert issued_event["data"]["content_hash"] == issued["content_hash"]

    r = api.call(SUP, "PATCH", base, json={"addressee": "别的单位"})
    assert r.status_code == 409
    problem = r.json()
    assert "已发出，不能修改" in problem["detail"] and problem["code"] == "document_already_issued"
    assert api.post(SUP, base + "/issue").status_code == 409

    r = api.get(SUP, base + ".docx")
    assert r.status_code == 200
    assert r.headers["Content-Type"].endswith("wordprocessingml.document")
    assert r.content[:2] == b"PK"
    assert (
        f"filename*=UTF-8''{quote(issued['number'] + '.docx', safe='')}"
        in (r.headers["Content-Disposition"])
    )
    # The list shows both states' fields.
    listed = api.get(SUP, f"/cases/{case.id}/documents").json()["items"]
    assert [d["status"] for d in listed] == ["issued"]


def test_a_document_of_another_case_is_not_found_through_this_one(api, rt, demo):
    a, b = _supervision(rt, demo), _supervision(rt, demo)
    r = api.post(
        SUP, f"/cases/{a.id}/documents/drafts", json={"kind": "tip_letter", "addressee": "某公司"}
    )
    doc_id = r.json()["id"]
    for suffix in ("", ".pdf", ".docx"):
        assert api.get(SUP, f"/cases/{b.id}/documents/{doc_id}{suffix}").status_code == 404


def test_one_shot_issue_takes_a_body(api, rt, demo):
    case = _supervision(rt, demo)
    r = api.post(
        SUP,
        f"/cases/{case.id}/documents",
        json={"kind": "tip_letter", "addressee": "某公司", "body": "第一段。\n\n第二段。"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["body"] == "第一段。\n第二段。" and r.json()["status"] == "issued"


def test_a_broken_override_template_is_a_422_naming_the_file(rt, demo, tmp_path):
    (tmp_path / "tip_letter.txt").write_text("正文{{ 1 / }}", "utf-8")
    custom = dataclasses.replace(
        rt, settings=rt.settings.with_overrides(document_templates=tmp_path)
    )
    api = Api(custom, "", WsgiHttp(create_app(runtime=custom).test_client()))
    case = _supervision(rt, demo)
    r = api.post(
        SUP,
        f"/cases/{case.id}/documents/drafts",
        json={"kind": "tip_letter", "addressee": "某公司"},
    )
    assert r.status_code == 422
    problem = r.json()
    assert "tip_letter.txt" in problem["detail"] and "第1行" in problem["detail"]
    assert problem["code"] == "document_template_broken"
    assert str(tmp_path) not in r.text  # the file is named, the server's paths are not
