"""Union labour-law supervision, "一函两书" (docs/domain.md §6).

report → investigation (at least two supervisors) → 提示函 tip letter (preventive) → 意见书 opinion
letter (employer replies within 15 working days, configurable) → 建议书 suggestion letter to the
same-level government department, only by a union at county level or above, when the employer
refuses, does not reply in time or does not correct → the department decides and reports back.
A county-level union may also refer a group dispute over social insurance or migrant wages to the
procuratorate (最高检、全总 2024 通知).
"""

from __future__ import annotations

from workflows.base import (
    CASE_HANDLERS,
    ESCALATE,
    HANDLING,
    NOTIFY,
    OFFICER_APPROVAL,
    OWN_LIMIT_EXTENSION_ZH,
    OWN_LIMIT_PAUSE_ZH,
    STATUTORY,
    SYSTEM,
    WORKING,
    DeadlineRule,
    Guard,
    GuardContext,
    State,
    Workflow,
    data,
    edges,
    roles,
)

PROCURATORATE_SUBJECTS = frozenset({"social_insurance", "migrant_wages"})


def _two_investigators(ctx: GuardContext) -> bool:
    people = ctx.get("investigators") or []
    if not isinstance(people, list):
        return False
    return len({str(p).strip() for p in people if str(p).strip()}) >= 2


def _procuratorate(ctx: GuardContext) -> bool:
    threshold = int(ctx.settings.get("collective_threshold", 10))
    return (
        ctx.get("subject") in PROCURATORATE_SUBJECTS
        and int(ctx.get("worker_count") or 0) >= threshold
        and bool(ctx.get("employer_uncooperative"))
    )


TWO_INVESTIGATORS = Guard(
    name="two_investigators",
    reason_zh="劳动法律监督调查须由两名以上监督员进行；本级不足两名的，应提请上一级工会",
    reason_en="an investigation needs at least two labour-law supervisors; a union with fewer "
    "asks the next level up",
    predicate=_two_investigators,
)
PROCURATORATE_ELIGIBLE = Guard(
    name="procuratorate_eligible",
    reason_zh="只有用人单位不配合的、涉及社会保险或农民工工资的群体性争议，才可移送检察机关",
    reason_en="only a group dispute over social insurance or migrant wages with an uncooperative "
    "employer may be referred to the procuratorate",
    predicate=_procuratorate,
)

STATES = [
    State("reported", "已受理线索", "report received"),
    State("investigating", "调查中", "investigating"),
    State("tip_letter_issued", "已发提示函", "tip letter issued"),
    State("opinion_letter_issued", "已发意见书（待回复）", "opinion letter issued"),
    State("opinion_refused", "拒不整改", "employer refused to correct"),
    State("opinion_overdue", "逾期未回复", "no reply in time"),
    State("suggestion_letter_issued", "已发建议书", "suggestion letter issued"),
    State("department_handling", "行政部门处理中", "government department handling"),
    State("procuratorate_referred", "已移送检察机关", "referred to the procuratorate"),
    State("corrected", "已整改", "corrected", terminal=True),
    State("closed", "已结案", "closed", terminal=True),
]

