"""12351 hotline work orders (工单), docs/domain.md §7.

call → classify → answered directly, or a work order → dispatched down to the unit (服务下沉) →
accepted by the unit (which opens the case) → result reported back → call-back and satisfaction
→ closed. Overdue work orders are chased (督办) and rise one level.
"""

from __future__ import annotations

from workflows import fields
from workflows.base import (
    CASE_HANDLERS,
    ESCALATE,
    HANDLING,
    OFFICER_APPROVAL,
    OWN_LIMIT_EXTENSION_ZH,
    OWN_LIMIT_PAUSE_ZH,
    SYSTEM,
    TIER_DAYS,
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

OPERATORS = roles("operator", "supervisor")
SATISFACTION = tuple(code for code, _ in fields.SATISFACTION)
# What a call-back can come to (12351 回访结果): the three degrees of satisfaction, or nobody
# answered, or the caller did not want to be asked.
CALLBACK_OUTCOMES: tuple[tuple[str, str], ...] = (
    *fields.SATISFACTION,
    ("unreachable", "无法联系"),
    ("declined", "拒绝回访"),
)
# 派单: the unit the order (and, for a case category, its case) goes to, and a note for it.
DISPATCH_TO = fields.org_unit("org_unit_id*", "派往单位", "unit dispatched to")
CLOSING_OUTCOMES = ("satisfied", "basically_satisfied", "unreachable", "declined")
OUTCOME = fields.enum("satisfaction*", "回访结果", "call-back outcome", CALLBACK_OUTCOMES)


def _closing_outcome(ctx: GuardContext) -> bool:
    return ctx.get("satisfaction") in CLOSING_OUTCOMES


def _dissatisfied(ctx: GuardContext) -> bool:
    return ctx.get("satisfaction") == "dissatisfied"


def _return_in_time(ctx: GuardContext) -> bool:
    last = ctx.get("return_by")
    return not last or ctx.today <= as_date(last)


RETURN_IN_TIME = Guard(
    name="return_in_time",
    reason_zh="退单须在派单后的退单期限内（默认2个工作日）提出；已逾期的请签收办理，或由派单单位改派",
    reason_en="an order can be returned only within the return window after dispatch "
    "(2 working days by default); after it, sign for it or ask the dispatcher to re-dispatch",
    predicate=_return_in_time,
)

CLOSING_OUTCOME = Guard(
    name="satisfaction_recorded",
    reason_zh="回访不满意的须发回重办（reopen），不能直接办结",
    reason_en="a dissatisfied caller's order is sent back (reopen), not closed",
    predicate=_closing_outcome,
)
DISSATISFIED = Guard(
    name="dissatisfied",
    reason_zh="只有回访不满意的才发回重办",
    reason_en="only a dissatisfied call-back sends the order back",
    predicate=_dissatisfied,
)

STATES = [
    State("registered", "已登记", "registered"),
    State("answered", "已直接答复", "answered directly"),
    State("dispatched", "已派单", "dispatched"),
    State("accepted", "承办中", "accepted by the unit"),
    State("result_reported", "已反馈结果（待回访）", "result reported"),
    State("closed", "已办结", "closed", terminal=True),
]

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = edges(
    # trigger             from                             to                 操作                    English                                  who            level  data (key* = required), guards
    ("answer",            "registered",                    "answered",        "直接答复",             "answer directly",                       OPERATORS,     None,  data("answer*")),
    ("close_on_answer",   "answered",                      "closed",          "答复后办结（未抽中回访）", "close after the answer (not sampled)", OPERATORS),
    ("dispatch",          "registered",                    "dispatched",      "派单",                 "dispatch",                              OPERATORS,     None,  data(DISPATCH_TO, "note")),
    ("return_order",      "dispatched",                    "registered",      "退单",                 "return the order",                      CASE_HANDLERS, None,  data("reason*"), RETURN_IN_TIME),
    ("accept",            "dispatched",                    "accepted",        "签收",                 "accept",                                CASE_HANDLERS),
    ("report_result",     "accepted",                      "result_reported", "反馈办理结果",         "report result",                         CASE_HANDLERS, None,  data("result*")),
    ("report_back",       ("dispatched", "accepted"),      "result_reported", "案件办结，自动反馈",   "the case closed: result reported back", roles(SYSTEM),  None,  data("result*")),
    ("reopen",            "result_reported",               "accepted",        "回访不满意，发回重办", "reopen after an unsatisfied call-back", OPERATORS,     None,  data(OUTCOME), DISSATISFIED),
    ("reopen",            "answered",                      "registered",      "回访不满意，转派办理", "dispatch after an unsatisfied call-back", OPERATORS,   None,  data(OUTCOME), DISSATISFIED),
    ("complete_callback", ("result_reported", "answered"), "closed",          "回访并办结",           "call back and close",                   OPERATORS,     None,  data(OUTCOME), CLOSING_OUTCOME),
)
# fmt: on

DEADLINES = [
    DeadlineRule(
        name="answer_callback",
        state="answered",
        days=2,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="12351 职工服务热线回访要求：咨询类按比例抽样回访（可配置）",
        label_zh="咨询回访时限",
        label_en="call-back after an answer",
        configurable=True,
    ),
    DeadlineRule(
        name="dispatch",
        state="registered",
        days=1,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="12351 职工服务热线分级主办要求（可配置）",
        label_zh="派单时限",
        label_en="dispatch",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="acceptance",
        state="dispatched",
        days=1,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="12351 职工服务热线分级主办要求（可配置）",
        label_zh="签收时限",
        label_en="acceptance",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="handling",
        state="accepted",
        days=5,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="12351 工单分级办理时限：一般 / 难点 / 特别复杂（可配置）",
        label_zh="办理时限",
        label_en="handling",
        configurable=True,
        tier_days=TIER_DAYS,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="callback",
        state="result_reported",
        days=2,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="12351 职工服务热线回访要求（可配置）",
        label_zh="回访时限",
        label_en="call-back",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
]

WORKFLOW = Workflow(
    name="hotline",
    prefix="HOT",
    label_zh="12351 热线工单",
    label_en="12351 hotline work order",
    initial="registered",
    returns=("return_order",),
    states=STATES,
    transitions=TRANSITIONS,
    deadlines=DEADLINES,
    competence="grassroots",
    citation="全国总工会 12351 职工服务热线工作规范",
    spawns=("mediation", "wage_arrears", "legal_aid", "supervision"),
)
