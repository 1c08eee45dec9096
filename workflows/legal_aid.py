"""Union legal aid (法律援助), docs/domain.md §5, 法律援助法 (2022).

application received (a call on the hotline waits in ``awaiting_application`` until it is) →
review (7 days from receipt, 第四十三条; one request for everything missing, paused while the
applicant supplies it) → grant or deny with reasons, by the head of the institution → lawyer
assigned within 3 days of the grant → handling → closing report, or termination (第四十八条).
Aid may be given before the decision (第四十四条: a limitation or procedural deadline fewer than
7 days away, an urgent 财产保全 / 证据保全 / 先予执行, other statutory cases); the applicant then
completes the formalities and the institution still decides. A refusal or a termination may be
objected to; the objection is decided above the deciding unit (第四十九条). Only unions at county
level or above provide union legal aid (工会法 第三十条).
"""

from __future__ import annotations

from workflows.base import (
    CALENDAR,
    CASE_HANDLERS,
    ESCALATE,
    HANDLING,
    NOTIFY,
    OFFICER_APPROVAL,
    RECEIVED_IN_TIME,
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
    decided_above,
    edges,
    roles,
)
from workflows.fields import boolean, enum, text

HEAD = roles("supervisor")  # the institution's head decides (grant, deny, objections)

# 第四十二条: applicants who skip the means test.
MEANS_TEST_EXEMPTIONS: tuple[tuple[str, str], ...] = (
    ("vulnerable_group", "无固定生活来源的未成年人、老年人、残疾人等特定群体"),
    ("relief_recipient", "社会救助、司法救助或者优抚对象"),
    ("migrant_wages_injury", "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员"),
    ("other_statutory", "法律、法规、规章规定的其他人员"),
)
# 第四十二条（三）as recorded before the exemption was an enumeration: a migrant worker's claim.
MEANS_TEST_EXEMPT_CLAIMS = frozenset({"wages", "work_injury"})

# 第四十四条: grounds for aid before the decision.
EARLY_AID_BASES: tuple[tuple[str, str], ...] = (
    ("limitation_near", "距法定时效或者期限届满不足七日，需要及时起诉或者申请仲裁、行政复议"),
    ("property_preservation", "需要立即申请财产保全"),
    ("evidence_preservation", "需要立即申请证据保全"),
    ("advance_execution", "需要立即申请先予执行"),
    ("other_statutory", "法律、法规、规章规定的其他情形"),
)

# 第四十八条: grounds for terminating aid (codes kept from the earlier list).
TERMINATION_GROUNDS: tuple[tuple[str, str], ...] = (
    ("false_statement", "以欺骗或者其他不正当手段获得法律援助"),
    ("concealment", "故意隐瞒与案件有关的重要事实或者提供虚假证据"),
    ("abuse", "利用法律援助从事违法活动"),
    ("improved_finances", "经济状况发生变化，不再符合法律援助条件"),
    ("no_longer_needed", "案件终止审理或者已经被撤销"),
    ("own_lawyer", "自行委托律师或者其他代理人"),
    ("requested_by_applicant", "受援人有正当理由要求终止法律援助"),
    ("other", "法律法规规定的其他情形"),
)
GROUND_CODES = frozenset(code for code, _ in TERMINATION_GROUNDS)

MEANS_FIELDS = (
    "means_test_passed",
    enum(
        "means_test_exemption",
        "免予核查经济困难的情形",
        "means-test exemption",
        MEANS_TEST_EXEMPTIONS,
    ),
    text(
        "exemption_basis",
        "免予核查的依据（法规、规章名称及条款）",
        "legal basis of the exemption",
        max_length=500,
    ),
    boolean("union_member", "申请人为工会会员", "applicant is a union member"),
    "migrant_worker",
    "claim_type",
)
EARLY_AID_FIELDS = (
    enum("early_aid_basis", "先行提供援助的情形", "ground for early aid", EARLY_AID_BASES),
    "limitation_date",
    text("early_aid_legal_basis", "其他情形的依据", "legal basis (other cases)", max_length=500),
    "lawyer",
)


def _means_test(ctx: GuardContext) -> bool:
    if ctx.get("means_test_passed") is True:
        return True
    exemption = ctx.get("means_test_exemption")
    if exemption == "other_statutory":
        return bool(ctx.get("exemption_basis"))
    if exemption:
        return True
    if ctx.get("union_member") is True and ctx.settings.get("union_aid_members_without_means_test"):
        return True
    return bool(ctx.get("migrant_worker")) and ctx.get("claim_type") in MEANS_TEST_EXEMPT_CLAIMS


