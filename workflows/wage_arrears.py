"""Wage arrears (欠薪治理), docs/domain.md §4.

registration → verification → the union negotiates with the employer (工会法 第二十三条) →
(a) paid → call-back → resolved; (b) repayment agreement → monitoring to the agreed date → paid,
or breach → legal remedy; (c) a construction project: the general contractor pays first or the
建设单位 advances (保障农民工工资支付条例 第二十九、三十、三十六条); (d) employer refuses /
unreachable → the union refers the matter to labour inspection (2-year look-back, 劳动保障监察条例
第二十条) → 人社 opens it (立案, the 60-working-day investigation counts from that date) → an order
to pay by a deadline (责令限期支付) → if not met: 加付赔偿金 50%–100% (条例 第二十六条), court
enforcement (农民工条例 第四十二条), naming / the 失信 list, and, above the provincial threshold, the
union asks 人社 to transfer the suspected crime of refusing to pay wages to the police
(刑法 第二百七十六条之一; 人社 transfers it, 农民工条例 第四十一条); (e) employer absconded or
temporarily unable to pay → emergency wage fund (农民工条例 第六十三条).
"""

from __future__ import annotations

from workflows.base import (
    CALENDAR,
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
    as_date,
    as_decimal,
    data,
    edges,
    roles,
)
from workflows.fields import date, enum, integer, money, text, unit

# Defaults of the criminal-referral threshold (拒不支付劳动报酬罪 "数额较大", 最高人民法院
# 法释〔2013〕3号 第三条): the national floor. Each province's high court chooses its amounts inside
# the national ranges (one worker, 3 months: ¥5,000–20,000; 10+ workers: ¥30,000–100,000), so
# each number is a setting (CASEWORK_CRIMINAL_*, docs/domain.md §4).
CRIMINAL_DEFAULTS = {
    "criminal_single_months": 3,
    "criminal_single_amount": "5000",
    "criminal_group_workers": 10,
    "criminal_group_amount": "30000",
}
# The national ranges a province's amounts must lie in (法释〔2013〕3号 第三条).
CRIMINAL_RANGES = {
    "criminal_single_amount": ("5000", "20000"),
    "criminal_group_amount": ("30000", "100000"),
}
# 劳动保障监察条例 第二十条: a violation not discovered, reported or complained of within two
# years (from its end, if it continues) is no longer investigated.
LOOK_BACK_YEARS = 2


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
    "（单人欠薪3个月以上且达到数额标准，或10人以上且达到数额标准），不能提请移送公安机关",
    reason_en="the arrears are below the provincial threshold for the crime of refusing to pay "
    "wages (one worker >= 3 months and the amount, or >= 10 workers and the amount)",
    predicate=_criminal_threshold,
)


def _order_not_met(ctx: GuardContext) -> bool:
    """A recorded order to pay (date, issuing department, deadline) whose deadline has passed."""
    if not (ctx.get("order_issued_on") and ctx.get("order_department")):
        return False
    return as_date(ctx.get("order_deadline")) < ctx.today


ORDER_NOT_MET = Guard(
    name="order_not_met",
    reason_zh="须先登记人社等政府部门的责令支付（作出日期、作出部门、支付期限），且期限届满仍未支付"
    "（刑法 第二百七十六条之一“经政府有关部门责令支付仍不支付”）",
    reason_en="needs a recorded government order to pay (date, department, deadline) whose "
    "deadline has passed unpaid (Criminal Law art. 276-1)",
    predicate=_order_not_met,
)


def _order_dates(ctx: GuardContext) -> bool:
    issued = as_date(ctx.get("order_issued_on"))
    return issued <= ctx.today and as_date(ctx.get("order_deadline")) >= issued


ORDER_DATES = Guard(
    name="order_dates",
    reason_zh="责令支付的作出日期不能晚于今天，支付期限不能早于作出日期",
    reason_en="the order cannot be dated in the future nor its deadline before its date",
    predicate=_order_dates,
)


