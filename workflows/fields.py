"""Typed step data: the fields a transition records, each with a type, labels and checks.

A transition declares its fields with ``data("reason*", "performance_due")`` (see
:func:`workflows.base.data`): each name is looked up in :data:`CATALOGUE`, so one key means the
same thing in every process, and ``*`` marks it required. A process with a field of its own
passes a :class:`Field` instead of a name (``data(enum("outcome*", "结果", "outcome", OUTCOMES))``).

:meth:`Field.parse` turns what a client sent into the value stored on the case (JSON-ready:
dates as ``YYYY-MM-DD``, money as a string of yuan with two places, enumerations as their
codes), or raises :class:`FieldError` saying, in Chinese and English, what is wrong. Values a
later step depends on (the claims of a mediation agreement, a repayment date) are checked here,
at the step that records them, not when the later step finds them unusable.

Pure data: imports nothing from the project.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

TEXT = "text"
DATE = "date"
MONEY = "money"
INTEGER = "integer"
ENUM = "enum"
BOOLEAN = "boolean"
PERSON = "person"
UNIT = "unit"
ORG_UNIT = "org_unit"  # one of our own union bodies, by id: the case moves there
KINDS: tuple[str, ...] = (TEXT, DATE, MONEY, INTEGER, ENUM, BOOLEAN, PERSON, UNIT, ORG_UNIT)
KIND_LABELS_ZH: dict[str, str] = {
    TEXT: "文字",
    DATE: "日期",
    MONEY: "金额（元）",
    INTEGER: "整数",
    ENUM: "选项",
    BOOLEAN: "是/否",
    PERSON: "人员姓名",
    UNIT: "单位名称",
    ORG_UNIT: "工会组织",
}

MAX_TEXT = 10000
MAX_NAME = 100
MAX_ITEMS = 50
MAX_MONEY = Decimal("999999999999.99")
# Dates a step may record: wide enough for any limitation period, narrow enough to catch typos.
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)
_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_INTEGER = re.compile(r"^-?\d{1,9}$")
BOOLEAN_WORDS = {"是": True, "否": False}


class FieldError(ValueError):
    """A value a field cannot take, with the reason in Chinese and English."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass(frozen=True)
class Field:
    """One item of a transition's data.

    ``choices`` (enumerations) are ``(code, 中文)`` pairs; both are accepted on input and the code
    is stored. ``many`` takes a list (of codes, of names, of text items).
    """

    name: str
    kind: str
    label_zh: str
    label_en: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    many: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = MAX_TEXT
    help_zh: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"field {self.name!r}: the name must be an identifier")
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: kind must be one of {', '.join(KINDS)}")
        if (self.kind == ENUM) != bool(self.choices):
            raise ValueError(f"field {self.name}: enumerations, and only they, have choices")
        codes = [c for c, _ in self.choices]
        labels = [z for _, z in self.choices]
        if len(set(codes)) != len(codes) or len(set(labels)) != len(labels):
            raise ValueError(f"field {self.name}: choice codes and labels must be distinct")

    # -- reading a value -----------------------------------------------------------------

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.choices)

    def label_of(self, code: str) -> str:
        return dict(self.choices).get(code, code)

    def parse(self, value: Any) -> Any:
        """The stored form of ``value``, or :class:`FieldError`. ``None`` stays ``None``."""
        if value is None:
            return None
        if self.many:
            items = value if isinstance(value, list) else [value]
            if len(items) > MAX_ITEMS:
                raise FieldError(f"最多 {MAX_ITEMS} 项", f"at most {MAX_ITEMS} items")
            parsed = [self._one(v) for v in items]
            out = [v for v in parsed if v is not None]
            return list(dict.fromkeys(out))  # each item once, in the order given
        return self._one(value)

    def is_blank(self, parsed: Any) -> bool:
        return parsed is None or parsed == "" or parsed == []

    def _one(self, value: Any) -> Any:
        parse = _PARSERS[self.kind]
        return parse(self, value)

    # -- describing it -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "required": self.required,
            "many": self.many,
            "choices": [{"code": c, "label_zh": z} for c, z in self.choices],
            "minimum": self.minimum,
            "maximum": self.maximum,
            "max_length": self.max_length if self.kind in (TEXT, PERSON, UNIT) else None,
            "help_zh": self.help_zh,
        }

    def json_schema(self) -> dict[str, Any]:
        """The field as an OpenAPI 3.0 schema object (what the API accepts)."""
        one: dict[str, Any]
        if self.kind == DATE:
            one = {"type": "string", "format": "date"}
        elif self.kind == MONEY:
            one = {"type": "string", "pattern": _MONEY.pattern, "example": "8600.00"}
        elif self.kind == ORG_UNIT:
            one = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
        elif self.kind == INTEGER:
            one = {"type": "integer"}
            if self.minimum is not None:
                one["minimum"] = self.minimum
            if self.maximum is not None:
                one["maximum"] = self.maximum
        elif self.kind == ENUM:
            one = {"type": "string", "enum": [*self.codes, *(z for _, z in self.choices)]}
        elif self.kind == BOOLEAN:
            one = {"type": "boolean"}
        else:
            one = {"type": "string", "maxLength": self.max_length}
        schema: dict[str, Any] = {"type": "array", "items": one} if self.many else one
        described = f"{self.label_zh} · {self.label_en}"
        if self.choices:
            described += "：" + "，".join(f"{c} {z}" for c, z in self.choices)
        return {**schema, "description": described, "nullable": not self.required}


