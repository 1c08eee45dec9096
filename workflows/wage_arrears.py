"""Wage arrears (欠薪治理), docs/domain.md §4.

registration → verification → the union negotiates with the employer (工会法 第二十三条) →
(a) paid → call-back → resolved; (b) repayment agreement → monitoring → paid, or breach → legal
remedy; (c) employer refuses / unreachable → labour inspection referral (and, in parallel, a
一函两书 supervision case spawned as a child); (d) employer absconded → emergency wage fund
(条例 第六十三条) and, above the provincial threshold, a criminal referral (刑法 第二百七十六条之一).
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
    TIER_DAYS,
    WORKING,
    DeadlineRule,
    Guard,
    GuardContext,
    State,
    Workflow,
    as_decimal,
    data,
    edges,
    roles,
)

# Defaults of the criminal-referral threshold (拒不支付劳动报酬罪 立案标准); provinces set their
# own numbers inside the national ranges, so each is a setting (docs/domain.md §4).
CRIMINAL_DEFAULTS = {
    "criminal_single_months": 3,
    "criminal_single_amount": "5000",
    "criminal_group_workers": 10,
    "criminal_group_amount": "30000",
}


def _criminal_threshold(ctx: GuardContext) -> bool:
    s = {**CRIMINAL_DEFAULTS, **{k: v for k, v in ctx.settings.items() if k in CRIMINAL_DEFAULTS}}
    amount = as_decimal(ctx.get("amount_claimed"))
    workers = int(ctx.get("worker_count") or 0)
    months = int(ctx.get("months_in_arrears") or 0)
    if workers >= int(s["criminal_group_workers"]) and amount >= as_decimal(
        s["criminal_group_amount"]
    ):
        return True
    return months >= int(s["criminal_single_months"]) and amount >= as_decimal(
        s["criminal_single_amount"]
    )


CRIMINAL_THRESHOLD = Guard(
    name="criminal_threshold",
    reason_zh="欠薪数额或人数未达到本省拒不支付劳动报酬罪的立案标准"
    "（单人欠薪3个月以上且达到数额标准，或10人以上且达到数额标准），不能移送公安机关",
    reason_en="the arrears are below the provincial threshold for the crime of refusing to pay "
    "wages (one worker >= 3 months and the amount, or >= 10 workers and the amount)",
    predicate=_criminal_threshold,
)

STATES = [
    State("registered", "已登记", "registered"),
    State("verified", "已核实", "verified"),
    State("negotiating", "协商中", "negotiating with the employer"),
    State("repayment_monitoring", "还款监督中", "monitoring a repayment agreement"),
    State("agreement_breached", "还款协议未履行", "repayment agreement breached"),
    State("legal_remedy", "司法救济中（支付令/仲裁）", "payment order or arbitration"),
    State("inspection", "劳动保障监察处理中", "referred to labour inspection"),
    State("absconded", "用人单位负责人逃匿", "employer absconded"),
    State("fund_requested", "已申请应急周转金", "emergency wage fund requested"),
    State("criminal_referred", "已移送公安机关", "referred for criminal investigation"),
    State("paid", "已支付（待回访）", "paid, call-back pending"),
    State("resolved", "已解决", "resolved", terminal=True),
    State("rejected", "不予立案", "not taken up", terminal=True),
    State("withdrawn", "已撤回", "withdrawn", terminal=True),
    State("closed", "已结案（未追回）", "closed without payment", terminal=True),
]

OPEN_STATES = tuple(s.name for s in STATES if not s.terminal and s.name != "paid")

# Where a case may be when ... (the "from" of the rows that start in several states).
# ... the employer, or the fund, may still pay:
PAYABLE = ("negotiating", "repayment_monitoring", "legal_remedy", "inspection", "fund_requested")
# ... the union is dealing with the employer itself:
WITH_EMPLOYER = ("negotiating", "repayment_monitoring", "agreement_breached")
# ... the matter is with a court, the inspectorate, the fund or the police, or the employer is gone:
HANDED_ON = ("legal_remedy", "inspection", "fund_requested", "criminal_referred", "absconded")

# The call-back may also be made by the 12351 hotline operator.
CALLERS = CASE_HANDLERS | roles("operator")

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = edges(
    # trigger                    from                                       to                      操作                                  English                              who            level     data (key* = required), guards
    ("verify",                   "registered",                              "verified",             "核实欠薪情况",                       "verify",                            CASE_HANDLERS, None,     data("months_in_arrears", "project")),
    ("reject",                   "registered",                              "rejected",             "不予立案",                           "reject",                            CASE_HANDLERS, None,     data("reason*")),
    ("start_negotiation",        "verified",                                "negotiating",          "与用人单位协商",                     "start negotiation",                 CASE_HANDLERS),
    ("record_payment",           PAYABLE,                                   "paid",                 "登记已支付",                         "record payment",                    CASE_HANDLERS, None,     data("amount_paid")),
    ("sign_repayment_agreement", "negotiating",                             "repayment_monitoring", "签订还款协议",                       "sign repayment agreement",          CASE_HANDLERS, None,     data("repayment_due*")),
    ("report_breach",            "repayment_monitoring",                    "agreement_breached",   "登记逾期未还款",                     "report breach",                     CASE_HANDLERS),
    ("seek_legal_remedy",        "agreement_breached",                      "legal_remedy",         "申请支付令或劳动仲裁",               "seek payment order or arbitration", CASE_HANDLERS, None,     data("remedy")),
    ("refer_to_inspection",      ("negotiating", "agreement_breached"),     "inspection",           "移交劳动保障监察",                   "refer to labour inspection",        CASE_HANDLERS, None,     data("reason")),
    ("report_absconded",         WITH_EMPLOYER,                             "absconded",            "登记用人单位逃匿",                   "report employer absconded",         CASE_HANDLERS),
    ("request_emergency_fund",   "absconded",                               "fund_requested",       "申请应急周转金",                     "request emergency wage fund",       CASE_HANDLERS, "county", data("fund_amount")),
    ("refer_criminal",           ("absconded", "inspection"),               "criminal_referred",    "移送公安机关（拒不支付劳动报酬罪）", "criminal referral",                 CASE_HANDLERS, "county", data("months_in_arrears"), CRIMINAL_THRESHOLD),
    ("complete_callback",        "paid",                                    "resolved",             "完成回访",                           "call-back done",                    CALLERS,       None,     data("satisfaction")),
    ("close",                    HANDED_ON,                                 "closed",               "结案",                               "close",                             CASE_HANDLERS, None,     data("reason*")),
    ("withdraw",                 ("registered", "verified", "negotiating"), "withdrawn",            "撤回",                               "withdraw",                          CASE_HANDLERS, None,     data("reason")),
)
# fmt: on

DEADLINES = [
    DeadlineRule(
        name="verification",
        state="registered",
        days=3,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：本级工会办理时限（可配置）",
        label_zh="核实时限",
        label_en="verification",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="start_negotiation",
        state="verified",
        days=2,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="无法定期限：本级工会办理时限（可配置）",
        label_zh="启动协商时限",
        label_en="start of negotiation",
        configurable=True,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="negotiation",
        state="negotiating",
        days=5,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="工会法 第二十三条；保障农民工工资支付条例 第五十一条；办理时限按12351工单分级（可配置）",
        label_zh="协商办理时限",
        label_en="negotiation",
        configurable=True,
        tier_days=TIER_DAYS,
        pausable=True,
        pause_citation=OWN_LIMIT_PAUSE_ZH,
        extension_bases=(OFFICER_APPROVAL,),
        extension_citation=OWN_LIMIT_EXTENSION_ZH,
    ),
    DeadlineRule(
        name="inspection_decision",
        state="inspection",
        days=5,
        unit=WORKING,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动保障监察条例 第十七条（立案决定）",
        label_zh="监察机构立案决定",
        label_en="labour inspection decision to open",
        pause_citation="劳动保障监察机构的立案审查期限：法规未规定中止计算",
        extension_citation="劳动保障监察机构的立案审查期限：法规未规定延长",
    ),
    DeadlineRule(
        name="inspection_completion",
        state="inspection",
        days=60,
        unit=WORKING,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动保障监察条例 第十七条",
        label_zh="监察案件办结",
        label_en="labour inspection completion",
        pause_citation="劳动保障监察条例 第十七条：调查自立案之日起60个工作日内完成，"
        "只可经批准延长，不中止计算",
        extension_bases=(OFFICER_APPROVAL,),
        extension_cap=30,
        extension_citation="劳动保障监察条例 第十七条：情况复杂的，经劳动保障行政部门负责人批准，"
        "可以延长30个工作日",
    ),
    DeadlineRule(
        name="callback",
        state="paid",
        days=3,
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
    name="wage_arrears",
    prefix="WAG",
    label_zh="欠薪维权",
    label_en="wage arrears",
    initial="registered",
    states=STATES,
    transitions=TRANSITIONS,
    deadlines=DEADLINES,
    competence="township",
    citation="保障农民工工资支付条例",
    spawns=("mediation", "legal_aid", "supervision"),
)