def _urgent(ctx: GuardContext) -> bool:
    limit = ctx.get("limitation_date")
    if not limit:
        return False
    return (as_date(limit) - ctx.today).days < 7


def _early_aid_ground(ctx: GuardContext) -> bool:
    basis = ctx.get("early_aid_basis") or "limitation_near"
    if basis == "limitation_near":
        return _urgent(ctx)
    if basis == "other_statutory":
        return bool(ctx.get("early_aid_legal_basis"))
    return True


def _termination_ground(ctx: GuardContext) -> bool:
    return ctx.get("ground") in GROUND_CODES


def _first_request(ctx: GuardContext) -> bool:
    return not ctx.recorded.get("missing_materials")


MEANS_TEST = Guard(
    name="means_test",
    reason_zh="申请人未通过经济困难审查，也不属于法律援助法第四十二条免予核查的人员"
    "（无固定生活来源的未成年人、老年人、残疾人等；社会救助、司法救助或者优抚对象；请求支付劳动报酬"
    "或者工伤赔偿的进城务工人员；法规规章规定的其他人员，须写明依据）",
    reason_en="the applicant has not passed the means test and no exemption of Legal Aid Law "
    "art. 42 (1)-(4) applies (an 'other' exemption must name its legal basis)",
    predicate=_means_test,
)
EARLY_AID_GROUND = Guard(
    name="early_aid_ground",
    reason_zh="只有距离时效或者法定期限届满不足七日，需要立即申请财产保全、证据保全或者先予执行，"
    "或者法律、法规、规章规定的其他情形（须写明依据），才可以先行提供法律援助（法律援助法 第四十四条）",
    reason_en="aid before the decision only when fewer than 7 days remain before a limitation "
    "period or procedural deadline, for an urgent preservation of property or evidence or "
    "advance execution, or in another statutory case naming its basis (Legal Aid Law art. 44)",
    predicate=_early_aid_ground,
)
TERMINATION_GROUND = Guard(
    name="termination_ground",
    reason_zh="终止法律援助必须属于法律援助法第四十八条规定的情形",
    reason_en="termination needs one of the grounds of Legal Aid Law art. 48",
    predicate=_termination_ground,
)
ONE_REQUEST = Guard(
    name="materials_requested_once",
    reason_zh="本次审查已经要求补充过材料；需要补充的材料应当一次性告知申请人（法律援助法 第四十三条）",
    reason_en="missing materials are asked for once per review, all at once (Legal Aid Law "
    "art. 43); this review has already asked",
    predicate=_first_request,
)