def _text(field: Field, value: Any) -> str | None:
    if not isinstance(value, str):
        raise FieldError("应为文字", "must be a string")
    text = value.strip()
    if "\x00" in text:
        raise FieldError("含有不可见的控制字符", "must not contain NUL characters")
    if len(text) > field.max_length:
        raise FieldError(f"不超过 {field.max_length} 字", f"at most {field.max_length} characters")
    return text or None


def _date(field: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError("应为日期，格式 YYYY-MM-DD", "must be a date as YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(
            "应为日期，格式 YYYY-MM-DD（如 2026-03-15）", "must be a date as YYYY-MM-DD"
        ) from None
    if len(value.strip()) != 10:
        raise FieldError("应为日期，格式 YYYY-MM-DD", "must be a date as YYYY-MM-DD")
    if not FIRST_DATE <= day <= LAST_DATE:
        raise FieldError(
            f"日期应在 {FIRST_DATE.year} 年至 {LAST_DATE.year} 年之间",
            f"must be between {FIRST_DATE} and {LAST_DATE}",
        )
    return day.isoformat()


def _money(field: Field, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise FieldError("应为金额（元），如 8600 或 8600.50", "must be an amount of yuan")
    text = str(value).strip() if not isinstance(value, float) else repr(value)
    if not _MONEY.match(text):
        raise FieldError(
            "应为阿拉伯数字金额（元），最多两位小数，如 8600 或 8600.50",
            "must be a non-negative amount of yuan in digits, at most two decimal places",
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise FieldError("应为金额（元）", "must be an amount of yuan") from None
    if amount > MAX_MONEY:
        raise FieldError("金额超过上限", f"must be at most {MAX_MONEY}")
    return str(amount.quantize(Decimal("0.01")))


def _integer(field: Field, value: Any) -> int:
    if isinstance(value, bool):
        raise FieldError("应为整数", "must be a whole number")
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise FieldError("应为整数", "must be a whole number")
    low = field.minimum if field.minimum is not None else -(2**31)
    high = field.maximum if field.maximum is not None else 2**31 - 1
    if not low <= value <= high:
        raise FieldError(f"应在 {low} 到 {high} 之间", f"must be from {low} to {high}")
    return value


def _enum(field: Field, value: Any) -> str:
    if isinstance(value, str):
        key = value.strip()
        for code, label in field.choices:
            if key in (code, label):
                return code
    options = "、".join(z for _, z in field.choices)
    raise FieldError(f"应为以下之一：{options}", f"must be one of {', '.join(field.codes)}")


def _boolean(field: Field, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[value.strip()]
    raise FieldError("应为 是 或 否（true / false）", "must be true or false")


def _org_unit(field: Field, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise FieldError("应为工会组织的编号（id）", "must be the id of an org unit")
    return value


_PARSERS = {
    TEXT: _text,
    DATE: _date,
    MONEY: _money,
    INTEGER: _integer,
    ENUM: _enum,
    BOOLEAN: _boolean,
    PERSON: _text,
    UNIT: _text,
    ORG_UNIT: _org_unit,
}


# -- building fields -------------------------------------------------------------------------


def _named(name: str) -> tuple[str, bool]:
    return name.removesuffix("*"), name.endswith("*")


def text(name: str, label_zh: str, label_en: str, *, many: bool = False, **kw: Any) -> Field:
    key, required = _named(name)
    return Field(key, TEXT, label_zh, label_en, required=required, many=many, **kw)


def date(name: str, label_zh: str, label_en: str, **kw: Any) -> Field:
    key, required = _named(name)
    return Field(key, DATE, label_zh, label_en, required=required, **kw)


def money(name: str, label_zh: str, label_en: str, **kw: Any) -> Field:
    key, required = _named(name)
    return Field(key, MONEY, label_zh, label_en, required=required, **kw)


def integer(
    name: str, label_zh: str, label_en: str, *, minimum: int, maximum: int, **kw: Any
) -> Field:
    key, required = _named(name)
    return Field(
        key, INTEGER, label_zh, label_en, required=required, minimum=minimum, maximum=maximum, **kw
    )


def enum(
    name: str,
    label_zh: str,
    label_en: str,
    choices: Iterable[tuple[str, str]] | Mapping[str, str],
    *,
    many: bool = False,
    **kw: Any,
) -> Field:
    key, required = _named(name)
    pairs = tuple(choices.items()) if isinstance(choices, Mapping) else tuple(choices)
    return Field(key, ENUM, label_zh, label_en, required=required, choices=pairs, many=many, **kw)


def boolean(name: str, label_zh: str, label_en: str, **kw: Any) -> Field:
    key, required = _named(name)
    return Field(key, BOOLEAN, label_zh, label_en, required=required, **kw)


def person(name: str, label_zh: str, label_en: str, *, many: bool = False, **kw: Any) -> Field:
    key, required = _named(name)
    return Field(
        key, PERSON, label_zh, label_en, required=required, many=many, max_length=MAX_NAME, **kw
    )


def unit(name: str, label_zh: str, label_en: str, **kw: Any) -> Field:
    key, required = _named(name)
    return Field(key, UNIT, label_zh, label_en, required=required, max_length=MAX_NAME * 2, **kw)


def org_unit(name: str, label_zh: str, label_en: str, **kw: Any) -> Field:
    """The id of one of our union bodies; a transition recording one moves the case there."""
    key, required = _named(name)
    return Field(key, ORG_UNIT, label_zh, label_en, required=required, **kw)


def required(f: Field, is_required: bool = True) -> Field:
    return f if f.required == is_required else replace(f, required=is_required)


# -- the shared catalogue ----------------------------------------------------------------------
#
# Keys used by more than one process, or whose meaning is fixed by law, live here so that every
# process reads them alike. Enumerations that guards test (claims, grounds, subjects) are the
# single declaration the guards use too.

SATISFACTION: tuple[tuple[str, str], ...] = (
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("dissatisfied", "不满意"),
)

# Claims a mediation agreement settles; 劳动争议调解仲裁法 第十六条 lets the worker ask a court for
# a payment order (支付令) on the first four when the employer does not perform.
AGREEMENT_CLAIMS: tuple[tuple[str, str], ...] = (
    ("wages", "拖欠劳动报酬"),
    ("injury_medical", "工伤医疗费"),
    ("severance", "经济补偿"),
    ("damages", "赔偿金"),
    ("social_insurance", "社会保险"),
    ("contract", "订立、履行、变更、解除或终止劳动合同"),
    ("working_time", "工作时间、休息休假"),
    ("other", "其他"),
)

CLAIM_TYPES: tuple[tuple[str, str], ...] = (
    ("wages", "请求支付劳动报酬"),
    ("work_injury", "请求工伤事故人身损害赔偿"),
    ("social_insurance", "请求给予社会保险待遇"),
    ("severance", "请求经济补偿或赔偿金"),
    ("other", "其他劳动争议"),
)

REMEDIES: tuple[tuple[str, str], ...] = (
    ("payment_order", "申请支付令"),
    ("arbitration", "申请劳动仲裁"),
    ("litigation", "提起诉讼"),
)

SUPERVISION_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("social_insurance", "社会保险"),
    ("migrant_wages", "农民工工资"),
    ("wages", "劳动报酬"),
    ("working_time", "工作时间、休息休假"),
    ("labour_contract", "劳动合同"),
    ("safety", "劳动安全卫生"),
    ("women_minors", "女职工和未成年工特殊保护"),
    ("other", "其他"),
)

# 法律援助法 第四十八条: grounds for terminating aid.
TERMINATION_GROUNDS: tuple[tuple[str, str], ...] = (
    ("false_statement", "以欺骗或者其他不正当手段获得法律援助"),
    ("improved_finances", "经济状况发生变化，不再符合法律援助条件"),
    ("own_lawyer", "自行委托律师或者其他代理人"),
    ("no_longer_needed", "案件终止审理或者已被撤销"),
    ("abuse", "利用法律援助从事违法活动或要求提供不正当援助"),
    ("requested_by_applicant", "受援人要求终止法律援助"),
)

_SHARED = (
    text("reason", "理由", "reason"),
    text("answer", "答复内容", "answer given"),
    text("result", "办理结果", "result"),
    text("objection", "异议内容", "objection"),
    text("award", "裁决或调解结果", "award or settlement"),
    text("correction", "整改情况", "correction made"),
    text("outcome", "结案情况", "outcome"),
    text("project", "工程项目名称", "project", max_length=MAX_NAME * 2),
    text("missing_materials", "需补充的材料", "missing materials", many=True, max_length=500),
    enum("satisfaction", "满意度", "satisfaction", SATISFACTION),
    enum(
        "agreement_claims",
        "协议涉及的请求",
        "claims the agreement settles",
        AGREEMENT_CLAIMS,
        many=True,
    ),
    enum("claim_type", "请求事项", "claim", CLAIM_TYPES),
    enum("remedy", "救济途径", "remedy", REMEDIES),
    enum("subject", "监督事项", "subject", SUPERVISION_SUBJECTS),
    enum("ground", "终止理由", "ground for termination", TERMINATION_GROUNDS),
    date("performance_due", "协议履行期限", "agreed performance date"),
    date("received_on", "收到申请之日", "date the application was received"),
    date("repayment_due", "约定还款日期", "agreed repayment date"),
    date("limitation_date", "时效或法定期限届满日", "limitation or procedural deadline"),
    money("amount_paid", "已支付金额（元）", "amount paid (yuan)"),
    money("fund_amount", "申请周转金金额（元）", "fund amount (yuan)"),
    integer("months_in_arrears", "欠薪月数", "months in arrears", minimum=0, maximum=600),
    boolean("means_test_passed", "经济困难审查通过", "means test passed"),
    boolean("migrant_worker", "申请人为农民工", "applicant is a migrant worker"),
    boolean("employer_uncooperative", "用人单位不配合", "employer does not cooperate"),
    person("lawyer", "承办律师", "lawyer"),
    person("investigators", "调查人员（两名以上监督员）", "investigators", many=True),
    unit("arbitration_commission", "仲裁委员会", "arbitration commission"),
    unit("department", "行政部门", "government department"),
    text("note", "说明", "note"),
)

CATALOGUE: dict[str, Field] = {f.name: f for f in _SHARED}
if len(CATALOGUE) != len(_SHARED):  # pragma: no cover - a definition error, caught at import
    raise ValueError("the field catalogue names a key twice")


def lookup(name: str) -> Field:
    """The catalogue's field for ``name`` (``"reason*"``: required)."""
    key, is_required = _named(name)
    try:
        return required(CATALOGUE[key], is_required)
    except KeyError:
        raise KeyError(key) from None
