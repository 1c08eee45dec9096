"""Jurisdiction profiles: which regional rules a deployment cites, and the numbers they set.

Workflow definitions and document kinds carry the NATIONAL text (工会法, 工会劳动法律监督办法
总工办发〔2021〕9号, 劳动保障监察条例 ...). A province that has its own rules overrides them here,
keyed the way the deadline-day settings are keyed:

- ``"<workflow>.<rule>"`` — the citation a clock of that rule stores when it starts;
- ``"document.<kind>"`` — the citation printed on (and stored with) a document of that kind.

``deadline_days`` holds the province's numbers for configurable rules (same keys as
``CASEWORK_DEADLINE_<WORKFLOW>_<RULE>``, which still wins), ``guard_settings`` the province's
values of guard settings (the criminal thresholds for wage arrears; the national floor by default).

The profile is chosen by ``CASEWORK_JURISDICTION`` (``national`` by default) and resolved at run
time: when a clock starts and when a document is issued. A national deployment never cites a
province; a Guangdong one never cites Zhejiang.

Pure data: imports nothing from the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

NATIONAL = "national"

# The union's right to demand correction and to ask the government to deal with it, and the
# national procedure of the three letters.
UNION_LAW_BASIS = "工会法 第二十三条；工会劳动法律监督办法（总工办发〔2021〕9号）"


@dataclass(frozen=True)
class Profile:
    name: str
    label_zh: str
    label_en: str
    citations: Mapping[str, str] = field(default_factory=dict)
    deadline_days: Mapping[str, int] = field(default_factory=dict)
    guard_settings: Mapping[str, Any] = field(default_factory=dict)
    # What the profile rests on and what was not verified (shown by `casework` and in docs).
    note_zh: str = ""

    def __post_init__(self) -> None:
        for name in ("citations", "deadline_days", "guard_settings"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def rule_citation(self, workflow: str, rule: str, default: str) -> str:
        """What a clock of ``workflow.rule`` cites here (``default``: the national text)."""
        return self.citations.get(f"{workflow}.{rule}", default)

    def document_citation(self, kind: str, default: str) -> str:
        """What a document of ``kind`` cites here (``default``: the national text)."""
        return self.citations.get(f"document.{kind}", default)


_ZHEJIANG_SUPERVISION = "浙江省工会劳动法律监督条例"

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name=NATIONAL,
            label_zh="全国通用",
            label_en="national",
            note_zh="仅引用全国性法律、行政法规和全国总工会文件。",
        ),
        Profile(
            name="zhejiang",
            label_zh="浙江省",
            label_en="Zhejiang",
            citations={
                "supervision.opinion_letter_reply": f"{_ZHEJIANG_SUPERVISION} 第二十二条"
                "（自收到意见书之日起十五个工作日内书面答复）",
                "document.opinion_letter": f"{UNION_LAW_BASIS}；{_ZHEJIANG_SUPERVISION} 第二十二条"
                "（自收到之日起十五个工作日内书面答复）",
            },
            note_zh="意见书答复期限引用浙江省工会劳动法律监督条例第二十二条；其余沿用全国规定。",
        ),
        Profile(
            name="guangdong",
            label_zh="广东省",
            label_en="Guangdong",
            # No Guangdong text on the three letters could be verified: the national text
            # applies. The wage-crime amounts are those of 粤高法发〔2015〕4号 for the
            # class-one cities (广州、深圳、珠海、佛山、中山、东莞), as republished by law
            # firms; the court's own text was not checked (docs/domain.md §4). Other
            # Guangdong cities: 10000 / 60000.
            guard_settings={"criminal_single_amount": "20000", "criminal_group_amount": "100000"},
            note_zh="未能核实广东省关于“一函两书”的专门规定，沿用全国规定；拒不支付劳动报酬罪数额标准"
            "按粤高法发〔2015〕4号一类地区（广州等）：个人2万元、10人以上10万元（据转载文本，待核对原文；"
            "其他地市为1万元、6万元，可由设置覆盖）。",
        ),
    )
}


def profile(name: str) -> Profile:
    """The profile called ``name`` (KeyError if there is none)."""
    return PROFILES[name]
