"""文书 on the case page: a draft of a kind the case's workflow has, its preview as it will print,
edits under the case version (a stale page changes nothing and says so), issuing (numbered, the
step taken, with the step's typed data), then immutable; DOCX and PDF downloads."""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import select

from casework.models import Case, Document
from tests.helpers import force_state, new_case
from tests.web_support import text_of

SUP = "supervisor.tianhe"
STALE = "案件已被他人修改，请刷新"


def _version(rt, case_id):
    with rt.reader() as uow:
        return uow.session.get(Case, case_id).version


def _supervision(rt, demo):
    case = new_case(rt, demo, "supervision", summary="未依法为12名职工缴纳社会保险")
    force_state(rt, case.id, "investigating")
    return case


def _draft(user, rt, case, kind="tip_letter", addressee="广州市某建筑劳务有限公司"):
    resp = user.post(
        f"/cases/{case.id}/documents/drafts",
        {"kind": kind, "addressee": addressee, "version": _version(rt, case.id)},
    )
    assert resp.status_code == 302, text_of(resp)[:2000]
    return resp.headers["Location"]


def test_a_draft_is_written_previewed_edited_issued_and_then_immutable(web, rt, demo):
    case = _supervision(rt, demo)
    sup = web(SUP)
    page = text_of(sup.get(f"/cases/{case.id}"))
    kinds = re.search(r'<select id="doc-kind".*?</select>', page, re.S).group(0)
    assert "工会劳动法律监督提示函" in kinds and "工会劳动法律监督意见书" in kinds
    assert "调解协议书" not in kinds  # another workflow's kind
    where = _draft(sup, rt, case)
    page = text_of(sup.get(where))
    assert "草稿已生成" in page and "（草稿，发出时编号）" in page
    assert "未依法为12名职工缴纳社会保险" in page  # the template wrote the body from the case
    assert "广州市某建筑劳务有限公司：" in page
    doc_id = int(where.rsplit("/", 1)[1])
    base = f"/cases/{case.id}/documents/{doc_id}"

    # A page drawn before someone else changed the case saves nothing.
    stale = _version(rt, case.id) - 1
    resp = sup.post(base + "/edit", {"addressee": "某公司", "body": "改过", "version": stale})
    assert resp.status_code == 409 and STALE in text_of(resp)
    body = "经查，你单位未依法为职工缴纳社会保险。\n请依法补缴。"
    resp = sup.post(
        base + "/edit",
        {"addressee": "广州市某建筑劳务有限公司", "body": body, "version": _version(rt, case.id)},
    )
    assert resp.status_code == 302
    page = text_of(sup.get(base))
    assert "草稿已保存" in page
    assert '<p class="para">经查，你单位未依法为职工缴纳社会保险。</p>' in page

    # A draft downloads with its 草稿 name; the PDF may also open in the browser.
    pdf = sup.client.get(base + ".pdf?inline=1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("inline;")
    name = unquote(pdf.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert name.startswith("草稿-")

    resp = sup.post(base + "/issue", {"version": _version(rt, case.id)})
    assert resp.status_code == 302
    page = text_of(sup.get(base))
    number = re.search(r"文书已发出：(\S+?)<", page).group(1)
    assert number.startswith("天工提〔") and "不可修改" in page
    assert 'action="' + base + '/edit"' not in page  # no edit form any more
    with rt.reader() as uow:
        assert uow.session.get(Case, case.id).state == "tip_letter_issued"
        assert uow.session.get(Document, doc_id).content_hash
    resp = sup.post(base + "/edit", {"body": "再改", "version": _version(rt, case.id)})
    assert resp.status_code == 409 and "已发出，不能修改" in text_of(resp)
    case_page = text_of(sup.get(f"/cases/{case.id}"))
    assert number in case_page
    docx = sup.client.get(base + ".docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")
    assert docx.headers["Content-Disposition"].startswith("attachment;")
    assert unquote(docx.headers["Content-Disposition"].split("filename*=UTF-8''")[1]) == (
        f"{number}.docx"
    )


def test_issuing_asks_for_the_steps_typed_data_and_refuses_without_it(web, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor=SUP)
    force_state(rt, case.id, "negotiating")
    worker = web("caseworker.shipai")
    worker.get(f"/cases/{case.id}")
    where = _draft(worker, rt, case, kind="inspection_referral", addressee="天河区人社局")
    page = text_of(worker.get(where))
    assert 'id="f-refer_to_inspection-violation_date"' in page  # a date picker on the issue form
    resp = worker.post(where + "/issue", {"version": _version(rt, case.id)})
    page = text_of(resp)
    assert resp.status_code == 422
    assert 'id="f-refer_to_inspection-violation_date-error"' in page
    with rt.reader() as uow:
        doc = uow.session.scalars(select(Document).where(Document.case_id == case.id)).one()
        assert doc.status == "draft" and doc.number is None
    resp = worker.post(
        where + "/issue",
        {"f_violation_date": "2026-01-05", "version": _version(rt, case.id)},
    )
    assert resp.status_code == 302, text_of(resp)[:2000]
    with rt.reader() as uow:
        assert uow.session.get(Case, case.id).state == "inspection_referred"


def test_a_kind_the_state_does_not_allow_is_refused_in_chinese(web, rt, demo):
    case = _supervision(rt, demo)
    sup = web(SUP)
    sup.get(f"/cases/{case.id}")
    resp = sup.post(
        f"/cases/{case.id}/documents/drafts",
        {"kind": "suggestion_letter", "addressee": "某局", "version": _version(rt, case.id)},
    )
    page = text_of(resp)
    assert resp.status_code == 409 and "不能发出工会劳动法律监督建议书" in page
    resp = sup.post(
        f"/cases/{case.id}/documents/drafts",
        {"kind": "tip_letter", "addressee": " ", "version": _version(rt, case.id)},
    )
    assert resp.status_code == 422 and 'id="doc-addressee-error"' in text_of(resp)
    stale = sup.post(
        f"/cases/{case.id}/documents/drafts",
        {"kind": "tip_letter", "addressee": "某公司", "version": _version(rt, case.id) - 1},
    )
    assert stale.status_code == 409 and STALE in text_of(stale)


def test_someone_outside_the_case_sees_no_document(web, rt, demo):
    case = _supervision(rt, demo)
    sup = web(SUP)
    sup.get(f"/cases/{case.id}")
    where = _draft(sup, rt, case)
    other = web("caseworker.nanhuaxi")
    assert other.client.get(where).status_code == 404
    assert other.client.get(where + ".pdf").status_code == 404