STATES = [
    State("awaiting_application", "待收到援助申请", "waiting for the application"),
    State("applied", "已收到申请（审查中）", "under review"),
    State("materials_pending", "待补充材料", "waiting for missing materials"),
    State("early_aid", "已先行提供援助（待补办手续并决定）", "early aid given, decision pending"),
    State("granted", "已决定给予援助", "aid granted"),
    State("denied", "不予援助", "aid denied"),
    State("objection_review", "异议审查中", "objection under review"),
    State("handling", "承办中", "being handled"),
    State("termination_decided", "已决定终止援助", "termination decided"),
    State(
        "termination_objection_review",
        "终止决定异议审查中",
        "objection to termination under review",
    ),
    State("closed", "已结案", "closed with report", terminal=True),
    State("denial_final", "不予援助（已确定）", "denial final", terminal=True),
    State("terminated", "已终止援助", "aid terminated", terminal=True),
    State("withdrawn", "已撤回", "withdrawn", terminal=True),
]

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = decided_above(edges(
    # trigger                  from                                              to                              操作                            English                                           who            level     data (key* = required), guards
    ("receive_application",    "awaiting_application",                           "applied",                      "登记收到援助申请",             "record receipt of the application",              CASE_HANDLERS, None,     data("received_on*"), RECEIVED_IN_TIME),
    ("request_materials",      "applied",                                        "materials_pending",            "一次性告知补充材料",           "request missing materials (all at once)",        CASE_HANDLERS, None,     data("missing_materials*"), ONE_REQUEST),
    ("supply_materials",       "materials_pending",                              "applied",                      "材料已补齐",                   "materials supplied",                             CASE_HANDLERS),
    ("grant",                  "applied",                                        "granted",                      "决定给予法律援助",             "grant aid",                                      HEAD,          "county", data(*MEANS_FIELDS), MEANS_TEST),
    ("grant",                  "early_aid",                                      "handling",                     "补办手续后决定给予法律援助",   "grant aid after early aid",                      HEAD,          "county", data(*MEANS_FIELDS), MEANS_TEST),
    ("deny",                   ("applied", "early_aid"),                         "denied",                       "决定不予法律援助",             "deny aid",                                       HEAD,          "county", data("reason*")),
    ("provide_early_aid",      ("applied", "materials_pending"),                 "early_aid",                    "先行提供法律援助",             "provide aid before the decision",                CASE_HANDLERS, "county", data(*EARLY_AID_FIELDS), EARLY_AID_GROUND),
    ("assign_lawyer",          "granted",                                        "handling",                     "指派律师",                     "assign lawyer",                                  CASE_HANDLERS, None,     data("lawyer*")),
    ("object",                 "denied",                                         "objection_review",             "申请人对不予援助提出异议",     "applicant objects to the refusal",               CASE_HANDLERS, None,     data("objection")),
    ("object",                 "termination_decided",                            "termination_objection_review", "受援人对终止援助提出异议",     "recipient objects to the termination",           CASE_HANDLERS, None,     data("objection")),
    ("uphold_objection",       "objection_review",                               "granted",                      "异议成立，给予援助",           "objection upheld: aid granted",                  HEAD,          "county"),
    ("uphold_objection",       "termination_objection_review",                   "handling",                     "异议成立，继续援助",           "objection upheld: aid continues",                HEAD,          "county"),
    ("reject_objection",       "objection_review",                               "denial_final",                 "异议不成立",                   "objection rejected",                             HEAD,          "county", data("reason")),
    ("reject_objection",       "termination_objection_review",                   "terminated",                   "异议不成立，终止援助",         "objection rejected: aid terminated",             HEAD,          "county", data("reason")),
    ("accept_denial",          "denied",                                         "denial_final",                 "申请人未提异议，确定不予援助", "denial accepted",                                CASE_HANDLERS),
    ("terminate",              "handling",                                       "termination_decided",          "决定终止法律援助",             "decide to terminate aid",                        CASE_HANDLERS, None,     data(enum("ground*", "终止理由", "ground for termination", TERMINATION_GROUNDS), "reason"), TERMINATION_GROUND),
    ("accept_termination",     "termination_decided",                            "terminated",                   "受援人未提异议，终止援助",     "termination accepted",                           CASE_HANDLERS),
    ("close",                  "handling",                                       "closed",                       "提交结案报告",                 "close with report",                              CASE_HANDLERS, None,     data("outcome")),
    ("withdraw",               ("awaiting_application", "applied"),              "withdrawn",                    "撤回申请",                     "withdraw",                                       CASE_HANDLERS),
    ("materials_not_supplied", "materials_pending",                              "withdrawn",                    "逾期未补充材料，视为撤回",     "materials never supplied: treated as withdrawn", roles(SYSTEM) | CASE_HANDLERS),
), "uphold_objection", "reject_objection")
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
        label_zh="审查决定（自收到申请之日起；补充材料期间中止计算）",
        label_en="review and decision (from receipt; paused while materials are missing)",
        configurable=True,
        pausable=True,
        pause_citation="法律援助法 第四十三条：申请材料不齐全的，一次性告知补充或者要求作出说明；"
        "补充材料、作出说明的时间不计入审查期限（办理法律援助案件程序规定，条号待核）",
        extension_citation="法律援助法 第四十三条：自收到申请之日起七日内作出决定，未规定延长",
        starts_from="received_on",
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
        name="early_aid_decision",
        state="early_aid",
        days=7,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="法律援助法 第四十四条 第二款、第四十三条",
        label_zh="先行援助后补办手续并作出决定",
        label_en="formalities completed and decision after early aid",
        configurable=True,
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
    # The objection is decided above the deciding unit (the parent union for union aid): its
    # five days are that body's period, which the case tracks (a lift would hand the case to the
    # reviewer and leave no one above it to review).
    DeadlineRule(
        name="objection_decision",
        state="objection_review",
        days=5,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="法律援助法 第四十九条",
        label_zh="异议审查决定（不予援助）",
        label_en="decision on the objection to a refusal",
        pause_citation="法律援助法 第四十九条：自收到异议之日起五日内审查决定，未规定中止计算",
        extension_citation="法律援助法 第四十九条：异议审查期限未规定可以延长",
    ),
    DeadlineRule(
        name="termination_objection_decision",
        state="termination_objection_review",
        days=5,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="法律援助法 第四十九条",
        label_zh="异议审查决定（终止援助）",
        label_en="decision on the objection to a termination",
    ),
]

WORKFLOW = Workflow(
    name="legal_aid",
    prefix="AID",
    label_zh="法律援助",
    label_en="legal aid",
    initial="applied",
    entries=("awaiting_application",),
    states=STATES,
    transitions=TRANSITIONS,
    deadlines=DEADLINES,
    competence="county",
    citation="法律援助法；工会法 第三十条",
    mergeable=True,
)
