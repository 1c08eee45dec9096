"""Closed vocabularies and limits of the engine, declared once.

Models turn them into CHECK constraints, API schemas into ``OneOf`` validators, services into
checks with a message. The workflow vocabulary (org levels, roles, complexity tiers, calendar
units) lives in :mod:`workflows.base`, which cannot import the engine; it is re-exported here so
the engine has one place to import from.
"""

from __future__ import annotations

from workflows.base import (
    EXTENSION_BASES,
    KINDS,
    LEVEL_LABELS_ZH,
    LEVELS,
    ROLES,
    SYSTEM,
    TIER_LABELS_ZH,
    TIERS,
    UNITS,
)
from workflows.documents import DOCUMENT_KINDS

__all__ = [
    "ACTIVE_CLOCK_STATUSES",
    "AGENCY_KINDS",
    "ANSWERED_ON_CALL",
    "CATEGORIES",
    "CATEGORY_LABELS_ZH",
    "EMPLOYER_OPTIONAL",
    "CHANNELS",
    "CLOCK_STATUSES",
    "DAY_UNITS",
    "DEADLINE_KINDS",
    "DOCUMENT_KINDS",
    "DOCUMENT_FORMATS",
    "DOCUMENT_STATUSES",
    "ESCALATION_REASONS",
    "EXTENSION_BASES",
    "FIELDS_REVEALABLE",
    "LEVELS",
    "LEVEL_LABELS_ZH",
    "MANUAL_ESCALATION_REASONS",
    "OUTBOUND_REFUSED_AGENCIES",
    "REFERRAL_DIRECTIONS",
    "REFERRAL_OUTCOMES",
    "REFERRAL_PROCEDURES",
    "REFERRAL_STATUSES",
    "ROLES",
    "SYSTEM",
    "TIERS",
    "TIER_LABELS_ZH",
    "TIP_REPLY_LABELS_ZH",
    "TIP_REPLY_STATUSES",
    "TIP_REPLY_VIEWS",
    "WARNING_LEVELS",
    "WARNING_LEVEL_LABELS_ZH",
    "WARNING_STATUSES",
    "DISPOSITIONS",
    "INDUSTRIES",
    "PROJECT_ROLES",
    "EMPLOYER_REPORTS",
    "check_constraint",
]

DAY_UNITS: tuple[str, ...] = UNITS  # calendar or working days
DEADLINE_KINDS: tuple[str, ...] = KINDS  # statutory or handling
# A clock's life: running ⇄ paused, then stopped (handing over after a lift), expired or met.
CLOCK_STATUSES: tuple[str, ...] = ("running", "paused", "stopped", "expired", "met")
ACTIVE_CLOCK_STATUSES: tuple[str, ...] = ("running", "paused")

# A document is a draft (editable, no number) until it is issued (numbered, immutable).
DOCUMENT_STATUSES: tuple[str, ...] = ("draft", "issued")
# What a document downloads as: format -> media type.
DOCUMENT_FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_DOCUMENT_BODY = 20_000  # characters of a document's 正文
MAX_DOCUMENT_TITLE = 200

# An area-wide 提示函 (one letter to many employers): a recipient's reply is awaited until one
# is recorded; past the reply date an awaited one reads as overdue (computed, not stored).
TIP_REPLY_STATUSES: tuple[str, ...] = ("awaiting", "answered")
TIP_REPLY_VIEWS: tuple[str, ...] = ("awaiting", "answered", "overdue")
TIP_REPLY_LABELS_ZH: dict[str, str] = {
    "awaiting": "待答复",
    "answered": "已答复",
    "overdue": "逾期未答复",
}
MAX_TIP_SCOPE = 200  # "天河区建筑施工企业": whom the letter is for, in words
MAX_TIP_RECIPIENTS = 2000  # employers one letter is sent to
MAX_TIP_REPLY = 2000  # characters of a recorded reply's summary
# More recipients than this: 主送 reads 各有关用人单位 and the names follow as an attachment.
TIP_NAMED_RECIPIENTS = 3

