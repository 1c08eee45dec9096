"""Union labour-law supervision, "一函两书" (docs/domain.md §6).

report → (written 不予受理, or) talk with the employer (沟通协商) → investigation (at least two
supervisors; a higher union may send someone to join without taking the case; a supervisor with a
conflict recuses) → 提示函 tip letter (preventive; if the employer stays silent the same union
moves on to an 意见书, nothing is lifted) → 意见书 opinion letter, signed by the chair or
vice-chair, served on the employer, which replies within 15 working days of receipt → 建议书
suggestion letter, an act of a local federation of county level or above, to the same-level
government department when the employer refuses, does not reply in time or does not correct →
the department opens a case, deals with it and reports back. A county-level union may also take a
case to the procuratorate (最高检、全总《关于协同推进运用“一函两书”制度保障劳动者权益工作的
通知》, 2024).

Citations here are the national text; a province's own rules are cited through the jurisdiction
profile (workflows.jurisdiction), resolved when a clock starts or a document is issued.
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
    as_date,
    data,
    edges,
    roles,
)
from workflows.fields import date, enum, person, text, unit
from workflows.jurisdiction import UNION_LAW_BASIS

PROCURATORATE_SUBJECTS = frozenset({"social_insurance", "migrant_wages"})
# Workers the 2024 notice names for the procuratorate branch whatever their number and whether
# or not the employer cooperates.
PROTECTED_GROUPS: tuple[tuple[str, str], ...] = (
    ("new_employment_form", "新就业形态劳动者"),
    ("women", "女职工"),
    ("minors", "未成年工"),
    ("disabled", "残疾职工"),
    ("older", "大龄或老年劳动者"),
)
# How a letter reached the employer. A refusal to accept is service (留置送达): the letter is left
# and the date of the refusal is the date of service (民事诉讼法 第八十九条, applied by analogy).
SERVICE_METHODS: tuple[tuple[str, str], ...] = (
    ("direct", "直接送达（签收）"),
    ("refused", "拒收（留置送达）"),
    ("mail", "邮寄送达"),
    ("electronic", "电子送达"),
)

# Signed by the chair or vice-chair of the union (the supervisor role), not any caseworker.
CHAIR = roles("supervisor")


def _two_investigators(ctx: GuardContext) -> bool:
    people = ctx.get("investigators") or []
    if not isinstance(people, list):
        return False
    return len({str(p).strip() for p in people if str(p).strip()}) >= 2


def _procuratorate(ctx: GuardContext) -> bool:
    if ctx.get("worker_group") in dict(PROTECTED_GROUPS):
        return True
    threshold = int(ctx.settings.get("collective_threshold", 10))
    return (
        ctx.get("subject") in PROCURATORATE_SUBJECTS
        and int(ctx.get("worker_count") or 0) >= threshold
        and bool(ctx.get("employer_uncooperative"))
    )


def _served_by_today(ctx: GuardContext) -> bool:
    return as_date(ctx.get("served_on")) <= ctx.today


TWO_INVESTIGATORS = Guard(
    name="two_investigators",
    reason_zh="劳动法律监督调查须由两名以上监督员进行；本级不足两名的，应提请上一级工会",
    reason_en="an investigation needs at least two labour-law supervisors; a union with fewer "
    "asks the next level up",
    predicate=_two_investigators,
)
PROCURATORATE_ELIGIBLE = Guard(
    name="procuratorate_eligible",
    reason_zh="可移送检察机关的：涉及新就业形态劳动者、女职工、未成年工、残疾或大龄劳动者的；"
    "或用人单位不配合的、涉及社会保险或农民工工资的群体性争议",
    reason_en="the procuratorate takes cases of new-employment-form, women, minor, disabled or "
    "older workers, or a group dispute over social insurance or migrant wages with an "
    "uncooperative employer",
    predicate=_procuratorate,
)
SERVED_BY_TODAY = Guard(
    name="served_by_today",
    reason_zh="送达日期不能晚于今天",
    reason_en="the date of service cannot be after today",
    predicate=_served_by_today,
)

SERVED_ON = date("served_on*", "送达日期（拒收的为拒收之日）", "date served (or refused)")
SERVICE_METHOD = enum("service_method*", "送达方式", "how it was served", SERVICE_METHODS)

STATES = [
    State("reported", "已受理线索", "report received"),
    State("consulting", "与用人单位沟通协商中", "talking with the employer"),
    State("investigating", "调查中", "investigating"),
    State("tip_letter_issued", "已发提示函", "tip letter issued"),
    State("opinion_letter_issued", "已发意见书（待回复）", "opinion letter issued"),
    State("opinion_refused", "拒不整改", "employer refused to correct"),
    State("opinion_overdue", "逾期未回复", "no reply in time"),
    State("suggestion_letter_issued", "已发建议书", "suggestion letter issued"),
    State("department_handling", "行政部门处理中", "government department handling"),
    State("procuratorate_referred", "已移送检察机关", "referred to the procuratorate"),
    State("corrected", "已整改", "corrected", terminal=True),
    State("declined", "不予受理", "not taken up", terminal=True),
    State("closed", "已结案", "closed", terminal=True),
]

# Where a case may be when ... (the "from" of the rows that start in several states).
# ... the union has the report and has not yet investigated:
BEFORE_INVESTIGATION = ("reported", "consulting")
# ... the employer refused the opinion letter or did not reply in time:
ESCALATION_SOURCES = ("opinion_refused", "opinion_overdue")
# ... the employer has been told to correct and may report that it has:
AWAITING_CORRECTION = (
    "consulting",
    "tip_letter_issued",
    "opinion_letter_issued",
    "department_handling",
)
# ... the union has gone, or may go, beyond its own letters:
ESCALATED = (*ESCALATION_SOURCES, "suggestion_letter_issued", "department_handling")

# Process-specific step data (see workflows.fields).
CONSULTATION = text("consultation*", "沟通协商情况", "what was discussed with the employer")
DECLINE_REASON = text("reason*", "不予受理理由（书面告知）", "why the report is not taken up")
SENT_BY = unit("sent_by*", "派员的上级工会", "higher union sending someone")
SENT_PERSON = person("sent_person*", "派出人员", "person sent")
RECUSED = person("recused*", "回避的监督员", "supervisor stepping aside")
RECUSAL_REASON = text("recusal_reason*", "回避理由（利害关系）", "conflict of interest")
REPLACEMENT = person("replacement", "替换的监督员", "replacement supervisor")
WORKER_GROUP = enum("worker_group", "劳动者群体", "group of workers", PROTECTED_GROUPS)
FILED_ON = date("filed_on", "行政部门立案日期", "date the department opened its case")

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = edges(
    # trigger                      from                                    to                          操作                        English                       who            level     data (key* = required), guards
    ("decline_report",             "reported",                             "declined",                 "书面告知不予受理",         "decline the report in writing", CASE_HANDLERS, None,  data(DECLINE_REASON)),
    ("consult_employer",           "reported",                             "consulting",               "与用人单位沟通协商",       "talk with the employer",     CASE_HANDLERS, None,     data(CONSULTATION)),
    ("start_investigation",        BEFORE_INVESTIGATION,                   "investigating",            "开展调查",                 "start investigation",        CASE_HANDLERS, None,     data("investigators"), TWO_INVESTIGATORS),
    ("join_investigation",         "investigating",                        "investigating",            "上级工会派员参加调查",     "higher union joins the investigation", CASE_HANDLERS, None, data(SENT_BY, SENT_PERSON)),
    ("record_recusal",             "investigating",                        "investigating",            "监督员回避",               "supervisor recuses",         CASE_HANDLERS, None,     data(RECUSED, RECUSAL_REASON, REPLACEMENT)),
    ("close_no_violation",         (*BEFORE_INVESTIGATION, "investigating"), "closed",                 "未发现违法，结案",         "close: no violation found",  CASE_HANDLERS, None,     data("reason")),
    ("issue_tip_letter",           "investigating",                        "tip_letter_issued",        "发出提示函",               "issue tip letter",           CASE_HANDLERS),
    ("issue_opinion_letter",       ("investigating", "tip_letter_issued"), "opinion_letter_issued",    "发出并送达意见书（主席或副主席签发）", "issue and serve opinion letter (signed by the chair)", CHAIR, None, data(SERVED_ON, SERVICE_METHOD), SERVED_BY_TODAY),
    ("record_correction",          AWAITING_CORRECTION,                    "corrected",                "登记已整改",               "record correction",          CASE_HANDLERS, None,     data("correction")),
    ("record_refusal",             "opinion_letter_issued",                "opinion_refused",          "登记拒不整改",             "record refusal",             CASE_HANDLERS),
    ("reply_overdue",              "opinion_letter_issued",                "opinion_overdue",          "意见书逾期未回复",         "reply overdue",              roles(SYSTEM) | CASE_HANDLERS),
    ("issue_suggestion_letter",    ESCALATION_SOURCES,                     "suggestion_letter_issued", "向同级行政部门发出建议书（县级以上总工会）", "issue suggestion letter (county federation or above)", CHAIR, "county"),
    ("record_department_decision", "suggestion_letter_issued",             "department_handling",      "行政部门已立案",           "department opened a case",   CASE_HANDLERS, None,     data("department", FILED_ON)),
    ("refer_to_procuratorate",     ESCALATED,                              "procuratorate_referred",   "移送检察机关",             "refer to the procuratorate", CASE_HANDLERS, "county", data("subject", "employer_uncooperative", WORKER_GROUP), PROCURATORATE_ELIGIBLE),
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
        citation="无全国统一期限：五个工作日内受理或书面告知不予受理（本级工会办理时限，可配置）",
        label_zh="线索受理或书面不予受理",
        label_en="taking up the report or declining it in writing",
        configurable=True,
    ),
    DeadlineRule(
        name="consultation",
        state="consulting",
        days=10,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：沟通协商后及时决定是否调查（本级工会办理时限，可配置）",
        label_zh="沟通协商时限",
        label_en="talking with the employer",
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
        citation="无法定期限：本级工会办理时限（可配置）；工会法 第二十六条（调查权）",
        label_zh="调查时限",
        label_en="investigation",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    # The employer's time to answer a tip letter. Its silence is not the union's failure: expiry
    # tells the union, which may go on to an 意见书 itself; nothing is lifted.
    DeadlineRule(
        name="tip_letter_reply",
        state="tip_letter_issued",
        days=15,
        unit=WORKING,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="工会劳动法律监督办法（提示函：无全国统一整改期限，可配置；逾期未整改的，"
        "本级工会可发出意见书）",
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
        citation="工会劳动法律监督办法 第二十条（接到意见书后十五个工作日内书面答复，"
        "各省可不同，可配置）",
        label_zh="意见书书面答复期限（自送达之日起）",
        label_en="written reply to the opinion letter (from service)",
        configurable=True,
        starts_from="served_on",
        pause_citation="工会劳动法律监督条例（各省）：用人单位应在期限内书面答复，未规定中止计算",
        extension_citation="工会劳动法律监督条例（各省）：答复期限未规定可以延长",
    ),
    # Handling clocks after a refusal or silence: on expiry the case is lifted straight to the
    # lowest level competent for the next act (a county federation for the 建议书), not one level.
    DeadlineRule(
        name="next_step",
        state="opinion_refused",
        runs_in=("opinion_refused",),
        days=5,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：建议书须由县级以上总工会发出（可配置）",
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
        citation="无法定期限：建议书须由县级以上总工会发出（可配置）",
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
        citation="工会劳动法律监督办法 第二十一条（行政部门立案决定期限各省不同，可配置）",
        label_zh="行政部门立案决定",
        label_en="department decision to open a case",
        configurable=True,
        pause_citation="行政部门处理建议书的期限，由各省条例规定，工会不能中止计算",
        extension_citation="行政部门处理建议书的期限，由各省条例规定，工会不能延长",
    ),
    # The department's feedback on the 建议书: its inspection ends within 60 working days of the
    # filing (劳动保障监察条例 第十七条; +30 working days when approved — an extension the clock
    # acts would record; extendable_days stays 0 here) and it reports the result to the union.
    DeadlineRule(
        name="department_feedback",
        state="department_handling",
        days=60,
        unit=WORKING,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动保障监察条例 第十七条（立案之日起六十个工作日内办结）；"
        "处理结果及时反馈工会（可配置）",
        label_zh="行政部门处理结果反馈期限",
        label_en="department's feedback on the suggestion letter",
        configurable=True,
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
    citation=UNION_LAW_BASIS,
    mergeable=True,
)
