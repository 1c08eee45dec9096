"""Documents as real documents: every kind renders as a PDF a person can read (Chinese glyphs, the
red 版头, fonts embedded) and as a DOCX Word opens, with the same texts; drafts are edited, then
issued and frozen with their hash in the history; templates are files an admin overrides."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from PIL import Image
from sqlalchemy import select, update

from casework.core.errors import (
    DocumentIssued,
    NotPermitted,
    TemplateBroken,
    TransitionNotAllowed,
)
from casework.core.time import local_date
from casework.documents.content import cn_date, compact
from casework.documents.queries import document_file
from casework.documents.service import create_draft, edit_draft, issue_document, issue_draft
from casework.history import verify_case
from casework.models import CaseEvent, Document
from tests.helpers import force_state, get_case, issue_sample_document, new_case, run_cli
from workflows.documents import DOCUMENT_KINDS

SUP = "supervisor.tianhe"
EMPLOYER = "广州市某建筑劳务有限公司"


def squash(text: str) -> str:
    """Text without any whitespace: PDF lines break anywhere in Chinese."""
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


def page_one(path: Path, tmp_path: Path) -> Image.Image:
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", str(path),
         str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    return Image.open(tmp_path / "page.png").convert("RGB")


def ink_and_red(img: Image.Image) -> tuple[float, int]:
    """Share of dark pixels, and how many are clearly red (the 版头)."""
    raw = img.tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    dark = sum(1 for r, g, b in pixels if r + g + b < 600)
    red = sum(1 for r, g, b in pixels if r > 180 and g < 90 and b < 90)
    return dark / len(pixels), red


def docx_texts(data: bytes) -> tuple[docx.document.Document, str]:
    d = docx.Document(io.BytesIO(data))
    return d, "\n".join(p.text for p in d.paragraphs)


def _download(rt, demo, doc: Document, fmt: str, who: str = SUP) -> tuple[str, str, bytes]:
    return document_file(
        rt.reader(), actor=demo.actor(who), case_id=doc.case_id, document_id=doc.id, fmt=fmt
    )


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_every_kind_renders_as_pdf_and_docx(rt, demo, kind, tmp_path):
    doc = issue_sample_document(rt, demo, kind)
    spec = DOCUMENT_KINDS[kind]
    assert doc.status == "issued" and doc.number and len(doc.content_hash) == 64
    if spec.reply_rule or spec.reply_days:
        assert doc.reply_due is not None, f"{kind} asks for a reply by a date"
    issuer = demo.unit("TH").name  # the 发文机关标志 and the 落款
    needles = [doc.number, doc.addressee, doc.citation, spec.label_zh, issuer]
    if doc.reply_due is not None:
        needles.append(f"请于{cn_date(doc.reply_due)}前")
    needles.append(cn_date(local_date(doc.issued_at)))  # 成文日期 in Arabic numerals

    name, media, pdf = _download(rt, demo, doc, "pdf")
    assert media == "application/pdf" and pdf.startswith(b"%PDF")
    assert name == f"{doc.number}.pdf"
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = squash(pdf_text(path))
    for needle in needles:
        assert squash(needle) in text, f"{kind}: {needle!r} not in the PDF text"
    assert "—1—" in text  # the page number
    fonts = pdf_fonts(path)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # emb column
    assert any("Noto-Serif-CJK-SC" in row[0] for row in fonts)
    ink, red = ink_and_red(page_one(path, tmp_path))
    assert ink > 0.01, f"{kind}: page 1 is nearly blank ({ink:.3%} ink)"
    assert red > 200, f"{kind}: no red 版头 ({red} red pixels)"

    name, media, data = _download(rt, demo, doc, "docx")
    assert name == f"{doc.number}.docx" and media.endswith("wordprocessingml.document")
    d, text = docx_texts(data)
    for needle in needles:
        assert squash(needle) in squash(text), f"{kind}: {needle!r} not in the DOCX"
    body = next(p for p in d.paragraphs if p.text.startswith(doc.addressee)).runs[0]
    assert body._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_the_docx_has_the_gbt_9704_page(rt, demo):
    doc = issue_sample_document(rt, demo, "opinion_letter")
    d, _ = docx_texts(_download(rt, demo, doc, "docx")[2])
    section = d.sections[0]
    mm = [round(v.mm) for v in (section.top_margin, section.bottom_margin)]
    mm += [round(v.mm) for v in (section.left_margin, section.right_margin)]
    assert mm == [37, 35, 28, 26]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars" and grid.get(qn("w:linePitch")) == "578"
    masthead, title = (
        d.paragraphs[0],
        next(p for p in d.paragraphs if p.text == "工会劳动法律监督意见书"),
    )
    assert str(masthead.runs[0].font.color.rgb) == "FF0000"
    fonts = title.runs[0]._r.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    body = [p for p in d.paragraphs if p.paragraph_format.first_line_indent]
    assert body and all(p.paragraph_format.line_spacing.pt == 28.9 for p in body)
    headings = [p for p in body if p.text.startswith("一、")]
    assert headings[0].runs[0]._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"


# -- drafts -----------------------------------------------------------------------------------


def _supervision_case(rt, demo):
    case = new_case(rt, demo, "supervision", summary="未与12名职工签订劳动合同")
    force_state(rt, case.id, "investigating")
    return case


def test_a_draft_is_edited_issued_and_then_frozen_with_its_hash_in_the_history(rt, demo, tmp_path):
    case = _supervision_case(rt, demo)
    sup = demo.actor(SUP)
    draft = create_draft(
        rt.uow(),
        case_id=case.id,
        actor=sup,
        kind="tip_letter",
        addressee="广州市某建筑劳务有限公司",
    )
    assert draft.status == "draft" and draft.number is None and draft.issued_at is None
    assert "未与12名职工签订劳动合同" in draft.body  # the case's facts, from the template
    assert compact(draft.citation) in draft.body  # printed without gaps

    # The draft downloads with a visible 草稿 mark and no number.
    name, _, pdf = _download(rt, demo, draft, "pdf")
    assert name.startswith("草稿-")
    path = tmp_path / "draft.pdf"
    path.write_bytes(pdf)
    text = squash(pdf_text(path))
    assert "（草稿，发出时编号）" in text and "天工提〔" not in text
    _, docx_text = docx_texts(_download(rt, demo, draft, "docx")[2])
    assert "草稿" in docx_text

    with rt.reader() as uow:
        version = get_case(uow.session, case.id).version
    edited = edit_draft(
        rt.uow(),
        case_id=case.id,
        document_id=draft.id,
        actor=sup,
        body="经查，你单位未与12名职工签订书面劳动合同。\n请于一个月内补签。",
        expected_version=version,
    )
    assert edited.body.splitlines() == [
        "经查，你单位未与12名职工签订书面劳动合同。",
        "请于一个月内补签。",
    ]

    issued = issue_draft(rt.uow(), case_id=case.id, document_id=draft.id, actor=sup)
    assert issued.status == "issued" and issued.number == "天工提〔2026〕1号".replace(
        "2026", str(local_date().year)
    )
    assert issued.body == edited.body  # issued as written
    with rt.reader() as uow:
        s = uow.session
        stored = get_case(s, case.id)
        assert stored.state == "tip_letter_issued"
        kinds = [
            e.kind
            for e in s.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
        ]
        event = s.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "document_issued"
            )
        ).one()
        assert verify_case(uow, stored) is None
    order = [kinds.index(k) for k in ("document_drafted", "document_draft_edited", "transition")]
    assert order == sorted(order) and kinds[-1] == "document_issued"
    assert event.data["content_hash"] == issued.content_hash
    assert event.data["document_id"] == draft.id

    # Issued: immutable, and cannot be issued twice.
    with pytest.raises(DocumentIssued) as err:
        edit_draft(rt.uow(), case_id=case.id, document_id=draft.id, actor=sup, body="改")
    assert "已发出，不能修改" in err.value.message_zh
    with pytest.raises(DocumentIssued):
        issue_draft(rt.uow(), case_id=case.id, document_id=draft.id, actor=sup)

    # The hash is of what the document says: recomputing it from the stored row agrees, and an
    # edit behind the application's back no longer does.
    pdf_after = _download(rt, demo, issued, "pdf")[2]
    path.write_bytes(pdf_after)
    assert squash("经查，你单位未与12名职工签订书面劳动合同。") in squash(pdf_text(path))


def test_a_caseworker_drafts_an_opinion_letter_and_the_chair_signs_it(rt, demo):
    case = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, case.id, "investigating")
    draft = create_draft(
        rt.uow(),
        case_id=case.id,
        actor=demo.actor("caseworker.shipai"),
        kind="opinion_letter",
        addressee=EMPLOYER,
    )
    served = {"served_on": local_date().isoformat(), "service_method": "direct"}
    with pytest.raises(NotPermitted):  # an 意见书 is signed by the chair or vice-chair
        issue_draft(
            rt.uow(),
            case_id=case.id,
            document_id=draft.id,
            actor=demo.actor("caseworker.shipai"),
            data=served,
        )
    doc = issue_draft(
        rt.uow(), case_id=case.id, document_id=draft.id, actor=demo.actor(SUP), data=served
    )
    assert doc.number.startswith("石牌街工〔") and doc.issuer_unit_id == demo.unit("TH-SP").id


def test_a_draft_of_a_decision_takes_its_step_with_the_data_given(rt, demo):
    case = new_case(rt, demo, "mediation")
    force_state(rt, case.id, "applied")
    sup = demo.actor(SUP)
    draft = create_draft(
        rt.uow(),
        case_id=case.id,
        actor=sup,
        kind="mediation_refusal",
        addressee="申请人陈某",
        data={"reason": "双方当事人未同意调解"},
    )
    assert "理由是：双方当事人未同意调解" in draft.body
    doc = issue_draft(rt.uow(), case_id=case.id, document_id=draft.id, actor=sup)
    with rt.reader() as uow:
        assert get_case(uow.session, case.id).state == "refused"
    assert doc.number.startswith("天工不〔")


def test_the_mediation_termination_notice_goes_out_after_the_period_expired(rt, demo):
    """The engine fails a case whose 15 days ran out (expire); the notice still goes, firing
    nothing."""
    case = new_case(rt, demo, "mediation")
    force_state(rt, case.id, "failed")
    doc = issue_document(
        rt.uow(), case_id=case.id, actor=demo.actor(SUP), kind="mediation_termination",
        addressee="申请人陈某",
    )  # fmt: skip
    assert doc.number.startswith("天工调〔")
    with rt.reader() as uow:
        assert get_case(uow.session, case.id).state == "failed"


def test_the_oversight_letter_comes_from_above_and_only_for_an_overdue_case(rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor=SUP)
    sup = demo.actor(SUP)
    # Nothing has run out yet.
    with pytest.raises(TransitionNotAllowed) as err:
        issue_document(
            rt.uow(),
            case_id=case.id,
            actor=sup,
            kind="oversight_letter",
            addressee="石牌街道总工会",
        )
    assert "没有逾期" in err.value.message_zh
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    # The unit holding the case cannot chase itself.
    with pytest.raises(NotPermitted) as err:
        issue_document(
            rt.uow(), case_id=case.id, actor=demo.actor("caseworker.shipai"),
            kind="oversight_letter", addressee="石牌街道总工会", now=later,
        )  # fmt: skip
    assert err.value.code == "not_permitted"
    doc = issue_document(
        rt.uow(), case_id=case.id, actor=sup, kind="oversight_letter", addressee="石牌街道总工会",
        now=later,
    )  # fmt: skip
    assert doc.issuer_unit_id == demo.unit("TH").id  # numbered in the district's sequence
    assert doc.number.startswith("天工督〔")
    assert "已于" in doc.body and "到期" in doc.body and case.ref in doc.body
    # Reply within 5 working days, with the counting rule printed.
    assert doc.reply_due is not None


# -- templates ----------------------------------------------------------------------------------


def _with_templates(rt, directory: Path):
    return dataclasses.replace(
        rt, settings=rt.settings.with_overrides(document_templates=directory)
    )


def test_an_admin_overrides_a_template_per_unit_and_a_broken_one_is_named(rt, demo, tmp_path):
    (tmp_path / "TH").mkdir()
    (tmp_path / "tip_letter.txt").write_text("全市通用：{{ employer_name }}请自查。\n", "utf-8")
    (tmp_path / "TH" / "tip_letter.txt").write_text(
        "天河专用：{{ employer_name }}，{{ case.worker_count }}名职工。\n依据{{ citation }}。",
        "utf-8",
    )
    custom = _with_templates(rt, tmp_path)
    case = _supervision_case(rt, demo)
    doc = issue_document(
        custom.uow(), case_id=case.id, actor=demo.actor(SUP), kind="tip_letter",
        addressee="广州市某建筑劳务有限公司",
    )  # fmt: skip
    assert doc.body.startswith("天河专用：广州市某建筑劳务有限公司，12名职工。")

    hz = new_case(rt, demo, "supervision", unit="HZ", actor="supervisor.guangzhou")
    force_state(rt, hz.id, "investigating")
    other = issue_document(
        custom.uow(), case_id=hz.id, actor=demo.actor("supervisor.guangzhou"), kind="tip_letter",
        addressee="广州市某建筑劳务有限公司",
    )  # fmt: skip
    assert other.body == "全市通用：广州市某建筑劳务有限公司请自查。"

    (tmp_path / "TH" / "tip_letter.txt").write_text("{{ case.nonexistent }}\n{% if %}", "utf-8")
    again = _supervision_case(rt, demo)
    with pytest.raises(TemplateBroken) as err:
        issue_document(
            custom.uow(), case_id=again.id, actor=demo.actor(SUP), kind="tip_letter",
            addressee="广州市某建筑劳务有限公司",
        )  # fmt: skip
    assert "TH/tip_letter.txt" in err.value.message_zh and "第2行" in err.value.message_zh
    with rt.reader() as uow:  # nothing was numbered or written
        assert get_case(uow.session, again.id).state == "investigating"
    (tmp_path / "TH" / "tip_letter.txt").write_text("{{ ''.__class__ }}", "utf-8")
    with pytest.raises(TemplateBroken) as err:
        issue_document(
            custom.uow(), case_id=again.id, actor=demo.actor(SUP), kind="tip_letter",
            addressee="广州市某建筑劳务有限公司",
        )  # fmt: skip
    assert "SecurityError" in err.value.message_en


def test_audit_verify_finds_an_issued_document_edited_behind_its_back(rt, demo, db_url):
    doc = issue_sample_document(rt, demo, "tip_letter")
    out = run_cli(db_url, "audit", "verify")
    assert out.returncode == 0 and "1 issued documents intact" in out.stdout, out.stderr
    with rt.engine.begin() as conn:  # someone with database access rewrites the body
        conn.execute(
            update(Document.__table__)
            .where(Document.__table__.c.id == doc.id)
            .values(body="你单位无任何违法行为。")
        )
    out = run_cli(db_url, "audit", "verify")
    assert out.returncode == 1
    assert "ALTERED" in out.stdout and doc.number in out.stdout
    assert "changed after it was issued" in out.stdout


def test_rendering_fetches_nothing_even_when_a_layout_asks(rt, demo, tmp_path, caplog):
    """An override page that names outside resources still renders; every fetch is refused."""
    layout = (Path(__file__).parents[2] / "casework/documents/templates/_layout.html").read_text(
        "utf-8"
    )
    layout = layout.replace(
        "</head>",
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head>',
    ).replace("<body>", '<body><img src="file:///etc/hostname" alt="">')
    (tmp_path / "_layout.html").write_text(layout, "utf-8")
    custom = _with_templates(rt, tmp_path)
    case = _supervision_case(rt, demo)
    doc = issue_document(
        custom.uow(), case_id=case.id, actor=demo.actor(SUP), kind="tip_letter",
        addressee=EMPLOYER,
    )  # fmt: skip
    caplog.set_level("WARNING", logger="weasyprint")
    _, _, pdf = document_file(
        custom.reader(), actor=demo.actor(SUP), case_id=case.id, document_id=doc.id, fmt="pdf"
    )
    assert pdf.startswith(b"%PDF")
    refused = [r.getMessage() for r in caplog.records if "rendered offline" in r.getMessage()]
    assert len(refused) >= 2, [r.getMessage() for r in caplog.records]
