"""Area-wide 提示函: one letter from a union body to many employers of its area, numbered in the
unit's 提示函 sequence (shared with the 提示函 issued on cases), each recipient's reply tracked,
overdue after the reply date, every act in the employers' own hash-chained histories; rendered as
a GB/T 9704 document whose 主送 is 各有关用人单位 with the names as its 附件."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select, update

from casework.clocks.calendar import load_calendar
from casework.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from casework.core.time import local_date
from casework.documents.content import cn_date
from casework.documents.queries import document_file
from casework.documents.tip_letter_queries import (
    tip_letter,
    tip_letter_file,
    tip_letters,
    tip_letters_csv,
    tip_letters_for_export,
    verify_tip_letters,
)
from casework.documents.tip_letters import issue_tip_letter, record_reply, tell_unanswered
from casework.history import verify_employers
from casework.models import (
    Employer,
    EmployerEvent,
    EmployerWarning,
    Notification,
    OrgUnit,
    TipLetter,
    TipLetterRecipient,
)
from casework.people.service import report_employer_event
from tests.helpers import issue_sample_document, run_cli, statements

SUP = "supervisor.tianhe"
# Mon 2 Nov 2026, 10:00 in Shanghai: 15 working days later is Mon 23 Nov 2026.
ISSUED = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
MATTER = "部分企业未按月足额支付农民工工资，未落实农民工工资专用账户制度"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def add_employers(rt, demo, unit: str, *names: str, has_union: bool = False) -> list[int]:
    with rt.uow() as uow:
        rows = [
            Employer(name=n, org_unit_id=demo.unit(unit).id, has_union=has_union) for n in names
        ]
        uow.session.add_all(rows)
        uow.session.flush()
        ids = [e.id for e in rows]
        uow.commit()
    return ids


def issue(rt, demo, who: str = SUP, **kw):
    kw.setdefault("scope", "天河区建筑施工企业")
    kw.setdefault("matter", MATTER)
    return issue_tip_letter(rt.uow(), actor=demo.actor(who), **kw)


def events(rt, employer_id: int) -> list[str]:
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(EmployerEvent.kind)
                .where(EmployerEvent.employer_id == employer_id)
                .order_by(EmployerEvent.seq)
            )
        )


def test_one_letter_to_three_employers_takes_the_next_tip_letter_number(rt, demo):
    year = local_date().year
    # A 提示函 on a case first: 天河 marks kinds, so it is 天工提〔year〕1号.
    first = issue_sample_document(rt, demo, "tip_letter")
    assert first.number == f"天工提〔{year}〕1号"
    [extra] = add_employers(rt, demo, "TH-SP", "广州市某物流有限公司")
    ids = [demo.employer("建筑").id, demo.employer("科技").id, extra]

    letter = issue(rt, demo, employer_ids=ids)

    assert letter.number == f"天工提〔{year}〕2号"
    assert letter.recipient_count == 3 and letter.issuer_name == "天河区总工会"
    # Three recipients are named in the 主送 (more would be 各有关用人单位).
    assert letter.addressee == "、".join(
        ["广州市某建筑劳务有限公司", "广州市某物流有限公司", "广州市某科技有限公司"]
    )
    today = local_date()
    with rt.reader() as uow:
        assert letter.reply_due == load_calendar(uow.session).due(today, 15, "working").due
    assert letter.reply_period == "15个工作日"
    assert MATTER in letter.body and "工会法" in letter.body  # the matter and the basis
    # The next 提示函 on a case continues the same sequence.
    assert issue_sample_document(rt, demo, "tip_letter").number == f"天工提〔{year}〕3号"
    # Each recipient's own history records it, and every chain verifies.
    for employer_id in ids:
        assert events(rt, employer_id) == ["tip_letter_issued"]
    with rt.reader() as uow:
        checked, problems = verify_employers(uow)
    assert checked >= 3 and problems == []
    assert verify_tip_letters(rt.reader()) == (1, [])


def test_a_unit_numbering_all_kinds_together_shares_its_one_sequence(rt, demo):
    """石牌 does not mark kinds: the area letter takes the next number of its one sequence."""
    year = local_date().year
    letter = issue(rt, demo, "caseworker.shipai", employer_ids=[demo.employer("建筑").id])
    again = issue(rt, demo, "caseworker.shipai", employer_ids=[demo.employer("建筑").id])
    assert (letter.number, again.number) == (f"石牌街工〔{year}〕1号", f"石牌街工〔{year}〕2号")
    assert letter.addressee == "广州市某建筑劳务有限公司"
    assert "请你单位" in letter.body  # one recipient is addressed as 你单位


def test_the_area_selector_deduplicates_and_filters_by_union(rt, demo):
    no_union = add_employers(rt, demo, "TH-SP", "甲公司", "乙公司", "丙公司")
    add_employers(rt, demo, "TH-SP", "丁公司", has_union=True)
    sp = demo.unit("TH-SP").id
    builder = demo.employer("建筑").id  # TH-SP, no union: also selected by the area

    letter = issue(
        rt,
        demo,
        employer_ids=[builder, builder, no_union[0]],
        org_unit_id=sp,
        has_union=False,
    )

    with rt.reader() as uow:
        names = list(
            uow.session.scalars(
                select(TipLetterRecipient.employer_name)
                .where(TipLetterRecipient.letter_id == letter.id)
                .order_by(TipLetterRecipient.id)
            )
        )
    # Each employer once, sorted by name; 丁公司 has a union, 科技 (below 石牌) has one too.
    assert sorted(names) == sorted(["甲公司", "乙公司", "丙公司", "广州市某建筑劳务有限公司"])
    assert len(names) == len(set(names)) == letter.recipient_count == 4
    assert letter.addressee == "各有关用人单位"
    # The whole subtree: 科技 sits at TH-SP-ACME, below 石牌.
    everyone = issue(rt, demo, org_unit_id=sp)
    assert everyone.recipient_count == 6


def _dismissal_warning(rt, demo, employer_id: int) -> int:
    """An open 橙 warning about the employer (a union officer dismissed), held by the unit
    competent for it (石牌 for an employer there)."""
    report_employer_event(
        rt.uow(),
        actor=demo.actor("caseworker.shipai"),
        employer_id=employer_id,
        kind="union_officer_dismissed",
        occurred_on=local_date(ISSUED) - dt.timedelta(days=1),
        note="工会主席",
        now=ISSUED - dt.timedelta(hours=1),
    )
    with rt.reader() as uow:
        return uow.session.scalars(
            select(EmployerWarning.id).where(EmployerWarning.employer_id == employer_id)
        ).one()


def test_an_area_letter_disposes_of_the_open_warnings_its_issuer_could_dispose_of(rt, demo):
    """The area-wide 提示函 is the disposition a warning asks for: each recipient's open warning
    held in the issuer's part of the tree is disposed of by it, recorded like a case letter's
    (the number in the note, a warning_disposed event in the employer's chain). A warning held
    above the issuer (escalated to the city) stays open for the city."""
    a, b, c = add_employers(
        rt, demo, "TH-SP", "广州市甲建筑有限公司", "广州市乙建筑有限公司", "广州市丙物流有限公司"
    )
    mine, above = _dismissal_warning(rt, demo, a), _dismissal_warning(rt, demo, b)
    with rt.uow() as uow:  # escalated twice: 石牌 → 天河 → 广州
        uow.session.execute(
            update(EmployerWarning)
            .where(EmployerWarning.id == above)
            .values(org_unit_id=demo.unit("GZ").id)
        )
        uow.commit()
    letter = issue(rt, demo, employer_ids=[a, b, c], now=ISSUED)
    with rt.reader() as uow:
        done = uow.session.get(EmployerWarning, mine)
        kept = uow.session.get(EmployerWarning, above)
        assert (done.status, done.disposition) == ("disposed", "tip_letter")
        assert letter.number in done.disposition_note
        assert done.disposed_by == SUP
        assert kept.status == "open"
    assert events(rt, a)[-2:] == ["tip_letter_issued", "warning_disposed"]
    assert events(rt, b)[-1] == "tip_letter_issued"
    assert events(rt, c) == ["tip_letter_issued"]
    with rt.reader() as uow:
        checked, problems = verify_employers(uow)
        assert checked >= 3 and problems == []


def test_disposing_by_an_area_letter_costs_no_statement_per_recipient(rt, demo):
    few = add_employers(rt, demo, "TH-SP", *(f"广州市少{i}建筑有限公司" for i in range(2)))
    many = add_employers(rt, demo, "TH-SP", *(f"广州市多{i}建筑有限公司" for i in range(6)))
    for e in few + many:
        _dismissal_warning(rt, demo, e)
    [warm] = add_employers(rt, demo, "TH-SP", "广州市某预热有限公司")
    issue(rt, demo, employer_ids=[warm], now=ISSUED)  # the calendar and the number sequence
    counts, on_warnings = [], []
    for ids in (few, many):
        with statements(rt.engine) as stmts:
            issue(rt, demo, employer_ids=ids, now=ISSUED)
        counts.append(len(stmts))
        on_warnings.append([x.split()[0] for x in stmts if "employer_warnings" in x])
    # The warnings are read and disposed of in one statement each, however many recipients.
    assert on_warnings[0] == on_warnings[1] == ["SELECT", "UPDATE"], on_warnings
    if rt.engine.dialect.name == "postgresql":
        # The whole letter too (SQLite sends a multi-row INSERT … RETURNING row by row).
        assert counts[0] == counts[1], counts
    with rt.reader() as uow:
        left = uow.session.scalar(
            select(func.count(EmployerWarning.id)).where(EmployerWarning.status == "open")
        )
    assert left == 0


def test_replies_are_tracked_and_the_rest_fall_overdue(rt, demo):
    ids = [demo.employer("建筑").id, demo.employer("科技").id]
    letter = issue(rt, demo, employer_ids=ids, now=ISSUED)
    assert letter.reply_due == dt.date(2026, 11, 23)

    view = tip_letter(rt.reader(), actor=demo.actor(SUP), letter_id=letter.id, today=ISSUED.date())
    assert view["counts"] == {"recipients": 2, "answered": 0, "awaiting": 2, "overdue": 0}

    rec = record_reply(
        rt.uow(),
        actor=demo.actor(SUP),
        letter_id=letter.id,
        employer_id=ids[0],
        replied_on=dt.date(2026, 11, 20),
        summary="已补发9月工资并开设农民工工资专用账户",
        now=ISSUED + dt.timedelta(days=20),
    )
    assert rec.reply_status == "answered" and rec.recorded_by == SUP
    assert events(rt, ids[0]) == ["tip_letter_issued", "tip_letter_replied"]

    # On the reply date the other is still awaited; the day after it is overdue.
    on_due = tip_letter(
        rt.reader(), actor=demo.actor(SUP), letter_id=letter.id, today=dt.date(2026, 11, 23)
    )
    assert on_due["counts"] == {"recipients": 2, "answered": 1, "awaiting": 1, "overdue": 0}
    after = tip_letter(
        rt.reader(), actor=demo.actor(SUP), letter_id=letter.id, today=dt.date(2026, 11, 24)
    )
    assert after["counts"] == {"recipients": 2, "answered": 1, "awaiting": 0, "overdue": 1}
    by_id = {r["employer_id"]: r for r in after["recipients"]}
    assert by_id[ids[0]]["reply_status"] == "answered" and by_id[ids[0]]["on_time"] is True
    assert by_id[ids[1]]["reply_status"] == "overdue"
    assert by_id[ids[1]]["reply_status_label_zh"] == "逾期未答复"
    listed = tip_letters(rt.reader(), actor=demo.actor(SUP), today=dt.date(2026, 11, 24))
    assert listed.total == 1 and listed.items[0]["overdue"] is True

    # A second reply for the same employer, a non-recipient, a reply from the future: refused.
    later = ISSUED + dt.timedelta(days=25)
    with pytest.raises(Conflict):
        record_reply(
            rt.uow(), actor=demo.actor(SUP), letter_id=letter.id, employer_id=ids[0],
            replied_on=dt.date(2026, 11, 25), summary="再次答复", now=later,
        )  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        record_reply(
            rt.uow(), actor=demo.actor(SUP), letter_id=letter.id,
            employer_id=demo.employer("餐饮").id, replied_on=dt.date(2026, 11, 25),
            summary="答复", now=later,
        )  # fmt: skip
    assert err.value.field == "employer_id" and "主送名单" in err.value.message_zh
    with pytest.raises(InvalidInput) as err:
        record_reply(
            rt.uow(), actor=demo.actor(SUP), letter_id=letter.id, employer_id=ids[1],
            replied_on=dt.date(2026, 12, 30), summary="答复", now=later,
        )  # fmt: skip
    assert err.value.field == "replied_on"
    # A late reply is recorded and marked late.
    record_reply(
        rt.uow(), actor=demo.actor("supervisor.guangzhou"), letter_id=letter.id,
        employer_id=ids[1], replied_on=dt.date(2026, 11, 26), summary="已整改", now=later,
    )  # fmt: skip
    done = tip_letter(
        rt.reader(), actor=demo.actor(SUP), letter_id=letter.id, today=dt.date(2026, 12, 1)
    )
    assert done["counts"]["answered"] == 2 and done["overdue"] is False
    assert {r["employer_id"]: r["on_time"] for r in done["recipients"]}[ids[1]] is False


def test_the_issuer_is_told_once_when_the_reply_date_passes_unanswered(rt, demo, db_url):
    """An overdue recipient is the union's to follow up: the day after the reply date, the
    sweep tells the issuing unit's supervisors once which letter has recipients that did not
    answer and how many. A letter answered by everyone in time tells no one."""
    ids = add_employers(rt, demo, "TH-SP", "广州市甲公司", "广州市乙公司")
    letter = issue(rt, demo, employer_ids=ids, now=ISSUED)
    answered = issue(rt, demo, employer_ids=ids[:1], now=ISSUED)
    for which in (letter, answered):
        record_reply(
            rt.uow(),
            actor=demo.actor(SUP),
            letter_id=which.id,
            employer_id=ids[0],
            replied_on=dt.date(2026, 11, 20),
            summary="已补发工资",
            now=ISSUED + dt.timedelta(days=18),
        )
    on_due = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # the reply date: still awaited
    assert tell_unanswered(rt, now=on_due).told == 0
    after = on_due + dt.timedelta(days=1)
    report = tell_unanswered(rt, now=after)
    assert (report.checked, report.told) == (2, 1)
    with rt.reader() as uow:
        notes = uow.session.scalars(
            select(Notification).where(Notification.kind == "tip_letter_overdue")
        ).all()
        supervisors = {n.user_id for n in notes}
        assert supervisors == {demo.actor("supervisor.tianhe").user_id}
        [note] = notes
        assert letter.number in note.title
        assert "1 家用人单位未答复（共 2 家）" in note.body
        assert note.data["tip_letter_id"] == letter.id
    assert tell_unanswered(rt, now=after + dt.timedelta(days=1)).checked == 0  # once a letter
    out = run_cli(db_url, "sweep", "--json", "--now", "2026-11-25T10:00:00+08:00")
    assert json.loads(out.stdout)["tip_letters"] == {"checked": 0, "told": 0, "notifications": 0}


def test_scope_refusals(rt, demo):
    th_letter = issue(rt, demo, employer_ids=[demo.employer("建筑").id])
    # An employer outside the issuing unit (海珠's restaurant for 天河): not found, nothing kept.
    with pytest.raises(NotFound) as err:
        issue(rt, demo, employer_ids=[demo.employer("建筑").id, demo.employer("餐饮").id])
    assert "不在天河区总工会辖区内" in err.value.message_zh
    with pytest.raises(NotFound):  # an area outside the caller's subtree
        issue(rt, demo, org_unit_id=demo.unit("HZ-NHX").id)
    with pytest.raises(NotFound):  # a caseworker below sees nothing of the district's letters
        tip_letter(rt.reader(), actor=demo.actor("caseworker.shipai"), letter_id=th_letter.id)
    with pytest.raises(NotFound):
        record_reply(
            rt.uow(), actor=demo.actor("caseworker.nanhuaxi"), letter_id=th_letter.id,
            employer_id=demo.employer("建筑").id, replied_on=local_date(), summary="答复",
        )  # fmt: skip
    # Operators, auditors and admins do not issue; an auditor above reads but does not record.
    for who in ("hotline", "auditor", "admin"):
        with pytest.raises(NotPermitted):
            issue(rt, demo, who, employer_ids=[demo.employer("建筑").id])
    assert tip_letter(rt.reader(), actor=demo.actor("auditor"), letter_id=th_letter.id)["id"]
    with pytest.raises(NotPermitted):
        record_reply(
            rt.uow(), actor=demo.actor("auditor"), letter_id=th_letter.id,
            employer_id=demo.employer("建筑").id, replied_on=local_date(), summary="答复",
        )  # fmt: skip
    # The refused issues took no number and wrote nothing.
    with rt.reader() as uow:
        assert uow.session.scalar(select(func.count(TipLetter.id))) == 1
    again = issue(rt, demo, employer_ids=[demo.employer("建筑").id])
    assert again.number.endswith(f"〔{local_date().year}〕2号")
    assert events(rt, demo.employer("建筑").id) == ["tip_letter_issued"] * 2
    # The letters of 天河 are listed for the city, not for 海珠 or 石牌.
    assert tip_letters(rt.reader(), actor=demo.actor("supervisor.guangzhou")).total == 2
    assert tip_letters(rt.reader(), actor=demo.actor("caseworker.nanhuaxi")).total == 0


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"scope": "  "}, "scope"),
        ({"matter": None}, "matter"),
        ({"employer_ids": []}, "employer_ids"),
        ({"employer_ids": [0]}, "employer_ids"),
        ({"employer_ids": ["1"]}, "employer_ids"),
        ({"reply_due": dt.date(2020, 1, 1)}, "reply_due"),
        ({"scope": "区" * 201}, "scope"),
        ({"has_union": "no", "org_unit_id": 1}, "has_union"),
    ],
)
def test_bad_input_is_refused_in_chinese(rt, demo, kw, field):
    kw.setdefault("employer_ids", [demo.employer("建筑").id])
    with pytest.raises(InvalidInput) as err:
        issue(rt, demo, **kw)
    assert err.value.field == field and re.search(r"[\u4e00-\u9fff]", err.value.message_zh)


def test_an_empty_area_is_refused(rt, demo):
    with rt.uow() as uow:
        uow.session.add(OrgUnit(code="TH-EMPTY", name="空街道", level="township", path="", depth=3))
        uow.session.flush()
        unit = uow.session.scalars(select(OrgUnit).where(OrgUnit.code == "TH-EMPTY")).one()
        unit.parent_id = demo.unit("TH").id
        unit.path = f"{demo.unit('TH').path}{unit.id}/"
        uow.commit()
        empty_id = unit.id
    with pytest.raises(InvalidInput) as err:
        issue(rt, demo, org_unit_id=empty_id)
    assert err.value.field == "org_unit_id" and "没有用人单位" in err.value.message_zh


# -- the document ----------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def page_ink(path: Path, tmp_path: Path, page: int = 1) -> tuple[float, int]:
    from PIL import Image  # noqa: PLC0415 - only the rendering tests need Pillow

    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), "-singlefile",
         str(path), str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    img = Image.open(tmp_path / "page.png").convert("RGB")
    raw = img.tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    dark = sum(1 for r, g, b in pixels if r + g + b < 600)
    red = sum(1 for r, g, b in pixels if r > 180 and g < 90 and b < 90)
    return dark / len(pixels), red


def test_the_letter_renders_with_its_recipient_list(rt, demo, tmp_path):
    names = [f"广州市某建筑工程第{n}有限公司" for n in "一二三四五"]
    ids = add_employers(rt, demo, "TH-SP", *names)
    letter = issue(rt, demo, employer_ids=ids)
    due = f"请于{cn_date(letter.reply_due)}前（15个工作日内）完成整改并书面答复"

    name, media, pdf = tip_letter_file(
        rt.reader(), actor=demo.actor(SUP), letter_id=letter.id, fmt="pdf"
    )
    assert media == "application/pdf" and name == f"{letter.number}.pdf"
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = squash(pdf_text(path))
    for needle in (
        "天河区总工会",
        letter.number,
        "工会劳动法律监督提示函",
        "各有关用人单位：",
        due,
        "附件：主送单位名单",
        "工会法",
        cn_date(local_date(letter.issued_at)),
        *names,
    ):
        assert squash(needle) in text, f"{needle!r} not in the PDF"
    first_page = squash(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", str(path), "-"],
            check=True, capture_output=True, text=True,
        ).stdout
    )  # fmt: skip
    # Page 1 carries the 版头, the number and the 主送; the closing (reply sentence, 附件说明,
    # 落款) stays together, so it may begin page 2, and the 附件 has a page of its own.
    assert letter.number in first_page and "各有关用人单位：" in first_page
    assert squash(names[0]) not in first_page
    ink, red = page_ink(path, tmp_path)
    assert ink > 0.01 and red > 200, (ink, red)

    _, media, data = tip_letter_file(
        rt.reader(), actor=demo.actor(SUP), letter_id=letter.id, fmt="docx"
    )
    d = docx.Document(io.BytesIO(data))
    texts = [p.text for p in d.paragraphs]
    assert "各有关用人单位：" in texts and "附件：主送单位名单" in texts
    label = next(p for p in d.paragraphs if p.text == "附件")
    assert label.paragraph_format.page_break_before is True
    rows = [t for t in texts if re.match(r"^\d+\. ", t)]
    assert rows == [f"{i}. {n}" for i, n in enumerate(sorted(names), 1)]


def test_a_renamed_unit_still_prints_the_name_it_issued_under(rt, demo, tmp_path):
    letter = issue(rt, demo, employer_ids=[demo.employer("建筑").id])
    doc = issue_sample_document(rt, demo, "opinion_letter")
    with rt.engine.begin() as conn:
        conn.execute(
            update(OrgUnit.__table__)
            .where(OrgUnit.__table__.c.code == "TH")
            .values(name="天河区总工会（新）")
        )
    _, _, pdf = tip_letter_file(rt.reader(), actor=demo.actor(SUP), letter_id=letter.id, fmt="pdf")
    (tmp_path / "a.pdf").write_bytes(pdf)
    _, _, pdf = document_file(
        rt.reader(), actor=demo.actor(SUP), case_id=doc.case_id, document_id=doc.id, fmt="pdf"
    )
    (tmp_path / "b.pdf").write_bytes(pdf)
    for f in ("a.pdf", "b.pdf"):
        text = squash(pdf_text(tmp_path / f))
        assert "天河区总工会" in text and "（新）" not in text, f
    # Renaming is not an edit: the hashes still verify.
    assert verify_tip_letters(rt.reader()) == (1, [])


def test_an_edited_letter_fails_the_audit(rt, demo, db_url):
    letter = issue(rt, demo, employer_ids=[demo.employer("建筑").id, demo.employer("科技").id])
    with rt.engine.begin() as conn:
        conn.execute(
            update(TipLetterRecipient.__table__)
            .where(TipLetterRecipient.__table__.c.letter_id == letter.id)
            .values(employer_name="改过的名称")
        )
    checked, problems = verify_tip_letters(rt.reader())
    assert checked == 1 and problems == [f"tip letter {letter.number}: changed after it was issued"]
    r = run_cli(db_url, "audit", "verify")
    assert r.returncode == 1 and f"ALTERED tip letter {letter.number}" in r.stdout


def test_the_cli_renders_a_letter(rt, demo, tmp_path, db_url):
    letter = issue(rt, demo, employer_ids=[demo.employer("建筑").id])
    out = tmp_path / "letter.docx"
    r = run_cli(db_url, "tip-letter", "render", str(letter.id), "--format", "docx", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert letter.number in r.stdout and out.read_bytes().startswith(b"PK")
    r = run_cli(db_url, "tip-letter", "render", "999", "--format", "pdf", "-o", str(out))
    assert r.returncode != 0 and "提示函不存在" in r.stderr


def test_the_csv_has_chinese_headers_and_counts(rt, demo):
    issue(rt, demo, employer_ids=[demo.employer("建筑").id, demo.employer("科技").id])
    items = tip_letters_for_export(rt.reader(), actor=demo.actor(SUP))
    text = tip_letters_csv(items)
    head, row = text.splitlines()[:2]
    assert head.startswith("发文字号,发文单位,标题") and "逾期未答复" in head
    assert row.endswith(",2,0,2,0")