def _order_deadline_passed(ctx: GuardContext) -> bool:
    return as_date(ctx.get("order_deadline")) < ctx.today


ORDER_DEADLINE_PASSED = Guard(
    name="order_deadline_passed",
    reason_zh="责令支付的期限尚未届满，届满后仍未支付的才能登记逾期未支付",
    reason_en="the order's deadline has not passed yet",
    predicate=_order_deadline_passed,
)


def _within_look_back(ctx: GuardContext) -> bool:
    day = as_date(ctx.get("violation_date"))
    try:
        limit = day.replace(year=day.year + LOOK_BACK_YEARS)
    except ValueError:  # 29 February: the period ends on 28 February
        limit = day.replace(year=day.year + LOOK_BACK_YEARS, day=28)
    return day <= ctx.today <= limit


WITHIN_LOOK_BACK = Guard(
    name="within_look_back",
    reason_zh="违法行为发生（连续或继续的，自终了之日起）已超过2年，劳动保障行政部门不再查处"
    "（劳动保障监察条例 第二十条）；可告知职工通过劳动争议仲裁或诉讼主张",
    reason_en="more than 2 years since the violation (or its end, if continuing): labour "
    "inspection no longer investigates it (Labour Inspection Regulations art. 20)",
    predicate=_within_look_back,
)


def _not_in_future(key: str) -> Guard:
    return Guard(
        name=f"{key}_not_in_future",
        reason_zh="登记的日期不能晚于今天",
        reason_en=f"{key} cannot lie in the future",
        predicate=lambda ctx: as_date(ctx.get(key)) <= ctx.today,
    )


def _repayment_ahead(ctx: GuardContext) -> bool:
    return as_date(ctx.get("repayment_due")) >= ctx.today


REPAYMENT_AHEAD = Guard(
    name="repayment_due_ahead",
    reason_zh="约定还款日期不能早于今天（还款监督按约定日期提醒和逾期告知）",
    reason_en="the agreed repayment date cannot lie in the past",
    predicate=_repayment_ahead,
)


def _construction_project(ctx: GuardContext) -> bool:
    return bool(ctx.get("project"))


CONSTRUCTION_PROJECT = Guard(
    name="construction_project",
    reason_zh="总承包单位先行清偿、建设单位垫付只适用于工程建设项目：请先在核实时登记工程项目名称"
    "（保障农民工工资支付条例 第四章）",
    reason_en="only for a construction project: record the project when verifying",
    predicate=_construction_project,
)

# -- the typed data of this process's steps ---------------------------------------------------

