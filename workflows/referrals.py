"""The clocks an agency's own law sets for a matter the union refers to it (调处联动).

A referral runs through at most two stages, each with its period and legal basis:

- the first counts from the day the agency received the referral (until that day is recorded,
  from the day it was sent): the decision to accept it (受理 / 立案审查), or, where no law sets
  stages, the whole time the union waits for an answer (a configurable period);
- the second counts from the day the agency opened its case (立案 / 受理): labour inspection's
  investigation, an arbitration award, a court's payment order. An agency may extend it once,
  where its law allows, by at most ``extension_days``.

Every number here is a default: an administrator sets any of them with
``CASEWORK_REFERRAL_<PROFILE>_<STAGE>`` (and ``..._EXTENSION``), e.g.
``CASEWORK_REFERRAL_PROCURATORATE_RESPONSE=20`` (see :mod:`casework.core.settings`). Counting
follows the engine's calendar (docs/domain.md §1): the first day is not counted; working days
are official working days; a calendar-day period ending on a rest day moves to the next working
day.

Pure data: imports nothing from the project but :mod:`workflows.base`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.base import CALENDAR, WORKING

RECEIVED = "received"  # counted from the day the agency received the referral
FILED = "filed"  # counted from the day the agency opened its case (立案 / 受理)

# 无统一法定期限: the union's own follow-up period.
OWN_PERIOD_ZH = "无统一法定答复期限：工会跟踪反馈期限（可配置）"


@dataclass(frozen=True)
class Stage:
    name: str
    label_zh: str
    days: int
    unit: str
    starts: str  # RECEIVED or FILED
    citation: str
    extension_days: int = 0
    extension_unit: str = ""
    extension_citation: str = ""

    def __post_init__(self) -> None:
        if self.unit not in (CALENDAR, WORKING) or self.starts not in (RECEIVED, FILED):
            raise ValueError(f"stage {self.name}: bad unit or start")
        if self.extension_days and self.extension_unit not in (CALENDAR, WORKING):
            raise ValueError(f"stage {self.name}: an extension needs its unit")


@dataclass(frozen=True)
class ClockProfile:
    """The stages of one agency's (or one procedure's) clocks, first to last."""

    name: str
    label_zh: str
    stages: tuple[Stage, ...]

    def __post_init__(self) -> None:
        if not self.stages or self.stages[0].starts != RECEIVED:
            raise ValueError(f"profile {self.name}: the first stage counts from receipt")
        if any(s.starts != FILED for s in self.stages[1:]):
            raise ValueError(f"profile {self.name}: later stages count from 立案")

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def _response(name: str, label_zh: str, days: int = 30, unit: str = CALENDAR) -> ClockProfile:
    return ClockProfile(
        name,
        label_zh,
        (Stage("response", "答复反馈", days, unit, RECEIVED, OWN_PERIOD_ZH),),
    )


PROFILES: dict[str, ClockProfile] = {
    p.name: p
    for p in (
        ClockProfile(
            "labour_inspection",
            "劳动保障监察",
            (
                Stage(
                    "acceptance",
                    "受理立案审查",
                    5,
                    WORKING,
                    RECEIVED,
                    "关于实施《劳动保障监察条例》若干规定 第十八条（自接到投诉之日起5个工作日内"
                    "决定是否受理）",
                ),
                Stage(
                    "investigation",
                    "调查处理（自立案之日起）",
                    60,
                    WORKING,
                    FILED,
                    "劳动保障监察条例 第十七条（自立案之日起60个工作日内完成）",
                    extension_days=30,
                    extension_unit=WORKING,
                    extension_citation="劳动保障监察条例 第十七条（情况复杂的，经劳动保障行政部门"
                    "负责人批准，可以延长30个工作日）",
                ),
            ),
        ),
        ClockProfile(
            "arbitration",
            "劳动人事争议仲裁",
            (
                Stage(
                    "acceptance",
                    "受理审查",
                    5,
                    CALENDAR,
                    RECEIVED,
                    "劳动争议调解仲裁法 第二十九条（收到仲裁申请之日起五日内决定是否受理）",
                ),
                Stage(
                    "award",
                    "仲裁裁决（自受理之日起）",
                    45,
                    CALENDAR,
                    FILED,
                    "劳动争议调解仲裁法 第四十三条（自受理仲裁申请之日起四十五日内结束）",
                    extension_days=15,
                    extension_unit=CALENDAR,
                    extension_citation="劳动争议调解仲裁法 第四十三条（案情复杂需要延期的，经仲裁"
                    "委员会主任批准，可以延期并书面通知当事人，延长期限不得超过十五日）",
                ),
            ),
        ),
        ClockProfile(
            "payment_order",
            "人民法院支付令（督促程序）",
            (
                Stage(
                    "acceptance",
                    "受理审查",
                    5,
                    CALENDAR,
                    RECEIVED,
                    "民事诉讼法 督促程序（债权人提出申请后，人民法院应当在五日内通知是否受理）；"
                    "劳动争议调解仲裁法 第十六条",
                ),
                Stage(
                    "payment_order",
                    "发出支付令（自受理之日起）",
                    15,
                    CALENDAR,
                    FILED,
                    "民事诉讼法 督促程序（受理之日起十五日内向债务人发出支付令或裁定驳回）",
                ),
            ),
        ),
        _response("court", "人民法院"),
        _response("procuratorate", "人民检察院"),
        ClockProfile(
            "legal_aid",
            "法律援助机构",
            (
                Stage(
                    "response",
                    "审查决定",
                    7,
                    WORKING,
                    RECEIVED,
                    "法律援助法 第四十三条（自收到申请之日起七日内审查并作出决定；"
                    "日数按省规定计算，可配置）",
                ),
            ),
        ),
        _response("sector_regulator", "行业主管部门"),
        _response("government", "人民政府及其部门"),
    )
}

# The procedure a referral to a court may name that has clocks of its own.
PROCEDURE_PROFILES: dict[tuple[str, str], str] = {("court", "payment_order"): "payment_order"}


def profile_for(agency_kind: str, procedure: str | None = None) -> ClockProfile | None:
    """The clocks of a referral to ``agency_kind`` (in ``procedure``), or None where the union
    never refers to that agency itself (the police)."""
    name = PROCEDURE_PROFILES.get((agency_kind, procedure or ""), agency_kind)
    return PROFILES.get(name)


def setting_keys() -> dict[str, int]:
    """Every period an administrator may set, with its default: ``profile.stage`` and
    ``profile.stage.extension``."""
    out: dict[str, int] = {}
    for p in PROFILES.values():
        for s in p.stages:
            out[f"{p.name}.{s.name}"] = s.days
            if s.extension_days:
                out[f"{p.name}.{s.name}.extension"] = s.extension_days
    return out
