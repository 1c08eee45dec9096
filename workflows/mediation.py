"""Labour dispute mediation (劳动争议调解), docs/domain.md §3.

application → acceptance decision → mediation sessions → signed agreement (performed, or breached
→ arbitration / payment order) or failure (→ arbitration, tracked). The 15-day mediation period
runs from the day the mediation body received the application (劳动争议调解仲裁法 第十四条).
"""

from __future__ import annotations

from workflows.base import (
    CALENDAR,
    CASE_HANDLERS,
    ESCALATE,
    HANDLING,
    NOTIFY,
    OFFICER_APPROVAL,
    PARTIES_CONSENT,
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

# Claims for which 第十六条 lets the worker ask a court for a payment order (支付令).
PAYMENT_ORDER_CLAIMS = frozenset({"wages", "injury_medical", "severance", "damages"})


def _payment_order_claims(ctx: GuardContext) -> bool:
    claims = ctx.get("agreement_claims") or []
    if isinstance(claims, str):
        claims = [claims]
    return bool(set(claims) & PAYMENT_ORDER_CLAIMS)


PAYMENT_ORDER_ELIGIBLE = Guard(
    name="payment_order_eligible",
    reason_zh="只有涉及拖欠劳动报酬、工伤医疗费、经济补偿或赔偿金的调解协议，劳动者才可申请支付令"
    "（劳动争议调解仲裁法 第十六条）",
    reason_en="a payment order is only available for agreements on unpaid wages, work-injury "
    "medical costs, severance or damages (Labour Dispute Mediation and Arbitration Law art. 16)",
    predicate=_payment_order_claims,
)

STATES = [
    State("applied", "已申请（待受理）", "application received"),
    State("mediating", "调解中", "mediating"),
    State("agreement_signed", "已签订调解协议", "agreement signed"),
    State("performed", "协议已履行", "agreement performed", terminal=True),
    State("breached", "协议未履行", "agreement not performed"),
    State("failed", "调解不成", "mediation failed"),
    State("arbitration_applied", "已申请仲裁（待受理）", "arbitration applied for"),
    State("arbitration_accepted", "仲裁审理中", "arbitration accepted"),
    State("arbitration_closed", "仲裁已结案", "arbitration closed", terminal=True),
    State("payment_order_applied", "已申请支付令", "payment order applied for", terminal=True),
    State("withdrawn", "已撤回", "withdrawn", terminal=True),
    State("refused", "不予受理", "refused", terminal=True),
    State("closed", "已结案", "closed", terminal=True),
]

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = edges(
    # trigger                       from                      to                       操作                  English                         who            level  data (key* = required), guards
    ("accept",                      "applied",                "mediating",             "受理",               "accept",                       CASE_HANDLERS),
    ("refuse",                      "applied",                "refused",               "不予受理",           "refuse",                       CASE_HANDLERS, None,  data("reason*")),
    ("sign_agreement",              "mediating",              "agreement_signed",      "签订调解协议",       "sign mediation agreement",     CASE_HANDLERS, None,  data("agreement_claims*", "performance_due")),
    ("fail",                        "mediating",              "failed",                "调解不成",           "record failure",               CASE_HANDLERS, None,  data("reason")),
    ("expire",                      ("applied", "mediating"), "failed",                "调解期限届满",       "mediation period expired",     roles(SYSTEM)),
    ("withdraw",                    ("applied", "mediating"), "withdrawn",             "撤回申请",           "withdraw",                     CASE_HANDLERS, None,  data("reason")),
    ("confirm_performed",           "agreement_signed",       "performed",             "确认协议已履行",     "confirm agreement performed",  CASE_HANDLERS),
    ("report_breach",               "agreement_signed",       "breached",              "登记未履行协议",     "report breach of agreement",   CASE_HANDLERS),
    ("apply_payment_order",         "breached",               "payment_order_applied", "申请支付令",         "apply for payment order",      CASE_HANDLERS, None,  None, PAYMENT_ORDER_ELIGIBLE),
    ("refer_to_arbitration",        ("failed", "breached"),   "arbitration_applied",   "申请劳动仲裁",       "refer to arbitration",         CASE_HANDLERS, None,  data("arbitration_commission")),
    ("close",                       "failed",                 "closed",                "结案（不申请仲裁）", "close without arbitration",    CASE_HANDLERS, None,  data("reason")),
    ("record_arbitration_accepted", "arbitration_applied",    "arbitration_accepted",  "仲裁委已受理",       "arbitration accepted",         CASE_HANDLERS),
    ("record_arbitration_refused",  "arbitration_applied",    "arbitration_closed",    "仲裁委不予受理",     "arbitration refused",          CASE_HANDLERS, None,  data("reason")),
    ("record_award",                "arbitration_accepted",   "arbitration_closed",    "仲裁裁决/调解结案",  "award or settlement recorded", CASE_HANDLERS, None,  data("award")),
)
# fmt: on

DEADLINES = [
    DeadlineRule(
        name="acceptance_decision",
        state="applied",
        days=3,
        unit=WORKING,
        kind=HANDLING,
        on_expiry=ESCALATE,
        citation="企业劳动争议协商调解规定 第十九条",
        label_zh="受理决定",
        label_en="acceptance decision",
        configurable=True,
        pause_citation="企业劳动争议协商调解规定：调解委员会在三个工作日内决定是否受理，"
        "未规定中止计算",
        extension_citation="企业劳动争议协商调解规定：受理决定期限未规定可以延长",
    ),
    DeadlineRule(
        name="mediation_period",
        state="applied",
        runs_in=("applied", "mediating"),
        days=15,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry="expire",
        citation="劳动争议调解仲裁法 第十四条",
        label_zh="调解期限（自收到调解申请之日起）",
        label_en="mediation period (from receipt of the application)",
        pause_citation="劳动争议调解仲裁法 第十四条：自收到调解申请之日起十五日内未达成调解协议的，"
        "当事人可以依法申请仲裁；该期间不中止计算",
        extension_bases=(PARTIES_CONSENT,),
        extension_citation="企业劳动争议协商调解规定 第二十六条：双方当事人同意延期的，可以延长，"
        "未设上限（条号待核）",
    ),
    DeadlineRule(
        name="arbitration_acceptance",
        state="arbitration_applied",
        days=5,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动争议调解仲裁法 第二十九条",
        label_zh="仲裁委受理决定",
        label_en="arbitration acceptance decision",
        pause_citation="劳动争议调解仲裁法 第二十九条：仲裁委员会收到申请之日起五日内决定是否受理；"
        "须补正材料的自补正之日起重新计算（劳动人事争议仲裁办案规则 第四十六条），不中止",
        extension_citation="劳动争议调解仲裁法 第二十九条：受理决定期限不得延长",
    ),
    DeadlineRule(
        name="arbitration_award",
        state="arbitration_accepted",
        days=45,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动争议调解仲裁法 第四十三条",
        label_zh="仲裁裁决期限",
        label_en="arbitration award period",
        pausable=True,
        pause_citation="劳动人事争议仲裁办案规则 第四十六条第（六）项、第四十七条："
        "中止审理期间、公告送达期间不计入仲裁期限",
        extension_bases=(OFFICER_APPROVAL,),
        extension_cap=15,
        extension_citation="劳动争议调解仲裁法 第四十三条：案情复杂需要延期的，经劳动争议仲裁委员会"
        "主任批准，可以延期并书面通知当事人，延长期限不得超过十五日",
    ),
]

WORKFLOW = Workflow(
    name="mediation",
    prefix="MED",
    label_zh="劳动争议调解",
    label_en="labour dispute mediation",
    initial="applied",
    states=STATES,
    transitions=TRANSITIONS,
    deadlines=DEADLINES,
    competence="grassroots",
    citation="劳动争议调解仲裁法",
    spawns=("legal_aid",),
)
