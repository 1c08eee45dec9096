"""Pure rules of the referral ledger: reading agency kinds and outcomes (code or 中文 label), the
clock a referral runs on in its stage, and which workflow step a ledger act moves.

No session and no unit of work: what a rule needs is passed in (the referral row, the calendar,
the configured periods).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from casework.core.errors import InvalidInput
from casework.core.time import end_of_day
from casework.core.vocab import (
    AGENCY_KINDS,
    OUTBOUND_REFUSED_AGENCIES,
    REFERRAL_OUTCOMES,
    REFERRAL_PROCEDURES,
)
from workflows.referrals import FILED, RECEIVED, ClockProfile, Stage, profile_for

if TYPE_CHECKING:
    from casework.clocks.calendar import WorkCalendar
    from casework.models import Referral

# -- vocabularies: the code or its 中文 label ----------------------------------------------------


def _choice(field: str, value: Any, choices: Mapping[str, str], what_zh: str) -> str:
    if isinstance(value, str):
        text = value.strip()
        for code, label in choices.items():
            if text in (code, label):
                return code
    listed = "、".join(f"{c}（{z}）" for c, z in choices.items())
    raise InvalidInput(
        field,
        f"{what_zh}必须是以下之一（代码或中文名称）：{listed}",
        f"must be one of {', '.join(choices)} (the code or its Chinese label)",
    )


def agency_kind(value: Any, field: str = "agency_kind") -> str:
    return _choice(field, value, AGENCY_KINDS, "机关类别")


def outbound_agency_kind(value: Any) -> str:
    """An agency the union may refer a matter to itself."""
    kind = agency_kind(value)
    if kind in OUTBOUND_REFUSED_AGENCIES:
        raise InvalidInput(
            "agency_kind",
            "工会不直接向公安机关移送：涉嫌拒不支付劳动报酬罪的线索，由工会提请"
            "人力资源社会保障部门（劳动保障监察）依法移送公安机关（保障农民工工资支付条例 "
            "第四十一条）；请改为向人社部门移送（agency_kind=labour_inspection）",
            "the union does not refer matters to the police itself: it asks the labour "
            "inspectorate (人社) to transfer a suspected wage crime (Regulations on Migrant "
            "Workers' Wages art. 41); refer to labour_inspection instead",
        )
    return kind


def outcome(value: Any) -> str:
    return _choice("outcome", value, REFERRAL_OUTCOMES, "处理结果")


def procedure(value: Any, kind: str) -> str | None:
    if value is None or value == "":
        return None
    code = _choice("procedure", value, REFERRAL_PROCEDURES, "程序")
    if kind != "court":
        raise InvalidInput(
            "procedure", "支付令只能向人民法院申请", "a payment order is a court's procedure"
        )
    return code


# -- the clock of a referral ---------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    stage: Stage
    started_on: dt.date
    days: int
    due_on: dt.date
    calendar_verified: bool
    citation: str

    @property
    def due_at(self) -> dt.datetime:
        return end_of_day(self.due_on)


def stage_days(profile: ClockProfile, stage: Stage, periods: Mapping[str, int]) -> int:
    return periods.get(f"{profile.name}.{stage.name}", stage.days)


def extension_cap(profile: ClockProfile, stage: Stage, periods: Mapping[str, int]) -> int:
    if not stage.extension_days:
        return 0
    return periods.get(f"{profile.name}.{stage.name}.extension", stage.extension_days)


def current_stage(profile: ClockProfile, filed_on: dt.date | None) -> Stage:
    """The first stage until the agency has opened its case (立案), then the second, if any."""
    if filed_on is not None and len(profile.stages) > 1:
        return profile.stages[1]
    return profile.stages[0]


def clock_of(
    r: Referral, cal: WorkCalendar, periods: Mapping[str, int]
) -> tuple[ClockProfile, Clock] | None:
    """The clock ``r`` runs on now (None: answered, inbound, or an agency without clocks)."""
    if r.direction != "outbound" or r.answered_on is not None:
        return None
    profile = profile_for(r.agency_kind, r.procedure)
    if profile is None:
        return None
    stage = current_stage(profile, r.filed_on)
    start = (r.received_on or r.sent_on) if stage.starts == RECEIVED else r.filed_on
    assert start is not None  # a FILED stage is current only once filed_on is set
    days = stage_days(profile, stage, periods)
    end = cal.period_end(start, days, stage.unit)
    citation = stage.citation
    if r.extended_days and stage.extension_days:
        end = cal.period_end(end, r.extended_days, stage.extension_unit)
        citation = f"{citation}；{stage.extension_citation}"
    due = cal.roll(end)
    return profile, Clock(stage, start, days, due, cal.verified_between(start, due), citation[:255])


# -- the workflow step a ledger act moves ------------------------------------------------------

REFER, FILE, ANSWER = "refer", "file", "answer"


@dataclass(frozen=True)
class StepLink:
    """``act`` on a referral to ``agency`` (``court:payment_order`` for a court's payment order)
    on a case of ``workflow`` fires ``trigger`` where it is valid from the case's state, with the
    facts the ledger knows as its data (the caller's ``data`` adds the rest)."""

    workflow: str
    agency: str
    act: str
    trigger: str
    facts: Callable[[Referral], dict[str, Any]] = lambda r: {}
    outcomes: tuple[str, ...] = ()  # for an answer: only these outcomes (empty: any)
    transferred_to: str | None = None  # for an answer: only a transfer to this agency


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


STEP_LINKS: tuple[StepLink, ...] = (
    # wage arrears: 提请劳动保障监察 → 人社立案 (the 60 working days count from it) ...
    StepLink("wage_arrears", "labour_inspection", REFER, "refer_to_inspection"),
    StepLink(
        "wage_arrears",
        "labour_inspection",
        FILE,
        "record_inspection_filed",
        lambda r: {"filed_on": _iso(r.filed_on), "inspectorate": r.agency_name},
    ),
    # ... after an order to pay was not met, the union asks 人社 to transfer the crime to the
    # police (it never refers to the police itself), and records what 人社 did.
    StepLink(
        "wage_arrears",
        "labour_inspection",
        REFER,
        "refer_criminal",
        lambda r: {"hrss_department": r.agency_name},
    ),
    StepLink(
        "wage_arrears",
        "labour_inspection",
        ANSWER,
        "record_criminal_transfer",
        lambda r: {"transferred_on": _iso(r.answered_on)},
        outcomes=("transferred",),
        transferred_to="public_security",
    ),
    StepLink(
        "wage_arrears",
        "arbitration",
        REFER,
        "seek_legal_remedy",
        lambda r: {"remedy": "arbitration"},
    ),
    StepLink(
        "wage_arrears",
        "court:payment_order",
        REFER,
        "seek_legal_remedy",
        lambda r: {"remedy": "payment_order"},
    ),
    StepLink(
        "wage_arrears", "court", REFER, "seek_legal_remedy", lambda r: {"remedy": "litigation"}
    ),
    # mediation: arbitration after a failed mediation or a breach; a payment order on a breach.
    StepLink(
        "mediation",
        "arbitration",
        REFER,
        "refer_to_arbitration",
        lambda r: {"arbitration_commission": r.agency_name},
    ),
    StepLink("mediation", "arbitration", FILE, "record_arbitration_accepted"),
    StepLink(
        "mediation",
        "arbitration",
        ANSWER,
        "record_arbitration_refused",
        lambda r: {"reason": r.answer},
        outcomes=("not_accepted",),
    ),
    StepLink(
        "mediation",
        "arbitration",
        ANSWER,
        "record_award",
        lambda r: {"award": r.answer},
        outcomes=("handled", "settled", "no_violation", "other"),
    ),
    StepLink("mediation", "court:payment_order", REFER, "apply_payment_order"),
    # supervision (一函两书): the procuratorate; a department opening a case on a 建议书.
    StepLink("supervision", "procuratorate", REFER, "refer_to_procuratorate"),
    *(
        StepLink(
            "supervision",
            agency,
            FILE,
            "record_department_decision",
            lambda r: {"department": r.agency_name, "filed_on": _iso(r.filed_on)},
        )
        for agency in ("labour_inspection", "sector_regulator", "government")
    ),
)


def agency_key(kind: str, proc: str | None) -> str:
    return f"{kind}:{proc}" if proc else kind


def step_links(workflow: str, r: Referral, act: str) -> list[StepLink]:
    """The steps ``act`` on ``r`` may move on a case of ``workflow``, in table order (the caller
    fires the first one valid from the case's state)."""
    key = agency_key(r.agency_kind, r.procedure)
    return [
        s
        for s in STEP_LINKS
        if s.workflow == workflow
        and s.agency == key
        and s.act == act
        and (not s.outcomes or r.outcome in s.outcomes)
        and (s.transferred_to is None or r.transferred_to == s.transferred_to)
    ]


__all__ = ["ANSWER", "FILE", "FILED", "REFER", "RECEIVED", "Clock", "StepLink", "clock_of"]
