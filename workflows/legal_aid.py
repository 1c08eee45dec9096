"""Union legal aid (法律援助), docs/domain.md §5, 法律援助法 (2022).

application → review (7 days, 第四十三条; paused while the applicant supplies missing materials)
→ grant or deny with reasons → lawyer assigned within 3 days of the grant (第四十三条) → handling
→ closing report. Aid may be given before the decision when a limitation period or procedural
deadline is fewer than 7 days away (第四十四条). Only unions at county level or above provide
union legal aid (工会法 第三十条).
"""

from __future__ import annotations

from workflows import fields
from workflows.base import (
    CALENDAR,
    CASE_HANDLERS,
    ESCALATE,
    HANDLING,
    OFFICER_APPROVAL,
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

# 第四十二条: migrant workers claiming wages or work-injury compensation skip the means test.
MEANS_TEST_EXEMPT_CLAIMS = frozenset({"wages", "work_injury"})
# 第四十八条 grounds for terminating aid (the field's choices, workflows.fields).
TERMINATION_GROUNDS = frozenset(code for code, _ in fields.TERMINATION_GROUNDS)


def _means_test(ctx: GuardContext) -> bool:
    if ctx.get("means_test_passed") is True:
        return True
    claim = ctx.get("claim_type")
    return bool(ctx.get("migrant_worker")) and claim in MEANS_TEST_EXEMPT_CLAIMS


def _urgent(ctx: GuardContext) -> bool:
    limit = ctx.get("limitation_date")
    if not limit:
        return False
    return (as_date(limit) - ctx.today).days < 7


def _termination_ground(ctx: GuardContext) -> bool:
    return ctx.get("ground") in TERMINATION_GROUNDS


MEANS_TEST = Guard(
    name="means_test",
    reason_zh="申请人未通过经济困难审查；农民工请求支付劳动报酬或者工伤赔偿的免予审查（法律援助法 第四十二条）",
    reason_en="the applicant has not passed the means test (migrant workers claiming wages or "
    "work-injury compensation are exempt, Legal Aid Law art. 42)",
    predicate=_means_test,
)
URGENT = Guard(
    name="limitation_within_7_days",
    reason_zh="只有距离时效或者法定期限届满不足七日的，才可以先行提供法律援助（法律援助法 第四十四条）",
    reason_en="aid before the decision only when fewer than 7 days remain before a limitation "
    "period or procedural deadline (Legal Aid Law art. 44)",
    predicate=_urgent,
)
TERMINATION_GROUND = Guard(
    name="termination_ground",
    reason_zh="终止法律援助必须属于法律援助法第四十八条规定的情形",
    reason_en="termination needs one of the grounds of Legal Aid Law art. 48",
    predicate=_termination_ground,
)

STATES = [
    State("applied", "已申请（审查中）", "under review"),
    State("materials_pending", "待补充材料", "waiting for missing materials"),
    State("granted", "已决定给予援助", "aid granted"),
    State("denied", "不予援助", "aid denied"),
    State("objection_review", "异议审查中", "objection under review"),
    State("handling", "承办中", "being handled"),
    State("closed", "已结案", "closed with report", terminal=True),
    State("denial_final", "不予援助（已确定）", "denial final", terminal=True),
    State("terminated", "已终止援助", "aid terminated", terminal=True),
    State("withdrawn", "已撤回", "withdrawn", terminal=True),
]

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = edges(
    # trigger                  from                              to                   操作                            English                                           who                  level     data (key* = required), guards
    ("request_materials",      "applied",                        "materials_pending", "一次性告知补充材料",           "request missing materials",                      CASE_HANDLERS,       None,     data("missing_materials*")),
    ("supply_materials",       "materials_pending",              "applied",           "材料已补齐",                   "materials supplied",                             CASE_HANDLERS),
    ("grant",                  "applied",                        "granted",           "决定给予法律援助",             "grant aid",                                      CASE_HANDLERS,       "county", data("means_test_passed", "migrant_worker", "claim_type"), MEANS_TEST),
    ("deny",                   "applied",                        "denied",            "决定不予法律援助",             "deny aid",                                       CASE_HANDLERS,       "county", data("reason*")),
    ("provide_early_aid",      ("applied", "materials_pending"), "handling",          "先行提供法律援助",             "provide aid before the decision",                CASE_HANDLERS,       "county", data("limitation_date", "lawyer"), URGENT),
    ("assign_lawyer",          "granted",                        "handling",          "指派律师",                     "assign lawyer",                                  CASE_HANDLERS,       None,     data("lawyer*")),
    ("object",                 "denied",                         "objection_review",  "申请人提出异议",               "applicant objects",                              CASE_HANDLERS,       None,     data("objection")),
    ("uphold_objection",       "objection_review",               "granted",           "异议成立，给予援助",           "objection upheld",                               roles("supervisor"), "county"),
    ("reject_objection",       "objection_review",               "denial_final",      "异议不成立",                   "objection rejected",                             roles("supervisor"), "county", data("reason")),
    ("accept_denial",          "denied",                         "denial_final",      "申请人未提异议，确定不予援助", "denial accepted",                                CASE_HANDLERS),
    ("terminate",              "handling",                       "terminated",        "终止法律援助",                 "terminate aid",                                  CASE_HANDLERS,       None,     data("ground*"), TERMINATION_GROUND),
    ("close",                  "handling",                       "closed",            "提交结案报告",                 "close with report",                              CASE_HANDLERS,       None,     data("outcome")),
    ("withdraw",               "applied",                        "withdrawn",         "撤回申请",                     "withdraw",                                       CASE_HANDLERS),
    ("materials_not_supplied", "materials_pending",              "withdrawn",         "逾期未补充材料，视为撤回",     "materials never supplied: treated as withdrawn", roles(SYSTEM) | CASE_HANDLERS),
)
# fmt: on

DEADLINES = [
    DeadlineRule(
        name="review",
        state="applied",
        runs_in=("applied", "materials_pending"),
        pauses_in=("materials_pending",),
        days=7,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="法律援助法 第四十三条",
        label_zh="审查决定（补充材料期间中止计算）",
        label_en="review and decision (paused while materials are missing)",
        configurable=True,
        pausable=True,
        pause_citation="法律援助法 第四十三条：申请材料不齐全的，一次性告知补充或者要求作出说明；"
        "补充材料、作出说明的时间不计入审查期限（办理法律援助案件程序规定，条号待核）",
        extension_citation="法律援助法 第四十三条：自收到申请之日起七日内作出决定，未规定延长",
    ),
    DeadlineRule(
        name="materials",
        state="materials_pending",
        days=15,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry="materials_not_supplied",
        citation="法律援助法 第四十三条（逾期未补充视为撤回申请）",
        label_zh="补充材料期限",
        label_en="time to supply missing materials",
        configurable=True,
        pause_citation="补充材料的期间本身即是审查中止的期间，不再中止计算",
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation="法律援助法 第四十三条未规定补充材料的期限：由法律援助机构确定，"
        "经负责人批准可以延长",
    ),
    DeadlineRule(
        name="assignment",
        state="granted",
        days=3,
        unit=CALENDAR,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="法律援助法 第四十三条",
        label_zh="指派承办人员",
        label_en="assignment of a lawyer",
        pause_citation="法律援助法 第四十三条：自作出给予法律援助决定之日起三日内指派，未规定中止计算",
        extension_citation="法律援助法 第四十三条：指派期限未规定可以延长",
    ),
    DeadlineRule(
        name="objection_decision",
        state="objection_review",
        days=5,
        unit=CALENDAR,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="法律援助法 第四十九条",
        label_zh="异议审查决定",
        label_en="decision on the objection",
        pause_citation="法律援助法 第四十九条：自收到异议之日起五日内审查决定，未规定中止计算",
        extension_citation="法律援助法 第四十九条：异议审查期限未规定可以延长",
    ),
]

WORKFLOW = Workflow(
    name="legal_aid",
    prefix="AID",
    label_zh="法律援助",
    label_en="legal aid",
    initial="applied",
    states=STATES,
    transitions=TRANSITIONS,
    deadlines=DEADLINES,
    competence="county",
    citation="法律援助法；工会法 第三十条",
)