VIOLATION_DATE = date(
    "violation_date*",
    "欠薪违法行为发生之日（连续或继续的，为终了之日）",
    "date of the violation (its end, if continuing)",
    help_zh="劳动保障监察条例 第二十条：2年内未被发现、举报、投诉的，不再查处",
)
FILED_ON = date("filed_on*", "人社部门立案之日", "date labour inspection opened the case")
INSPECTORATE = unit("inspectorate", "劳动保障监察机构", "labour inspectorate")
ORDER_ISSUED_ON = date("order_issued_on*", "责令支付作出日期", "date of the order to pay")
ORDER_DEPARTMENT = unit(
    "order_department*", "作出责令支付的部门", "department that ordered payment"
)
ORDER_DEADLINE = date("order_deadline*", "责令支付期限", "deadline the order sets")
ORDER_AMOUNT = money("order_amount", "责令支付金额（元）", "amount ordered (yuan)")
ORDER_SERVICE = enum(
    "order_service*",
    "责令支付文书送达方式",
    "how the order was served",
    (
        ("served", "送达本人、同住成年家属或单位收件人"),
        ("posted", "行为人逃匿，在住所地或经营场所张贴并拍照录像"),
    ),
    help_zh="最高人民法院 法释〔2013〕3号 第四条",
)
COMPENSATION_RATE = integer(
    "compensation_rate*",
    "加付赔偿金比例（%）",
    "additional compensation rate (%)",
    minimum=50,
    maximum=100,
    help_zh="劳动保障监察条例 第二十六条、劳动合同法 第八十五条：应付金额的50%以上100%以下",
)
COMPENSATION_AMOUNT = money(
    "compensation_amount", "加付赔偿金金额（元）", "additional compensation (yuan)"
)
COMPENSATION_DEADLINE = date(
    "compensation_deadline", "加付赔偿金支付期限", "deadline for the compensation"
)
COURT = unit("court", "人民法院", "court")
ENFORCEMENT_APPLIED_ON = date(
    "enforcement_applied_on*", "申请强制执行之日", "date enforcement was applied for"
)
HRSS_DEPARTMENT = unit("hrss_department", "人力资源社会保障部门", "human resources department")
TRANSFERRED_ON = date(
    "transferred_on*", "人社部门移送公安机关之日", "date the department transferred the case"
)
POLICE = unit("police", "公安机关", "police")
LISTING_MEASURES = (
    ("public_naming", "向社会公布拖欠工资违法行为"),
    ("dishonest_list", "列入拖欠农民工工资失信联合惩戒对象名单"),
)
LISTING = enum("measure*", "惩戒措施", "measure", LISTING_MEASURES)
LISTED_ON = date("listed_on*", "公布或列入之日", "date of naming or listing")
LIABLE_PARTIES = (
    ("general_contractor", "施工总承包单位先行清偿（分包单位拖欠或转包）"),
    ("builder_advance", "建设单位以未结清的工程款为限先行垫付"),
    ("illegal_contracting", "违法发包、分包或允许挂靠的单位清偿"),
)
LIABLE_PARTY = enum("liable_party*", "清偿责任方式", "who pays first", LIABLE_PARTIES)
LIABLE_UNIT = unit("liable_unit*", "清偿责任单位", "unit liable to pay")
UNABLE_REASON = text(
    "unable_reason*", "用人单位一时难以支付的情况", "why the employer cannot pay for now"
)

STATES = [
    State("registered", "已登记", "registered"),
    State("verified", "已核实", "verified"),
    State("negotiating", "协商中", "negotiating with the employer"),
    State("repayment_monitoring", "还款监督中", "monitoring a repayment agreement"),
    State("agreement_breached", "还款协议未履行", "repayment agreement breached"),
    State("legal_remedy", "司法救济中（支付令/仲裁）", "payment order or arbitration"),
    State("contractor_liable", "总承包单位或建设单位清偿中", "contractor or builder to pay"),
    State("inspection_referred", "已提请劳动保障监察（待立案）", "referred to labour inspection"),
    State("inspection", "劳动保障监察已立案调查", "labour inspection investigating"),
    State("payment_ordered", "人社部门已责令限期支付", "ordered to pay by a deadline"),
    State("order_unpaid", "逾期仍未支付", "order to pay not met"),
    State("compensation_ordered", "已责令加付赔偿金", "additional compensation ordered"),
    State("court_enforcement", "已申请人民法院强制执行", "court enforcement applied for"),
    State("absconded", "用人单位负责人逃匿", "employer absconded"),
    State("fund_requested", "已申请应急周转金", "emergency wage fund requested"),
    State(
        "criminal_transfer_requested",
        "已提请人社部门移送公安机关",
        "union asked the department to transfer the crime",
    ),
    State("criminal_referred", "人社部门已移送公安机关", "transferred to the police"),
    State("paid", "已支付（待回访）", "paid, call-back pending"),
    State("resolved", "已解决", "resolved", terminal=True),
    State("rejected", "不予立案", "not taken up", terminal=True),
    State("withdrawn", "已撤回", "withdrawn", terminal=True),
    State("closed", "已结案（未追回）", "closed without payment", terminal=True),
]

