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
    # The kind marker: put after the 发文机关代字 by a unit that marks kinds (天工提〔2026〕1号).
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
    # A reply period of the document's own where no clock of the case gives one (days, unit):
    # the 督办函's report back.
    reply_days: int | None = None
    reply_unit: str = "working"
    # What the addressee is asked to do by the reply date ("请于…前（…）书面答复").
    reply_ask_zh: str = "书面答复"
    # States in which the kind's step has already happened without a paper (the system fired
    # it, e.g. the mediation period expired) and the paper may still be issued, firing nothing.
    after_states: tuple[str, ...] = ()
    # Issued by a unit above the one holding the case (a supervisor there), numbered in the
    # issuing unit's own sequence, to the unit holding it: the 督办函.
    from_above: bool = False
    # Issued only while the case is overdue (a clock of it ran out or its nearest one is past).
    needs_overdue: bool = False

    def __post_init__(self) -> None:
        if self.min_level is not None and self.min_level not in LEVELS:
            raise ValueError(f"document kind {self.name}: unknown level {self.min_level!r}")
        if not self.workflows:
            raise ValueError(f"document kind {self.name}: names no workflow")
        if not self.abbr_zh:
            raise ValueError(f"document kind {self.name}: needs a number abbreviation")
        if self.after_states and self.trigger is None:
            raise ValueError(f"document kind {self.name}: after_states needs a trigger")
        if self.reply_unit not in ("working", "calendar"):
            raise ValueError(f"document kind {self.name}: unknown reply unit {self.reply_unit!r}")


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
        reply_ask_zh="完成整改并书面答复",
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
        reply_ask_zh="作出是否立案的决定并书面反馈",
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
        reply_ask_zh="作出是否受理的决定并书面反馈",
    ),
    DocumentKind(
        name="wage_arrears_rejection",
        label_zh="不予受理通知书",
        label_en="notice that a wage-arrears request is not taken up",
        abbr_zh="不",
        citation="工会法 第二十三条；保障农民工工资支付条例 第五十一条（不予受理的，书面告知理由；"
        "劳动者可以依照劳动保障监察条例 第九条向劳动保障行政部门投诉）",
        min_level=None,
        workflows=("wage_arrears",),
        trigger="reject",
    ),
    DocumentKind(
        name="mediation_refusal",
        label_zh="不予受理通知书",
        label_en="notice that a mediation application is not accepted",
        abbr_zh="不",
        citation="企业劳动争议协商调解规定 第二十二条（不属于劳动争议受理范围或者一方当事人不同意"
        "调解的，应当做好记录，并书面通知申请人）",
        min_level=None,
        workflows=("mediation",),
        trigger="refuse",
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
        name="mediation_termination",
        label_zh="终止调解通知书",
        label_en="notice that mediation ended without agreement",
        abbr_zh="调",
        citation="劳动争议调解仲裁法 第十四条（自劳动争议调解组织收到调解申请之日起十五日内未达成"
        "调解协议的，当事人可以依法申请仲裁）",
        min_level=None,
        workflows=("mediation",),
        trigger="fail",
        # The period ran out and the engine failed the case (expire): the notice still goes out.
        after_states=("failed",),
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
        reply_ask_zh="一次性补充提交上述材料",
    ),
    DocumentKind(
        name="legal_aid_grant",
        label_zh="给予法律援助决定书",
        label_en="decision to grant legal aid",
        abbr_zh="援",
        citation="法律援助法 第四十三条（决定给予法律援助的，自作出决定之日起三日内指派法律援助"
        "人员）；工会法 第三十条",
        min_level="county",
        workflows=("legal_aid",),
        trigger="grant",
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
    DocumentKind(
        name="legal_aid_termination",
        label_zh="终止法律援助决定书",
        label_en="decision to end legal aid",
        abbr_zh="援",
        citation="法律援助法 第四十八条（终止法律援助的情形）、第四十九条（对终止决定有异议的，"
        "可以提出异议）；工会法 第三十条",
        min_level=None,
        workflows=("legal_aid",),
        trigger="terminate",
    ),
    # 督办函: the unit above chases the unit holding an overdue case, in writing. Not a step of
    # any process (the case does not move; lifting it is the sweep's act), so it takes no
    # trigger and fits every process; the issuer is the supervising unit, not the holder.
    DocumentKind(
        name="oversight_letter",
        label_zh="督办函",
        label_en="letter chasing an overdue case",
        abbr_zh="督",
        citation="工会法 第十一条（上级工会组织领导下级工会组织）；中华全国总工会 12351职工服务热线"
        "督办要求（逾期未办结的，上级工会书面督办，限期报告办理情况；期限可配置）",
        min_level=None,
        workflows=("mediation", "wage_arrears", "legal_aid", "supervision", "hotline"),
        reply_days=5,
        reply_ask_zh="书面报告办理情况",
        from_above=True,
        needs_overdue=True,
    ),
)

DOCUMENT_KINDS: dict[str, DocumentKind] = {k.name: k for k in _KINDS}


def kinds_for(workflow: str) -> list[DocumentKind]:
    """The kinds that may be issued on a case of ``workflow``, in catalogue order."""
    return [k for k in DOCUMENT_KINDS.values() if workflow in k.workflows]
