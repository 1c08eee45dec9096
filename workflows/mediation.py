"""Labour dispute mediation (劳动争议调解), docs/domain.md §3.

application → acceptance decision → mediation sessions → signed agreement (performed, or breached
→ arbitration / payment order / enforcement of a confirmed agreement) or failure (→ arbitration,
tracked). The 15-day mediation period runs from the day the mediation body received the
application (劳动争议调解仲裁法 第十四条): a dispute reported on the hotline opens the case in
``awaiting_application`` and the period starts on the recorded date of receipt, never at the call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from workflows.base import (
    CALENDAR,
    CASE_HANDLERS,
    ESCALATE,
    HANDLING,
    NOTIFY,
    OFFICER_APPROVAL,
    PARTIES_CONSENT,
    RECEIVED_IN_TIME,
    STATUTORY,
    SYSTEM,
    WORKING,
    DeadlineRule,
    Guard,
    GuardContext,
    State,
    Workflow,
    add_years,
    as_date,
    data,
    edges,
    roles,
)
from workflows.fields import boolean, date, enum, text

# Claims for which 第十六条 lets the worker ask a court for a payment order (支付令).
PAYMENT_ORDER_CLAIMS = frozenset({"wages", "injury_medical", "severance", "damages"})

# 劳动争议调解仲裁法 第十条: the bodies that mediate labour disputes.
MEDIATORS: tuple[tuple[str, str], ...] = (
    ("enterprise", "企业劳动争议调解委员会"),
    ("people", "基层人民调解组织"),
    ("township", "乡镇、街道劳动争议调解组织"),
)
CONFIRMATION_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("confirmed", "已确认（出具仲裁调解书或确认裁定）"),
    ("refused", "不予确认"),
)
# Days after the agreement takes effect in which the parties may jointly seek confirmation.
ARBITRAL_REVIEW_DAYS = 15  # 劳动人事争议仲裁办案规则 第七十四条
JUDICIAL_CONFIRMATION_DAYS = 30  # 人民调解法 第三十三条

# Facts of the arbitration limitation (劳动争议调解仲裁法 第二十七条), recorded on the case.
LIMITATION_STARTS_ON = date(
    "limitation_starts_on",
    "仲裁时效起算日",
    "date the arbitration limitation runs from",
    help_zh="知道或者应当知道权利被侵害之日；时效中断的，填写重新计算之日（第二十七条）",
)
WAGES_IN_EMPLOYMENT = boolean(
    "wages_in_employment",
    "劳动关系存续期间拖欠劳动报酬",
    "wages owed during the employment",
    help_zh="劳动关系存续期间因拖欠劳动报酬发生争议的，不受一年时效限制，终止后一年内提出",
)
EMPLOYMENT_ENDED_ON = date("employment_ended_on", "劳动关系终止之日", "date the employment ended")
LIMITATION_FIELDS = (LIMITATION_STARTS_ON, WAGES_IN_EMPLOYMENT, EMPLOYMENT_ENDED_ON)

EFFECTIVE_ON = date(
    "effective_on",
    "调解协议生效日期",
    "date the agreement took effect",
    help_zh="双方签名或盖章、调解员签名并加盖调解组织印章之日（第十四条）",
)
MEDIATOR = enum("mediator", "调解组织", "mediating body", MEDIATORS)


def limitation(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The arbitration limitation date (``limitation_date``) from the recorded facts.

    One year from the day the worker knew or should have known (第二十七条 第一款), counted
    again from an interruption (第二款: the recorded start is then the new one). Wages owed
    during the employment have no limitation while it lasts, and one year from its end
    (第四款): no date until the end is recorded."""
    start = attributes.get("limitation_starts_on")
    ended = attributes.get("employment_ended_on")
    try:
        if attributes.get("wages_in_employment") is True:
            if not ended:
                return {"limitation_date": None}
            return {"limitation_date": add_years(as_date(ended), 1).isoformat()}
        if start:
            return {"limitation_date": add_years(as_date(start), 1).isoformat()}
    except (TypeError, ValueError, OverflowError):
        # Steps record these typed; a malformed value given at opening computes nothing.
        return {}
    return {}