# How a case arrived.
CHANNELS: tuple[str, ...] = ("hotline", "walk_in", "online", "referral")

# Category of a hotline call → the process it opens (None: answered on the work order).
CATEGORIES: dict[str, str | None] = {
    "consultation": None,
    "wage_arrears": "wage_arrears",
    "dispute": "mediation",
    "legal_aid": "legal_aid",
    "violation_report": "supervision",
    "suggestion": None,
    "service_help": None,  # 服务帮扶: a unit helps the worker; no statutory process
    "complaint": None,  # 信访投诉 about a union body: handled by the level above it
}
CATEGORY_LABELS_ZH: dict[str, str] = {
    "consultation": "咨询",
    "wage_arrears": "欠薪",
    "dispute": "劳动争议",
    "legal_aid": "法律援助",
    "violation_report": "违法举报",
    "suggestion": "意见建议",
    "service_help": "服务帮扶",
    "complaint": "信访投诉",
}
# Categories the operator answers on the call (the answer is theirs, and required).
ANSWERED_ON_CALL: tuple[str, ...] = ("consultation", "suggestion")
# Categories that need no employer.
EMPLOYER_OPTIONAL: tuple[str, ...] = ("consultation", "suggestion", "service_help", "complaint")

# Why a case rose one level (上代下), with the words a supervisor reads.
ESCALATION_REASONS: dict[str, str] = {
    "deadline_expired": "办理期限届满未办结",
    "no_union": "用人单位未建工会",
    "cannot_perform": "本级无力办理",
    "conflict_of_interest": "存在利益冲突",
    "requires_higher_level": "需上级工会行使职权",
    "other": "其他原因",
}
# The reasons a unit may give when it asks to be relieved (the deadline is the sweep's).
MANUAL_ESCALATION_REASONS: tuple[str, ...] = tuple(
    r for r in ESCALATION_REASONS if r != "deadline_expired"
)

# Agencies a case is referred to or from (调处联动, 监督联动), with the words officers use.
AGENCY_KINDS: dict[str, str] = {
    "labour_inspection": "人社劳动保障监察",
    "arbitration": "劳动人事争议仲裁委员会",
    "court": "人民法院",
    "procuratorate": "人民检察院",
    "legal_aid": "司法行政部门/法律援助中心",
    "sector_regulator": "住房城乡建设等行业主管部门",
    "public_security": "公安机关",
    "government": "人民政府及其部门",
}
# Agencies the union never refers a matter to itself: a suspected crime of refusing to pay wages
# goes to the police through 人社 (保障农民工工资支付条例 第四十一条); the police appear only as a
# sender (inbound) or as where 人社 transferred a matter (an answer's ``transferred_to``).
OUTBOUND_REFUSED_AGENCIES: tuple[str, ...] = ("public_security",)
# A referral the union sends (outbound) or one it receives and opens a case for (inbound).
REFERRAL_DIRECTIONS: tuple[str, ...] = ("outbound", "inbound")
# Where a referral stands: waiting for the agency within its clock, answered, or past its clock.
REFERRAL_STATUSES: tuple[str, ...] = ("awaiting", "answered", "overdue")
# Special procedures of an agency that set their own clocks (a court's 支付令, 督促程序).
REFERRAL_PROCEDURES: dict[str, str] = {"payment_order": "支付令（督促程序）"}
# What the agency answered.
REFERRAL_OUTCOMES: dict[str, str] = {
    "handled": "已依法处理（责令改正、责令支付、裁决等）",
    "settled": "已调解或和解结案",
    "not_accepted": "不予受理或不予立案",
    "no_violation": "经查未发现违法",
    "transferred": "已移送其他机关",
    "other": "其他",
}
# Labour-relations early warning (劳动关系预警): levels from the mildest, each with its colour.
WARNING_LEVELS: tuple[str, ...] = ("blue", "yellow", "orange", "red")
WARNING_LEVEL_LABELS_ZH: dict[str, str] = {
    "blue": "蓝色预警",
    "yellow": "黄色预警",
    "orange": "橙色预警",
    "red": "红色预警",
}
# A warning is open until someone disposes of it; "overdue" is an open one past its clock.
WARNING_STATUSES: tuple[str, ...] = ("open", "disposed")
WARNING_LIST_STATUSES: tuple[str, ...] = ("open", "disposed", "overdue")
# What a supervisor may do with a warning, with the words the history and the desk show.
DISPOSITIONS: dict[str, str] = {
    "tip_letter": "发出提示函",
    "supervision_case": "立案开展劳动法律监督",
    "merge_calls": "合并职工来电为一件集体案件",
    "joint_meeting": "列入三方（联席）会议议程",
    "dismiss": "排除预警（说明理由）",
}
MAX_DISPOSITION_NOTE = 500

