"""Numbered documents: "一函两书" and the other documents the processes issue."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

import workflows
from casework.core.errors import (
    GuardRefused,
    InvalidInput,
    LevelTooLow,
    NotFound,
    NotPermitted,
    TransitionNotAllowed,
    VersionConflict,
)
from casework.documents.queries import document_kinds, documents
from casework.documents.service import format_number, issue_document
from casework.escalation.service import request_escalation
from casework.history import verify_case
from casework.models import CaseEvent, Deadline, Document, DocumentCounter
from casework.people.service import update_org_unit
from tests.helpers import force_state, get_case, new_case
from workflows.base import LEVELS, level_rank
from workflows.documents import DOCUMENT_KINDS, kinds_for

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=SH)  # a Monday
EMPLOYER = "广州市某建筑劳务有限公司"


def _supervision(rt, demo, state, *, unit="TH", actor="supervisor.tianhe"):
    case = new_case(rt, demo, "supervision", unit=unit, actor=actor)
    force_state(rt, case.id, state)
    return case


def _issue(rt, demo, case, kind, *, actor="supervisor.tianhe", **kw):
    if kind == "opinion_letter":  # served by hand the day it is issued
        kw.setdefault("data", {"served_on": NOW.date().isoformat(), "service_method": "direct"})
    kw.setdefault("addressee", EMPLOYER)
    kw.setdefault("now", NOW)
    return issue_document(rt.uow(), case_id=case.id, actor=demo.actor(actor), kind=kind, **kw)


def _snapshot(rt, case_id):
    """Everything an issue writes: the case row, its history, documents and counters."""
    with rt.reader() as uow:
        s = uow.session
        case = get_case(s, case_id)
        return (
            case.state,
            case.version,
            case.event_seq,
            s.scalar(
                select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
            ),
            s.scalar(select(func.count()).select_from(Document)),
            s.scalar(select(func.count()).select_from(Deadline).where(Deadline.case_id == case_id)),
            sorted(
                s.execute(
                    select(
                        DocumentCounter.issuer_unit_id, DocumentCounter.year, DocumentCounter.last
                    )
                ).all()
            ),
        )


def _events(rt, case_id, kind):
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
                .order_by(CaseEvent.seq)
            )
        )


# -- the catalogue -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS.values()), ids=lambda k: k.name)
def test_every_kind_fits_its_workflows(kind):
    for name in kind.workflows:
        wf = workflows.get(name)
        if kind.trigger is not None:
            assert wf.has_trigger(kind.trigger), f"{kind.name}: {name} has no {kind.trigger}"
            dests = {t.dest for t in wf.transitions if t.trigger == kind.trigger}
            for t in wf.transitions:
                if t.trigger == kind.trigger and t.min_level:
                    # The document's own (clearer) level check must cover the transition's.
                    assert kind.min_level is not None
                    assert level_rank(kind.min_level) >= level_rank(t.min_level)
        if kind.reply_rule is not None:
            rule = wf.rule(kind.reply_rule)
            # The reply clock is running once the document's trigger has fired.
            assert kind.trigger is not None and rule.state in dests
            if rule.kind == "statutory":  # the law the reply period comes from is cited
                assert rule.citation.split("（")[0] in kind.citation
    assert kind.min_level is None or kind.min_level in LEVELS
    assert kind.citation and len(kind.citation) <= 255
    assert len(format_number("X" * 64, 2026, kind.abbr_zh, 12345)) <= 64


def test_one_letter_two_books_cite_what_the_supervision_workflow_cites():
    sup = workflows.get("supervision")
    for name in ("tip_letter", "opinion_letter", "suggestion_letter"):
        kind = DOCUMENT_KINDS[name]
        for part in sup.citation.split("；"):  # 工会法 第二十三条；工会劳动法律监督办法（…）
            assert part in kind.citation
        assert "浙江" not in kind.citation  # the national text; a province's comes by profile
    assert DOCUMENT_KINDS["opinion_letter"].reply_rule == "opinion_letter_reply"
    assert DOCUMENT_KINDS["suggestion_letter"].min_level == "county"
    assert DOCUMENT_KINDS["mediation_agreement"].citation == "劳动争议调解仲裁法 第十四条"
    assert [k.abbr_zh for k in kinds_for("supervision")][:3] == ["提", "意", "建"]
    listed = document_kinds("mediation")
    assert [k["name"] for k in listed] == [
        "mediation_refusal",
        "mediation_agreement",
        "mediation_termination",
        "oversight_letter",
    ]
    assert set(listed[0]) == {
        "name",
        "label_zh",
        "label_en",
        "abbr_zh",
        "citation",
        "min_level",
        "workflows",
        "trigger",
        "reply_rule",
    }
    assert len(document_kinds()) == len(DOCUMENT_KINDS)


# -- numbers -----------------------------------------------------------------------------------


def test_numbers_follow_gbt_9704_per_unit_kind_and_year(rt, demo):
    """机关代字 + 〔年份〕 + 序号 + 号, no "第", no padding, never a Latin code. 天河 (天工) marks
    the kind and counts each kind on its own; 海珠 (海工) does not, and counts all its documents in
    one yearly sequence."""
    th1 = _supervision(rt, demo, "investigating")
    th2 = _supervision(rt, demo, "investigating")
    hz1 = _supervision(rt, demo, "investigating", unit="HZ", actor="supervisor.guangzhou")
    th_next_year = _supervision(rt, demo, "investigating")

    d1 = _issue(rt, demo, th1, "tip_letter")
    d2 = _issue(rt, demo, th2, "tip_letter")
    d3 = _issue(rt, demo, hz1, "tip_letter", actor="supervisor.guangzhou")
    d4 = _issue(rt, demo, th1, "opinion_letter")  # a marked kind has its own sequence
    d7 = _issue(rt, demo, hz1, "opinion_letter", actor="supervisor.guangzhou")  # one sequence
    d5 = _issue(rt, demo, th_next_year, "opinion_letter", now=dt.datetime(2027, 1, 4, 9, tzinfo=SH))
    # Shanghai's year, not UTC's: 2026-12-31 23:30 UTC is already 2027 in Guangzhou.
    d6 = _issue(
        rt, demo, th2, "opinion_letter", now=dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    )

    assert d1.number == "天工提〔2026〕1号"
    assert d2.number == "天工提〔2026〕2号"
    assert d3.number == "海工〔2026〕1号"
    assert d4.number == "天工意〔2026〕1号"
    assert d7.number == "海工〔2026〕2号"
    assert d5.number == "天工意〔2027〕1号"
    assert d6.number == "天工意〔2027〕2号"
    for d in (d1, d2, d3, d4, d5, d6, d7):
        assert "第" not in d.number and "〕0" not in d.number
        assert not any("A" <= c.upper() <= "Z" for c in d.number)
    assert (d1.issuer_unit_id, d3.issuer_unit_id) == (demo.unit("TH").id, demo.unit("HZ").id)
    with rt.reader() as uow:
        counters = {
            (u, y, m): last
            for u, y, m, last in uow.session.execute(
                select(
                    DocumentCounter.issuer_unit_id,
                    DocumentCounter.year,
                    DocumentCounter.marker,
                    DocumentCounter.last,
                )
            )
        }
    assert counters == {
        (demo.unit("TH").id, 2026, "提"): 2,
        (demo.unit("TH").id, 2026, "意"): 1,
        (demo.unit("TH").id, 2027, "意"): 2,
        (demo.unit("HZ").id, 2026, ""): 2,
    }


def test_a_refused_issue_uses_no_number(rt, demo):
    case = _supervision(rt, demo, "opinion_refused")
    # The guard refuses after the number was drawn: the whole transaction rolls back.
    with pytest.raises(GuardRefused):
        _issue(rt, demo, case, "procuratorate_referral", data={"subject": "working_time"})
    doc = _issue(
        rt,
        demo,
        case,
        "procuratorate_referral",
        addressee="天河区人民检察院",
        data={"subject": "migrant_wages", "employer_uncooperative": True},
    )
    assert doc.number == "天工检〔2026〕1号"
    assert doc.reply_due is None
    assert get_case_state(rt, case.id) == "procuratorate_referred"


def get_case_state(rt, case_id):
    with rt.reader() as uow:
        return get_case(uow.session, case_id).state


# -- the trigger, its clock and the history ------------------------------------------------------


def test_opinion_letter_advances_the_case_and_replies_by_the_clock(rt, demo):
    case = _supervision(rt, demo, "investigating")
    before = _snapshot(rt, case.id)
    doc = _issue(rt, demo, case, "opinion_letter", expected_version=case.version)

    with rt.reader() as uow:
        s = uow.session
        stored = get_case(s, case.id)
        assert stored.state == "opinion_letter_issued"
        assert stored.version == case.version + 1  # one bump for the whole act
        clock = s.scalars(
            select(Deadline).where(
                Deadline.case_id == case.id, Deadline.rule == "opinion_letter_reply"
            )
        ).one()
        assert clock.status == "running" and clock.started_on == NOW.date()
        # 15 working days from Mon 2 March 2026 (the day itself not counted): Mon 23 March.
        assert clock.due_on == dt.date(2026, 3, 23)
        assert doc.reply_due == clock.due_on
        assert stored.next_due_at == clock.due_at
        saved = s.get(Document, doc.id)
        assert saved.citation == DOCUMENT_KINDS["opinion_letter"].citation
        assert (
            "工会法 第二十三条" in saved.citation
            and "工会劳动法律监督办法 第二十条" in saved.citation
        )
        assert (saved.kind, saved.addressee, saved.issuer_unit_id) == (
            "opinion_letter",
            EMPLOYER,
            demo.unit("TH").id,
        )
        assert saved.created_by_id == demo.actor("supervisor.tianhe").user_id
        assert saved.issued_at == NOW.astimezone(dt.UTC)
        assert verify_case(uow, stored) is None
    page = documents(rt.reader(), actor=demo.actor("supervisor.tianhe"), case_id=case.id)
    assert [d["id"] for d in page.items] == [doc.id]
    view = page.items[0]
    assert view["number"] == "天工意〔2026〕1号" and view["reply_due"] == "2026-03-23"
    assert view["issuer"]["code"] == "TH" and view["kind_label_zh"] == "工会劳动法律监督意见书"

    transition = _events(rt, case.id, "transition")[-1]
    assert (transition.from_state, transition.to_state, transition.trigger) == (
        "investigating",
        "opinion_letter_issued",
        "issue_opinion_letter",
    )
    assert doc.number in transition.data["comment"]
    issued = _events(rt, case.id, "document_issued")
    assert len(issued) == 1 and issued[0].seq > transition.seq
    assert issued[0].data == {
        "document_id": doc.id,
        "kind": "opinion_letter",
        "number": doc.number,
        "addressee": EMPLOYER,
        "issuer": "TH",
        "reply_due": "2026-03-23",
        # What the document says, hashed: the same hash is on the row.
        "content_hash": doc.content_hash,
    }
    assert len(doc.content_hash) == 64 and doc.status == "issued"
    after = _snapshot(rt, case.id)
    assert after[4] == before[4] + 1


def test_a_given_reply_date_wins_and_the_tip_letter_uses_its_own_clock(rt, demo):
    a = _supervision(rt, demo, "investigating")
    doc = _issue(rt, demo, a, "opinion_letter", reply_due=dt.date(2026, 5, 4))
    assert doc.reply_due == dt.date(2026, 5, 4)
    b = _supervision(rt, demo, "investigating")
    tip = _issue(rt, demo, b, "tip_letter")
    with rt.reader() as uow:
        clock = uow.session.scalars(
            select(Deadline).where(Deadline.case_id == b.id, Deadline.rule == "tip_letter_reply")
        ).one()
    assert tip.reply_due == clock.due_on
    # Today (Asia/Shanghai) is allowed; yesterday is not.
    c = _supervision(rt, demo, "investigating")
    assert _issue(rt, demo, c, "tip_letter", reply_due=NOW.date()).reply_due == NOW.date()


def test_mediation_agreement_signs_the_agreement_with_its_data(rt, demo):
    case = new_case(rt, demo, "mediation")
    force_state(rt, case.id, "mediating")
    before = _snapshot(rt, case.id)
    with pytest.raises(InvalidInput) as err:
        _issue(rt, demo, case, "mediation_agreement", addressee="申请人及被申请人")
    assert err.value.field == "agreement_claims"
    assert _snapshot(rt, case.id) == before
    doc = _issue(
        rt,
        demo,
        case,
        "mediation_agreement",
        addressee="申请人及被申请人",
        data={"agreement_claims": ["wages"], "performance_due": "2026-04-30"},
    )
    assert doc.number == "天工调〔2026〕1号"
    assert doc.citation == "劳动争议调解仲裁法 第十四条" and doc.reply_due is None
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
    assert stored.state == "agreement_signed"
    assert stored.attributes["agreement_claims"] == ["wages"]


# -- level: 建议书 only from county level up ----------------------------------------------------


def test_suggestion_letter_is_refused_at_township_and_issued_once_lifted_to_county(rt, demo):
    case = _supervision(rt, demo, "opinion_refused", unit="TH-SP", actor="caseworker.shipai")
    before = _snapshot(rt, case.id)
    with pytest.raises(NotPermitted):  # a 建议书 is signed by a chair, not any caseworker
        _issue(
            rt,
            demo,
            case,
            "suggestion_letter",
            actor="caseworker.shipai",
            addressee="天河区人力资源和社会保障局",
        )
    # A county supervisor cannot issue it while a township holds the case.
    with pytest.raises(LevelTooLow) as err:
        _issue(rt, demo, case, "suggestion_letter", addressee="天河区人力资源和社会保障局")
    assert "建议书只能由县级以上工会发出" in err.value.message_zh
    assert "county level or above" in err.value.message_en
    assert err.value.details == {
        "kind": "suggestion_letter",
        "min_level": "county",
        "level": "township",
    }
    assert _snapshot(rt, case.id) == before

    # 维权上提一级: the township asks the county to take over; the county issues it.
    request_escalation(
        rt.uow(),
        case_id=case.id,
        actor=demo.actor("caseworker.shipai"),
        reason="requires_higher_level",
        comment="需发出建议书",
        now=NOW,
    )
    doc = _issue(rt, demo, case, "suggestion_letter", addressee="天河区人力资源和社会保障局")
    assert doc.number == "天工建〔2026〕1号"
    assert doc.issuer_unit_id == demo.unit("TH").id
    with rt.reader() as uow:
        s = uow.session
        stored = get_case(s, case.id)
        clock = s.scalars(
            select(Deadline).where(
                Deadline.case_id == case.id, Deadline.rule == "suggestion_decision"
            )
        ).one()
    assert stored.state == "suggestion_letter_issued"
    assert doc.reply_due == clock.due_on == dt.date(2026, 3, 9)  # 5 working days
    # The township that handed the case up still reads it, but may not act on it.
    with pytest.raises(NotPermitted):
        _issue(
            rt,
            demo,
            case,
            "procuratorate_referral",
            actor="caseworker.shipai",
            data={"subject": "migrant_wages", "employer_uncooperative": True},
        )


def test_suggestion_letter_on_a_case_opened_at_county(rt, demo):
    case = _supervision(rt, demo, "opinion_overdue", unit="HZ", actor="supervisor.guangzhou")
    doc = _issue(
        rt,
        demo,
        case,
        "suggestion_letter",
        actor="supervisor.guangzhou",
        addressee="海珠区人力资源和社会保障局",
    )
    assert doc.number == "海工〔2026〕1号"


# -- state, scope, role, version, input ----------------------------------------------------------


def test_wrong_state_names_the_valid_triggers(rt, demo):
    case = _supervision(rt, demo, "reported")
    before = _snapshot(rt, case.id)
    with pytest.raises(TransitionNotAllowed) as err:
        _issue(rt, demo, case, "opinion_letter")
    assert err.value.details["allowed"] == [
        "decline_report",
        "consult_employer",
        "start_investigation",
        "close_no_violation",
    ]
    assert err.value.details["state"] == "reported"
    assert "start_investigation" in err.value.message_zh and "意见书" in err.value.message_zh
    force_state(rt, case.id, "closed")
    with pytest.raises(TransitionNotAllowed) as err:
        _issue(rt, demo, case, "tip_letter")
    assert err.value.details["allowed"] == []
    assert _snapshot(rt, case.id)[1:] == before[1:]


def test_scope_and_role_refusals(rt, demo):
    case = _supervision(rt, demo, "investigating", unit="TH-SP", actor="caseworker.shipai")
    before = _snapshot(rt, case.id)
    with pytest.raises(NotFound):  # another district
        _issue(rt, demo, case, "tip_letter", actor="caseworker.nanhuaxi")
    with pytest.raises(NotFound):  # a grassroots union does not see its township's cases
        _issue(rt, demo, case, "tip_letter", actor="caseworker.acme")
    with pytest.raises(NotPermitted):  # reads everything in Guangzhou, issues nothing
        _issue(rt, demo, case, "tip_letter", actor="auditor")
    with pytest.raises(NotPermitted):  # a city operator who did not open it
        _issue(rt, demo, case, "tip_letter", actor="hotline")
    with pytest.raises(NotFound):
        issue_document(
            rt.uow(),
            case_id=999999,
            actor=demo.actor("supervisor.tianhe"),
            kind="tip_letter",
            addressee=EMPLOYER,
            now=NOW,
        )
    assert _snapshot(rt, case.id) == before
    # A supervisor above may issue; the issuer is still the unit owning the case.
    doc = _issue(rt, demo, case, "tip_letter", actor="supervisor.guangzhou")
    assert doc.number == "石牌街工〔2026〕1号"


def test_version_conflict_writes_nothing(rt, demo):
    case = _supervision(rt, demo, "investigating")
    before = _snapshot(rt, case.id)
    with pytest.raises(VersionConflict) as err:
        _issue(rt, demo, case, "tip_letter", expected_version=case.version + 1)
    assert err.value.details["current_version"] == case.version
    assert _snapshot(rt, case.id) == before
    assert _issue(rt, demo, case, "tip_letter", expected_version=case.version).number == (
        "天工提〔2026〕1号"
    )


@pytest.mark.parametrize(
    ("kw", "field", "says"),
    [
        ({"kind": "letter"}, "kind", "tip_letter"),
        ({"kind": "mediation_agreement"}, "kind", "tip_letter"),
        ({"kind": "tip_letter", "addressee": "  "}, "addressee", "送达对象"),
        ({"kind": "tip_letter", "addressee": "某" * 201}, "addressee", "200"),
        (
            {"kind": "tip_letter", "reply_due": NOW.date() - dt.timedelta(days=1)},
            "reply_due",
            "2026-03-02",
        ),
        ({"kind": "tip_letter", "reply_due": "2026-04-01"}, "reply_due", "日期"),
    ],
    ids=[
        "unknown-kind",
        "other-workflow",
        "blank-addressee",
        "long-addressee",
        "past-reply",
        "not-a-date",
    ],
)
def test_bad_input_is_refused_by_field(rt, demo, kw, field, says):
    case = _supervision(rt, demo, "investigating")
    before = _snapshot(rt, case.id)
    kw = dict(kw)  # the parameters are shared by both backends' runs
    kind = kw.pop("kind")
    with pytest.raises(InvalidInput) as err:
        _issue(rt, demo, case, kind, **kw)
    assert err.value.field == field
    assert says in err.value.message_zh or says in err.value.message_en
    assert _snapshot(rt, case.id) == before


def test_concurrent_issuers_get_distinct_gap_free_numbers(rt, demo):

    cases = [_supervision(rt, demo, "investigating") for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda c: _issue(rt, demo, c, "tip_letter").number, cases))
    assert sorted(numbers) == [f"天工提〔2026〕{n}号" for n in range(1, 9)]


def test_an_admin_sets_the_units_issuing_abbreviation_never_a_latin_code(rt, demo):
    admin = demo.actor("admin")
    hz = demo.unit("HZ")
    for bad in ("HZ", "海珠HZ", "海工1", " ", "海" * 17):
        with pytest.raises(InvalidInput) as err:
            update_org_unit(rt.uow(), actor=admin, unit_id=hz.id, doc_abbr=bad)
        assert err.value.field == "doc_abbr"
    update_org_unit(rt.uow(), actor=admin, unit_id=hz.id, doc_abbr="海珠工", doc_kind_marker=True)
    case = _supervision(rt, demo, "investigating", unit="HZ", actor="supervisor.guangzhou")
    doc = _issue(rt, demo, case, "tip_letter", actor="supervisor.guangzhou")
    assert doc.number == "海珠工提〔2026〕1号"