def _payment_order_claims(ctx: GuardContext) -> bool:
    claims = ctx.get("agreement_claims") or []
    if isinstance(claims, str):
        claims = [claims]
    return bool(set(claims) & PAYMENT_ORDER_CLAIMS)


def _within(days: int) -> Any:
    def check(ctx: GuardContext) -> bool:
        effective = ctx.get("effective_on")
        if not effective:
            return False
        return as_date(effective) <= ctx.today <= as_date(effective) + dt.timedelta(days=days)

    return check


def _people_mediation_in_time(ctx: GuardContext) -> bool:
    return ctx.get("mediator") == "people" and _within(JUDICIAL_CONFIRMATION_DAYS)(ctx)


def _confirmed(ctx: GuardContext) -> bool:
    return ctx.get("confirmation_outcome") == "confirmed"


PAYMENT_ORDER_ELIGIBLE = Guard(
    name="payment_order_eligible",
    reason_zh="只有涉及拖欠劳动报酬、工伤医疗费、经济补偿或赔偿金的调解协议，劳动者才可申请支付令"
    "（劳动争议调解仲裁法 第十六条）",
    reason_en="a payment order is only available for agreements on unpaid wages, work-injury "
    "medical costs, severance or damages (Labour Dispute Mediation and Arbitration Law art. 16)",
    predicate=_payment_order_claims,
)
ARBITRAL_REVIEW_IN_TIME = Guard(
    name="arbitral_review_within_15_days",
    reason_zh="双方当事人应当自调解协议生效之日起十五日内共同申请仲裁审查"
    "（劳动人事争议仲裁办案规则 第七十四条）；请填写调解协议生效日期",
    reason_en="the parties apply jointly for arbitral review within 15 days of the agreement "
    "taking effect (Rules for Handling Labour and Personnel Dispute Arbitration art. 74); "
    "effective_on must be recorded",
    predicate=_within(ARBITRAL_REVIEW_DAYS),
)
JUDICIAL_CONFIRMATION_IN_TIME = Guard(
    name="judicial_confirmation_within_30_days",
    reason_zh="经人民调解委员会调解达成的调解协议，双方当事人可以自协议生效之日起三十日内共同向"
    "人民法院申请司法确认（人民调解法 第三十三条）；请填写调解组织和协议生效日期",
    reason_en="judicial confirmation is for agreements reached before a people's mediation "
    "committee, applied for jointly within 30 days of taking effect (People's Mediation Law "
    "art. 33); mediator and effective_on must be recorded",
    predicate=_people_mediation_in_time,
)
CONFIRMED = Guard(
    name="agreement_confirmed",
    reason_zh="只有经仲裁审查出具调解书或经司法确认的调解协议，才可以直接申请人民法院强制执行",
    reason_en="only an agreement confirmed by arbitral review or by a court can be enforced "
    "by a court directly",
    predicate=_confirmed,
)

STATES = [
    State("awaiting_application", "待收到调解申请", "waiting for the application"),
    State("applied", "已收到申请（待受理）", "application received"),
    State("mediating", "调解中", "mediating"),
    State("agreement_signed", "已签订调解协议", "agreement signed"),
    State("confirmation_applied", "已申请仲裁审查或司法确认", "confirmation applied for"),
    State("confirmation_decided", "确认申请已有结果", "confirmation decided"),
    State("performed", "协议已履行", "agreement performed", terminal=True),
    State("breached", "协议未履行", "agreement not performed"),
    State("failed", "调解不成", "mediation failed"),
    State("arbitration_applied", "已申请仲裁（待受理）", "arbitration applied for"),
    State("arbitration_accepted", "仲裁审理中", "arbitration accepted"),
    State("arbitration_closed", "仲裁已结案", "arbitration closed", terminal=True),
    State("payment_order_applied", "已申请支付令", "payment order applied for", terminal=True),
    State("enforcement_applied", "已申请强制执行", "enforcement applied for", terminal=True),
    State("withdrawn", "已撤回", "withdrawn", terminal=True),
    State("refused", "不予受理", "refused", terminal=True),
    State("closed", "已结案", "closed", terminal=True),
]