# The employer's profile (用人单位档案): its industry by 门类 of GB/T 4754-2017 (国民经济行业分类).
INDUSTRIES: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
# A party's place in a construction project (工程建设项目).
PROJECT_ROLES: dict[str, str] = {
    "builder": "建设单位",
    "general_contractor": "总承包单位",
    "subcontractor": "分包单位",
}
MAX_PROJECT_NAME = 200
MAX_STAFF = 10_000_000
# What a user may report about an employer that is no case of its own (an event feeding a rule).
EMPLOYER_REPORTS: dict[str, str] = {
    "union_officer_dismissed": "工会干部被解除劳动合同",
}
MAX_REPORT_NOTE = 500

# Personal data a permitted user may reveal on a case.
FIELDS_REVEALABLE: tuple[str, ...] = ("id_number", "phone")

# -- limits ----------------------------------------------------------------------------------
INT32_MAX = 2**31 - 1  # every id column
MAX_AMOUNT_TEXT = "999999999999.99"  # Numeric(14, 2)
MAX_WORKERS = 100_000
MAX_WORKERS_LISTED = 200
MAX_TEXT = 10_000  # comments, summaries, call descriptions
MAX_PER_PAGE = 100
# Lists that page by cursor count their rows up to this many (beyond it: "1,000 or more"), so a
# page of a million-row list costs what a page of a small one does.
TOTAL_CAP = 1_000
MAX_PAGE = 1_000_000
MAX_IDEMPOTENCY_KEY = 255
MAX_USERNAME = 80  # users.username, and the account a failed login names
MAX_CLIENT_ADDRESS = 64  # the client address a failed login names
MAX_ADDRESSEE = 200
MAX_EMPLOYER_NAME = 200
MAX_PERSON_NAME = 120
MAX_MOVE_REASON = 500  # employer_moves.reason
MAX_AGENCY_NAME = 200  # referrals.agency_name
MAX_AGENCY_REF = 64  # the agency's own case number
MAX_REFERRAL_BASIS = 500  # the legal basis cited in a referral
MAX_FILTER_NAME = 40  # saved_filters.name
MAX_SAVED_FILTERS = 20  # per user
# Org unit codes and usernames: letters, digits, '.', '_', '-', starting with a letter or digit.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
MAX_ORG_CODE = 64
MAX_ORG_NAME = 200
MAX_USERNAME = 80
MAX_DISPLAY_NAME = 120
MAX_PASSWORD = 256
MAX_DEADLINE_DAYS = 3650
CALENDAR_YEARS = (1949, 2199)  # the years deadline arithmetic and calendar writes accept


def check_constraint(column: str, values: tuple[str, ...] | list[str] | dict[str, object]) -> str:
    """``column IN ('a', 'b')`` for a CHECK constraint over a closed vocabulary."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


# The hotline console's one-click call-back buttons (满意 / 基本满意 / 不满意 / 未接通 / 拒访): the
# short words operators use, for the outcomes whose full label is longer.
CALLBACK_BUTTON_LABELS: dict[str, str] = {"unreachable": "未接通", "declined": "拒访"}
CALLBACK_BUTTON_WORDS: dict[str, str] = {v: k for k, v in CALLBACK_BUTTON_LABELS.items()}