# Where a case may be when ... (the "from" of the rows that start in several states).
# ... the employer refused the opinion letter or did not reply in time:
ESCALATION_SOURCES = ("opinion_refused", "opinion_overdue")
# ... the employer has been told to correct and may report that it has:
AWAITING_CORRECTION = ("tip_letter_issued", "opinion_letter_issued", "department_handling")
# ... the union has gone, or may go, beyond its own letters:
ESCALATED = (*ESCALATION_SOURCES, "suggestion_letter_issued", "department_handling")

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = edges(
    # trigger                      from                                    to                          操作                        English                       who            level     data (key* = required), guards
    ("start_investigation",        "reported",                             "investigating",            "开展调查",                 "start investigation",        CASE_HANDLERS, None,     data("investigators"), TWO_INVESTIGATORS),
    ("close_no_violation",         ("reported", "investigating"),          "closed",                   "未发现违法，结案",         "close: no violation found",  CASE_HANDLERS, None,     data("reason")),
    ("issue_tip_letter",           "investigating",                        "tip_letter_issued",        "发出提示函",               "issue tip letter",           CASE_HANDLERS),
    ("issue_opinion_letter",       ("investigating", "tip_letter_issued"), "opinion_letter_issued",    "发出意见书",               "issue opinion letter",       CASE_HANDLERS),
    ("record_correction",          AWAITING_CORRECTION,                    "corrected",                "登记已整改",               "record correction",          CASE_HANDLERS, None,     data("correction")),
    ("record_refusal",             "opinion_letter_issued",                "opinion_refused",          "登记拒不整改",             "record refusal",             CASE_HANDLERS),
    ("reply_overdue",              "opinion_letter_issued",                "opinion_overdue",          "意见书逾期未回复",         "reply overdue",              roles(SYSTEM) | CASE_HANDLERS),
    ("issue_suggestion_letter",    ESCALATION_SOURCES,                     "suggestion_letter_issued", "向同级行政部门发出建议书", "issue suggestion letter",    CASE_HANDLERS, "county"),
    ("record_department_decision", "suggestion_letter_issued",             "department_handling",      "行政部门已立案",           "department opened a case",   CASE_HANDLERS, None,     data("department")),
    ("refer_to_procuratorate",     ESCALATED,                              "procuratorate_referred",   "移送检察机关",             "refer to the procuratorate", CASE_HANDLERS, "county", data("subject", "employer_uncooperative"), PROCURATORATE_ELIGIBLE),
    ("close",                      (*ESCALATED, "procuratorate_referred"), "closed",                   "结案",                     "close",                      CASE_HANDLERS, None,     data("outcome*")),
)
# fmt: on

DEADLINES = [
    DeadlineRule(
        name="intake",
        state="reported",
        days=5,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：本级工会办理时限（可配置）",
        label_zh="线索受理与启动调查",
        label_en="taking up the report",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="investigation",
        state="investigating",
        days=15,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：本级工会办理时限（可配置）",
        label_zh="调查时限",
        label_en="investigation",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="tip_letter_reply",
        state="tip_letter_issued",
        days=15,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无全国统一期限（可配置）",
        label_zh="提示函整改期限",
        label_en="tip letter follow-up",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="opinion_letter_reply",
        state="opinion_letter_issued",
        days=15,
        unit=WORKING,
        kind=STATUTORY,
        on_expiry="reply_overdue",
        citation="浙江省工会劳动法律监督条例 第二十二条（各省不同，可配置）",
        label_zh="意见书书面答复期限",
        label_en="written reply to the opinion letter",
        configurable=True,
        pause_citation="工会劳动法律监督条例（各省）：用人单位应在期限内书面答复，未规定中止计算",
        extension_citation="工会劳动法律监督条例（各省）：答复期限未规定可以延长",
    ),
    DeadlineRule(
        name="next_step",
        state="opinion_refused",
        runs_in=("opinion_refused",),
        days=5,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：建议书须由县级以上工会发出（可配置）",
        label_zh="拒不整改后的处理时限",
        label_en="next step after a refusal",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="next_step_overdue",
        state="opinion_overdue",
        days=5,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：建议书须由县级以上工会发出（可配置）",
        label_zh="逾期未复后的处理时限",
        label_en="next step after no reply",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="suggestion_decision",
        state="suggestion_letter_issued",
        days=5,
        unit=WORKING,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="各省工会劳动法律监督条例（行政部门立案决定，可配置）",
        label_zh="行政部门立案决定",
        label_en="department decision to open a case",
        configurable=True,
        pause_citation="行政部门处理建议书的期限，由各省条例规定，工会不能中止计算",
        extension_citation="行政部门处理建议书的期限，由各省条例规定，工会不能延长",
    ),
]

WORKFLOW = Workflow(
    name="supervision",
    prefix="SUP",
    label_zh="工会劳动法律监督（一函两书）",
    label_en="labour-law supervision (tip, opinion and suggestion letters)",
    initial="reported",
    states=STATES,
    transitions=TRANSITIONS,
    deadlines=DEADLINES,
    competence="grassroots",
    citation="工会法 第二十二条；工会劳动法律监督办法",
)