SIGNED = ("agreement_signed", "confirmation_applied", "confirmation_decided")

# One row per edge (see workflows.base.edges); data("key*"): recorded on the case, * = required.
# fmt: off
TRANSITIONS = edges(
    # trigger                       from                                     to                       操作                         English                                  who            level  data (key* = required), guards
    ("receive_application",         "awaiting_application",                  "applied",               "登记收到调解申请",           "record receipt of the application",     CASE_HANDLERS, None,  data("received_on*", *LIMITATION_FIELDS), RECEIVED_IN_TIME),
    ("accept",                      "applied",                               "mediating",             "受理",                       "accept",                                CASE_HANDLERS, None,  data(*LIMITATION_FIELDS)),
    ("refuse",                      "applied",                               "refused",               "不予受理",                   "refuse",                                CASE_HANDLERS, None,  data("reason*")),
    ("sign_agreement",              "mediating",                             "agreement_signed",      "签订调解协议",               "sign mediation agreement",              CASE_HANDLERS, None,  data("agreement_claims*", "performance_due*", EFFECTIVE_ON, MEDIATOR)),
    ("fail",                        "mediating",                             "failed",                "调解不成",                   "record failure",                        CASE_HANDLERS, None,  data("reason", *LIMITATION_FIELDS)),
    ("expire",                      ("applied", "mediating"),                "failed",                "调解期限届满",               "mediation period expired",              roles(SYSTEM)),
    ("withdraw",                    ("awaiting_application", "applied", "mediating"), "withdrawn",    "撤回申请",                   "withdraw",                              CASE_HANDLERS, None,  data("reason")),
    ("apply_arbitral_review",       "agreement_signed",                      "confirmation_applied",  "共同申请仲裁审查",           "apply jointly for arbitral review",     CASE_HANDLERS, None,  data("arbitration_commission*", EFFECTIVE_ON), ARBITRAL_REVIEW_IN_TIME),
    ("apply_judicial_confirmation", "agreement_signed",                      "confirmation_applied",  "共同申请司法确认",           "apply jointly for judicial confirmation", CASE_HANDLERS, None, data(text("court*", "人民法院", "court", max_length=200), EFFECTIVE_ON, MEDIATOR), JUDICIAL_CONFIRMATION_IN_TIME),
    ("record_confirmation",         "confirmation_applied",                  "confirmation_decided",  "登记审查或确认结果",         "record the confirmation decision",      CASE_HANDLERS, None,  data(enum("confirmation_outcome*", "审查或确认结果", "outcome", CONFIRMATION_OUTCOMES), "reason")),
    ("confirm_performed",           SIGNED,                                  "performed",             "确认协议已履行",             "confirm agreement performed",           CASE_HANDLERS),
    ("report_breach",               SIGNED,                                  "breached",              "登记未履行协议",             "report breach of agreement",            CASE_HANDLERS, None,  data(*LIMITATION_FIELDS)),
    ("apply_payment_order",         "breached",                              "payment_order_applied", "申请支付令",                 "apply for payment order",               CASE_HANDLERS, None,  None, PAYMENT_ORDER_ELIGIBLE),
    ("apply_enforcement",           "breached",                              "enforcement_applied",   "申请人民法院强制执行",       "apply to a court for enforcement",      CASE_HANDLERS, None,  None, CONFIRMED),
    ("refer_to_arbitration",        ("failed", "breached"),                  "arbitration_applied",   "申请劳动仲裁",               "refer to arbitration",                  CASE_HANDLERS, None,  data("arbitration_commission")),
    ("close",                       "failed",                                "closed",                "结案（不申请仲裁）",         "close without arbitration",             CASE_HANDLERS, None,  data("reason")),
    ("record_limitation",           "awaiting_application",                  "awaiting_application",  "登记仲裁时效事实",           "record the limitation facts",           CASE_HANDLERS, None,  data(*LIMITATION_FIELDS)),
    ("record_limitation",           "mediating",                             "mediating",             "登记仲裁时效事实",           "record the limitation facts",           CASE_HANDLERS, None,  data(*LIMITATION_FIELDS)),
    ("record_limitation",           "failed",                                "failed",                "登记仲裁时效事实",           "record the limitation facts",           CASE_HANDLERS, None,  data(*LIMITATION_FIELDS)),
    ("record_limitation",           "breached",                              "breached",              "登记仲裁时效事实",           "record the limitation facts",           CASE_HANDLERS, None,  data(*LIMITATION_FIELDS)),
    ("record_arbitration_accepted", "arbitration_applied",                   "arbitration_accepted",  "仲裁委已受理",               "arbitration accepted",                  CASE_HANDLERS),
    ("record_arbitration_refused",  "arbitration_applied",                   "arbitration_closed",    "仲裁委不予受理",             "arbitration refused",                   CASE_HANDLERS, None,  data("reason")),
    ("record_award",                "arbitration_accepted",                  "arbitration_closed",    "仲裁裁决/调解结案",          "award or settlement recorded",          CASE_HANDLERS, None,  data("award")),
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
        # Article as our research reads 人社部令第17号; not verified against the gazette text
        # (docs/domain.md §3): the days are configurable.
        citation="企业劳动争议协商调解规定 第二十二条",
        label_zh="受理决定（自收到调解申请之日起）",
        label_en="acceptance decision (from receipt of the application)",
        configurable=True,
        pause_citation="企业劳动争议协商调解规定：调解委员会在三个工作日内决定是否受理，"
        "未规定中止计算",
        extension_citation="企业劳动争议协商调解规定：受理决定期限未规定可以延长",
        starts_from="received_on",
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
        starts_from="received_on",
    ),
    DeadlineRule(
        name="performance",
        state="agreement_signed",
        runs_in=SIGNED,
        days=0,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动争议调解仲裁法 第十四条、第十五条",
        label_zh="调解协议约定的履行期限",
        label_en="performance date agreed in the agreement",
        starts_from="performance_due",
    ),
    DeadlineRule(
        name="arbitration_acceptance",
        state="arbitration_applied",
        days=5,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        # 第二十九条 says 五日; whether calendar or working days is not settled in our sources
        # (to verify): the number is configurable and the unit is stated in docs/domain.md §3.
        citation="劳动争议调解仲裁法 第二十九条（“五日”，计日方式待核实）",
        label_zh="仲裁委受理决定",
        label_en="arbitration acceptance decision",
        pause_citation="劳动争议调解仲裁法 第二十九条：仲裁委员会收到申请之日起五日内决定是否受理；"
        "须补正材料的自补正之日起重新计算（劳动人事争议仲裁办案规则 第四十六条），不中止",
        extension_citation="劳动争议调解仲裁法 第二十九条：受理决定期限不得延长",
        configurable=True,
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

# The arbitration limitation is watched while arbitration is still to be sought: notices 30 and
# 7 days before ``limitation_date`` (computed by :func:`limitation`) to the unit's supervisors and
# the assignee. A notice day already past is skipped; the last is sent at once instead.
BEFORE_ARBITRATION = (
    "awaiting_application",
    "applied",
    "mediating",
    *SIGNED,
    "breached",
    "failed",
)
DEADLINES += [
    DeadlineRule(
        name=f"limitation_notice_{days}",
        state=BEFORE_ARBITRATION[0],
        runs_in=BEFORE_ARBITRATION,
        days=days,
        unit=CALENDAR,
        kind=STATUTORY,
        on_expiry=NOTIFY,
        citation="劳动争议调解仲裁法 第二十七条",
        label_zh=f"仲裁时效届满前{label}日提示",
        label_en=f"{days} days before the arbitration limitation ends",
        before="limitation_date",
    )
    for days, label in ((30, "三十"), (7, "七"))
]

WORKFLOW = Workflow(
    name="mediation",
    prefix="MED",
    label_zh="劳动争议调解",
    label_en="labour dispute mediation",
    initial="applied",
    entries=("awaiting_application",),
    states=STATES,
    transitions=TRANSITIONS,
    deadlines=DEADLINES,
    competence="grassroots",
    citation="劳动争议调解仲裁法",
    spawns=("legal_aid",),
    derive=limitation,
    mergeable=True,
)
