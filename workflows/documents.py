"""Numbered documents a union issues on a case: "一函两书" and the others the processes name.

Each kind says which processes it may be issued on, the legal basis printed on it, the lowest
org level that may issue it, the workflow trigger issuing it advances (so the document and the
state change are one act), and the deadline rule whose clock gives the addressee's reply date.

Citations follow the style of the workflow definitions (law, then article) so that a document
cites what its workflow's transition and clocks already cite; the tests check they agree.

The citations here are the national text; a province's own rules replace them through the
jurisdiction profile (:mod:`workflows.jurisdiction`, key ``document.<kind>``) when a document is
issued.

Pure data: imports nothing from the project but :mod:`workflows.base` and
:mod:`workflows.jurisdiction`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.base import LEVELS
from workflows.jurisdiction import UNION_LAW_BASIS


@dataclass(frozen=True)
class DocumentKind:
    name: str
    label_zh: str
    label_en: str
    # The character(s) of the document number, as in 〔2026〕建字第001号.
    abbr_zh: str
    # Legal basis, printed on the document and stored with it.
    citation: str
    # Lowest org level of the issuing unit (the unit owning the case), or None.
    min_level: str | None
    # Workflows it may be issued on.
    workflows: tuple[str, ...]
    # The trigger issuing it fires (valid-from states come from the workflow), or None.
    trigger: str | None = None
    # The case's DeadlineRule whose running clock is the reply deadline, or None.
    reply_rule: str | None = None

    def __post_init__(self) -> None:
        if self.min_level is not None and self.min_level not in LEVELS:
            raise ValueError(f"document kind {self.name}: unknown level {self.min_level!r}")
        if not self.workflows:
            raise ValueError(f"document kind {self.name}: names no workflow")
        if not self.abbr_zh:
            raise ValueError(f"document kind {self.name}: needs a number abbreviation")


# 工会法 第二十三条: the union's right to demand correction and to ask the government to act.
SUPERVISION_BASIS = UNION_LAW_BASIS

_KINDS = (
    DocumentKind(
        name="tip_letter",
        label_zh="工会劳动法律监督提示函",
        label_en="labour-law supervision tip letter",
        abbr_zh="提",
        citation=SUPERVISION_BASIS,
        min_level=None,
        workflows=("supervision",),
        trigger="issue_tip_letter",
        reply_rule="tip_letter_reply",
    ),
    DocumentKind(
        name="opinion_letter",
        label_zh="工会劳动法律监督意见书",
        label_en="labour-law supervision opinion letter",
        abbr_zh="意",
        citation=f"{SUPERVISION_BASIS}；工会劳动法律监督办法 第二十条（工会主席或副主席签发；"
        "用人单位自接到之日起十五个工作日内书面答复，各省可不同）",
        min_level=None,
        workflows=("supervision",),
        trigger="issue_opinion_letter",
        reply_rule="opinion_letter_reply",
    ),
    DocumentKind(
        name="suggestion_letter",
        label_zh="工会劳动法律监督建议书",
        label_en="labour-law supervision suggestion letter",
        abbr_zh="建",
        citation=f"{SUPERVISION_BASIS}；工会劳动法律监督办法 第二十一条（县级以上地方总工会向同级"
        "行政部门发出；部门立案决定和反馈期限各省可不同）",
        min_level="county",
        workflows=("supervision",),
        trigger="issue_suggestion_letter",
        reply_rule="suggestion_decision",
    ),
    DocumentKind(
        name="supervision_decline",
        label_zh="不予受理告知书",
        label_en="written notice that a report is not taken up",
        abbr_zh="不",
        citation=f"{SUPERVISION_BASIS}（五个工作日内书面告知不予受理及理由，可配置）",
        min_level=None,
        workflows=("supervision",),
        trigger="decline_report",
    ),
    DocumentKind(
        name="procuratorate_referral",
        label_zh="移送检察机关函",
        label_en="referral to the procuratorate",
        abbr_zh="检",
        citation="最高人民检察院、中华全国总工会《关于协同推进运用“一函两书”制度保障劳动者"
        "权益工作的通知》（2024）",
        min_level="county",
        workflows=("supervision",),
        trigger="refer_to_procuratorate",
    ),
    DocumentKind(
        name="inspection_referral",
        label_zh="提请劳动保障监察处理函",
        label_en="referral to labour inspection",
        abbr_zh="监",
        citation="工会法 第二十三条；保障农民工工资支付条例 第五十一条；"
        "劳动保障监察条例 第十七条、第二十条；关于实施《劳动保障监察条例》若干规定 第十八条",
        min_level=None,
        workflows=("wage_arrears",),
        trigger="refer_to_inspection",
        reply_rule="inspection_decision",
    ),
    DocumentKind(
        name="mediation_agreement",
        label_zh="调解协议书",
        label_en="mediation agreement",
        abbr_zh="调",
        citation="劳动争议调解仲裁法 第十四条",
        min_level=None,
        workflows=("mediation",),
        trigger="sign_agreement",
    ),
    DocumentKind(
        name="legal_aid_materials_notice",
        label_zh="补充材料告知书",
        label_en="notice of missing materials",
        abbr_zh="补",
        citation="法律援助法 第四十三条（一次性告知需要补充的材料）",
        min_level=None,
        workflows=("legal_aid",),
        trigger="request_materials",
        reply_rule="materials",
    ),
    DocumentKind(
        name="legal_aid_denial",
        label_zh="不予法律援助决定书",
        label_en="decision to deny legal aid",
        abbr_zh="援",
        citation="法律援助法 第四十三条（决定不给予法律援助的，书面告知并说明理由）；"
        "工会法 第三十条",
        min_level="county",
        workflows=("legal_aid",),
        trigger="deny",
    ),
)

DOCUMENT_KINDS: dict[str, DocumentKind] = {k.name: k for k in _KINDS}


def kinds_for(workflow: str) -> list[DocumentKind]:
    """The kinds that may be issued on a case of ``workflow``, in catalogue order."""
    return [k for k in DOCUMENT_KINDS.values() if workflow in k.workflows]