OPEN_STATES = tuple(s.name for s in STATES if not s.terminal and s.name != "paid")

# Where a case may be when ... (the "from" of the rows that start in several states).
# ... an order to pay was not met by its deadline:
ORDER_UNMET = ("order_unpaid", "compensation_ordered", "court_enforcement")
# ... the employer, a contractor, the fund or a court may still pay:
PAYABLE = (
    "negotiating",
    "repayment_monitoring",
    "legal_remedy",
    "contractor_liable",
    "inspection_referred",
    "inspection",
    "payment_ordered",
    *ORDER_UNMET,
    "fund_requested",
    "criminal_transfer_requested",
    "criminal_referred",
)
# ... the union is dealing with the employer itself:
WITH_EMPLOYER = ("negotiating", "repayment_monitoring", "agreement_breached")
# ... the matter is with a court, the inspectorate, the fund or the police, or the employer is gone:
HANDED_ON = (
    "legal_remedy",
    "contractor_liable",
    "inspection_referred",
    "inspection",
    "payment_ordered",
    *ORDER_UNMET,
    "fund_requested",
    "criminal_transfer_requested",
    "criminal_referred",
    "absconded",
)
# ... naming and the 失信 list may follow (after an order not met; they change no state):
LISTABLE = (*ORDER_UNMET, "criminal_transfer_requested", "criminal_referred")
# ... the employer cannot pay for now and the fund may advance part of the wages (第六十三条):
TEMPORARILY_UNABLE = ("negotiating", "agreement_breached", "inspection", "order_unpaid")

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
    ("sign_repayment_agreement", "negotiating",                             "repayment_monitoring", "签订还款协议",                       "sign repayment agreement",          CASE_HANDLERS, None,     data("repayment_due*"), REPAYMENT_AHEAD),
    ("report_breach",            "repayment_monitoring",                    "agreement_breached",   "登记逾期未还款",                     "report breach",                     CASE_HANDLERS),
    ("seek_legal_remedy",        "agreement_breached",                      "legal_remedy",         "申请支付令或劳动仲裁",               "seek payment order or arbitration", CASE_HANDLERS, None,     data("remedy")),
    ("demand_contractor_payment", ("negotiating", "agreement_breached", "inspection"), "contractor_liable", "要求总承包单位清偿或建设单位垫付", "demand payment from contractor or builder", CASE_HANDLERS, None, data(LIABLE_PARTY, LIABLE_UNIT), CONSTRUCTION_PROJECT),
    ("refer_to_inspection",      ("negotiating", "agreement_breached", "contractor_liable"), "inspection_referred", "提请劳动保障监察处理", "refer to labour inspection", CASE_HANDLERS, None, data(VIOLATION_DATE, "reason"), WITHIN_LOOK_BACK),
    ("record_inspection_filed",  "inspection_referred",                     "inspection",           "登记人社部门已立案",                 "record inspection opened (立案)",   CASE_HANDLERS, None,     data(FILED_ON, INSPECTORATE), _not_in_future("filed_on")),
    ("record_payment_order",     ("inspection", "absconded"),               "payment_ordered",      "登记人社部门责令限期支付",           "record order to pay",               CASE_HANDLERS, None,     data(ORDER_ISSUED_ON, ORDER_DEPARTMENT, ORDER_DEADLINE, ORDER_SERVICE, ORDER_AMOUNT), ORDER_DATES),
    ("report_order_unpaid",      "payment_ordered",                         "order_unpaid",         "登记逾期仍未支付",                   "report order not met",              CASE_HANDLERS, None,     None,                   ORDER_DEADLINE_PASSED),
    ("record_compensation_order", "order_unpaid",                           "compensation_ordered", "登记人社部门责令加付赔偿金",         "record additional compensation order", CASE_HANDLERS, None,  data(COMPENSATION_RATE, COMPENSATION_AMOUNT, COMPENSATION_DEADLINE)),
    ("record_court_enforcement", ("order_unpaid", "compensation_ordered"),  "court_enforcement",    "登记人社部门申请法院强制执行",       "record court enforcement applied for", CASE_HANDLERS, None,  data(ENFORCEMENT_APPLIED_ON, COURT), (ORDER_NOT_MET, _not_in_future("enforcement_applied_on"))),
    *[
    ("record_public_listing",    state,                                     state,                  "登记社会公布或列入失信惩戒名单",     "record naming or dishonest listing", CASE_HANDLERS, None,    data(LISTING, LISTED_ON, "department"), (ORDER_NOT_MET, _not_in_future("listed_on")))
        for state in LISTABLE
    ],
    ("report_absconded",         WITH_EMPLOYER,                             "absconded",            "登记用人单位逃匿",                   "report employer absconded",         CASE_HANDLERS),
    ("request_emergency_fund",   "absconded",                               "fund_requested",       "申请应急周转金（用人单位逃匿）",     "request emergency wage fund",       CASE_HANDLERS, "county", data("fund_amount")),
    ("request_emergency_fund",   TEMPORARILY_UNABLE,                        "fund_requested",       "申请应急周转金（一时难以支付）",     "request emergency wage fund",       CASE_HANDLERS, "county", data("fund_amount", UNABLE_REASON)),
    ("refer_criminal",           ORDER_UNMET,                               "criminal_transfer_requested", "提请人社部门移送公安机关（拒不支付劳动报酬罪线索）", "ask the department to transfer the crime", CASE_HANDLERS, "county", data("months_in_arrears", HRSS_DEPARTMENT), (ORDER_NOT_MET, CRIMINAL_THRESHOLD)),
    ("record_criminal_transfer", "criminal_transfer_requested",             "criminal_referred",    "登记人社部门已移送公安机关",         "record transfer to the police",     CASE_HANDLERS, None,     data(TRANSFERRED_ON, POLICE), _not_in_future("transferred_on")),
    ("record_transfer_declined", "criminal_transfer_requested",             "order_unpaid",         "登记人社部门未移送",                 "record transfer declined",          CASE_HANDLERS, None,     data("reason*")),
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
        name="repayment_due",
        state="repayment_monitoring",
        days=0,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="还款协议约定的还款日期（工会跟踪：届满前提醒，逾期告知）",
        label_zh="约定还款日",
        label_en="agreed repayment date",
        # The clock is the agreed date itself: it counts 0 days from the recorded date, so the
        # reminder goes out before it and the overdue notice the day after.
        starts_from="repayment_due",
    ),
    DeadlineRule(
        name="inspection_decision",
        state="inspection_referred",
        days=5,
        unit=WORKING,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="关于实施《劳动保障监察条例》若干规定 第十八条（接到投诉之日起5个工作日内受理，"
        "受理之日立案）",
        label_zh="监察机构受理立案",
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
        label_zh="监察案件办结（自立案之日起）",
        label_en="labour inspection completion (from the filing)",
        # Counted from 立案 (recorded by record_inspection_filed), not from the union's referral.
        starts_from="filed_on",
        pause_citation="劳动保障监察条例 第十七条：调查自立案之日起60个工作日内完成，"
        "只可经批准延长，不中止计算",
        extension_bases=(OFFICER_APPROVAL,),
        extension_cap=30,
        extension_unit=WORKING,
        extension_citation="劳动保障监察条例 第十七条：情况复杂的，经劳动保障行政部门负责人批准，"
        "可以延长30个工作日",
    ),
    DeadlineRule(
        name="payment_order_deadline",
        state="payment_ordered",
        days=0,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动保障监察条例 第二十六条（责令限期支付；逾期不支付的责令加付赔偿金）",
        label_zh="责令支付期限",
        label_en="deadline of the order to pay",
        # The deadline the order sets: a reminder before it, a notice when it passes unpaid.
        starts_from="order_deadline",
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
    mergeable=True,
)
