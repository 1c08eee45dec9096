"""The early-warning rules as data: what each one watches, its source, the level it raises and
its thresholds, and which events make the engine look at it again.

Three layers, later over earlier: the defaults shipped in ``default_rules.json``; an
administrator's file (``CASEWORK_WARNING_RULES_FILE``, the same shape, naming only what it
changes); the ``warning_rules`` table (``casework warnings rule CODE ...``), read on every
evaluation so a change takes effect at once in every process.

Pure: no database, no unit of work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from casework.core import signals
from casework.core.vocab import WARNING_LEVEL_LABELS_ZH, WARNING_LEVELS

MAX_AMOUNT = Decimal("999999999999.99")  # the largest sum a case records (Numeric(14, 2))
DEFAULTS_FILE = Path(__file__).with_name("default_rules.json")


@dataclass(frozen=True)
class RuleSpec:
    code: str
    label_zh: str
    label_en: str
    # Where the rule comes from (law, policy, or the union's own practice), shown in the docs.
    source_zh: str
    # Parameter name → "int" or "amount" (yuan, a decimal string).
    params: dict[str, str] = field(default_factory=dict)
    # True when the nightly reconciliation can find what the rule raises from the data alone;
    # False for rules fed only by a signal whose source keeps its own records (a referral).
    reconcilable: bool = True
    # True for a rule about the employer rather than about one case: while one of its warnings
    # is open, a further finding is the same signal and raises nothing (the cases are in the
    # employer's dossier); once it has been disposed of, the next finding raises a new one.
    one_open: bool = False


SPECS: dict[str, RuleSpec] = {
    s.code: s
    for s in (
        RuleSpec(
            "hotline_calls",
            "短期内多次来电反映同一用人单位",
            "repeated hotline calls about one employer",
            "12351 职工服务热线工单；工会劳动关系预警（本级工会规则，可配置）",
            {"calls": "int", "days": "int"},
        ),
        RuleSpec(
            "large_arrears",
            "欠薪涉及人数多或金额大",
            "wage arrears affecting many workers or a large sum",
            "劳动争议调解仲裁法 第七条（十人以上为集体争议）；保障农民工工资支付条例；"
            "金额门槛为本级工会规则（可配置）",
            {"workers": "int", "amount": "amount"},
        ),
        RuleSpec(
            "reply_overdue",
            "用人单位逾期未答复意见书",
            "opinion letter unanswered past its reply date",
            "工会劳动法律监督办法 第二十条（接到意见书后书面答复，期限各省可不同）",
        ),
        RuleSpec(
            "repeat_arrears",
            "同一用人单位再次发生欠薪",
            "a second wage-arrears case within the period",
            "保障农民工工资支付条例；拖欠农民工工资失信联合惩戒的做法（重复欠薪重点监控，"
            "期间可配置）",
            {"days": "int"},
            one_open=True,
        ),
        RuleSpec(
            "festival_arrears",
            "春节前欠薪",
            "wage arrears reported before the Spring Festival",
            "每年岁末年初根治欠薪专项行动；春节日期取自工作日历（法定节假日安排）",
            {"days": "int"},
        ),
        RuleSpec(
            "mass_incident",
            "发生群体性事件",
            "a mass incident",
            "工会法（停工、怠工事件由工会代表职工协商）；群体性事件即时报告制度",
        ),
        RuleSpec(
            "union_officer_dismissed",
            "工会干部被解除劳动合同",
            "dismissal of a union officer",
            "工会法（工会工作人员因履行职责被解除劳动合同的，由劳动行政部门责令恢复工作）",
            reconcilable=False,
        ),
        RuleSpec(
            "referral_overdue",
            "转办事项逾期未办结",
            "a referral overdue at the receiving body",
            "调处联动：转办部门的答复期限（转办台账）",
            reconcilable=False,
        ),
    )
}

# Which rules an event makes the engine evaluate again, for one employer. Adding an event source
# is one line here and one ``signals.emit(...)`` where the source records the event.
EVENT_RULES: dict[str, tuple[str, ...]] = {
    signals.HOTLINE_CALL: ("hotline_calls",),
    signals.CASE_OPENED: ("large_arrears", "repeat_arrears", "festival_arrears", "mass_incident"),
    # Closing may record the final count and sum; merging adds co-workers to one case.
    signals.CASE_CLOSED: ("large_arrears",),
    signals.CASE_MERGED: ("large_arrears",),
    signals.MASS_INCIDENT: ("mass_incident",),
    signals.UNION_OFFICER_DISMISSED: ("union_officer_dismissed",),
    signals.REFERRAL_OVERDUE: ("referral_overdue",),
}
# Steps of a workflow (``signals.TRANSITION`` with detail "workflow.trigger") that do the same.
TRANSITION_RULES: dict[str, tuple[str, ...]] = {
    # The sweep fires it when the 意见书's reply clock runs out (a caseworker may record it too).
    "supervision.reply_overdue": ("reply_overdue",),
}


def rules_for(kind: str, detail: str | None) -> tuple[str, ...]:
    if kind == signals.TRANSITION:
        return TRANSITION_RULES.get(detail or "", ())
    return EVENT_RULES.get(kind, ())


@dataclass(frozen=True)
class RuleConfig:
    code: str
    enabled: bool
    level: str
    params: dict[str, Any]

    @property
    def spec(self) -> RuleSpec:
        return SPECS[self.code]

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    def amount_param(self, name: str) -> Decimal:
        return Decimal(str(self.params[name]))


class RuleFileError(ValueError):
    """A rules file or a rule setting that cannot be used (says which rule and why, in English
    for the log and the file's author, and in Chinese for a user of the API)."""

    def __init__(self, message: str, zh: str = "预警规则设置不正确", field: str = "params") -> None:
        super().__init__(message)
        self.zh = zh
        self.field = field


def check_level(level: Any, where: str) -> str:
    if level not in WARNING_LEVELS:
        raise RuleFileError(
            f"{where}: level must be one of {', '.join(WARNING_LEVELS)}",
            "预警等级必须是蓝、黄、橙、红之一（blue、yellow、orange、red）",
            "level",
        )
    return level


def check_params(code: str, params: Any, where: str) -> dict[str, Any]:
    """``params`` of rule ``code``: only its own names, whole numbers ≥ 1 and amounts ≥ 0."""
    if not isinstance(params, dict):
        raise RuleFileError(f"{where}: params must be an object")
    spec = SPECS[code]
    out: dict[str, Any] = {}
    for name, value in params.items():
        kind = spec.params.get(name)
        if kind is None:
            known = ", ".join(spec.params) or "none"
            raise RuleFileError(
                f"{where}: unknown parameter {name!r} (known: {known})",
                f"该规则没有参数“{name}”，可设置：{known if spec.params else '无'}",
            )
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
                raise RuleFileError(
                    f"{where}: {name} must be a whole number from 1 to 3650",
                    f"参数“{name}”应为1到3650之间的整数",
                )
            out[name] = value
        else:
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                raise RuleFileError(
                    f"{where}: {name} must be an amount of yuan", f"参数“{name}”应为金额（元）"
                ) from None
            if isinstance(value, bool) or not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
                raise RuleFileError(
                    f"{where}: {name} must be an amount of yuan from 0 to {MAX_AMOUNT}",
                    f"参数“{name}”应为0到{MAX_AMOUNT}元之间的金额",
                )
            out[name] = str(amount)
    return out


def _overlay(base: dict[str, RuleConfig], content: dict[str, Any], source: str) -> None:
    rules = content.get("rules")
    if not isinstance(rules, dict):
        raise RuleFileError(f"{source}: needs a 'rules' object")
    for code, entry in rules.items():
        where = f"{source}: rule {code}"
        if code not in SPECS:
            raise RuleFileError(f"{where}: unknown rule (known: {', '.join(SPECS)})")
        if not isinstance(entry, dict):
            raise RuleFileError(f"{where}: must be an object")
        old = base.get(code) or RuleConfig(code, True, "yellow", {})
        enabled = entry.get("enabled", old.enabled)
        if not isinstance(enabled, bool):
            raise RuleFileError(f"{where}: enabled must be true or false")
        level = check_level(entry.get("level", old.level), where)
        params = {**old.params, **check_params(code, entry.get("params", {}), where)}
        base[code] = RuleConfig(code, enabled, level, params)


@lru_cache(maxsize=8)
def load_rule_files(path: str = "") -> dict[str, RuleConfig]:
    """The shipped defaults, with an administrator's file (``path``) over them. Read once per
    process (a changed file takes effect when the processes restart; the table at once)."""
    configs: dict[str, RuleConfig] = {}
    _overlay(configs, json.loads(DEFAULTS_FILE.read_text(encoding="utf-8")), "default_rules.json")
    if path:
        try:
            content = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuleFileError(f"{path}: cannot be read as JSON ({type(exc).__name__})") from None
        _overlay(configs, content, path)
    missing = set(SPECS) - set(configs)
    if missing:  # pragma: no cover - the shipped file names every rule (tested)
        raise RuleFileError(f"default_rules.json: no entry for {', '.join(sorted(missing))}")
    for code, cfg in configs.items():
        absent = set(SPECS[code].params) - set(cfg.params)
        if absent:
            raise RuleFileError(f"rule {code}: parameter(s) {', '.join(sorted(absent))} not set")
    return configs


def with_row(cfg: RuleConfig, enabled: bool, level: str, params: dict[str, Any]) -> RuleConfig:
    """``cfg`` with an administrator's database row over it."""
    return RuleConfig(cfg.code, enabled, level, {**cfg.params, **(params or {})})


# -- levels ----------------------------------------------------------------------------------


def level_rank(level: str) -> int:
    return WARNING_LEVELS.index(level)


def next_level(level: str) -> str:
    """One level up (蓝 → 黄 → 橙 → 红); 红 stays 红."""
    return WARNING_LEVELS[min(level_rank(level) + 1, len(WARNING_LEVELS) - 1)]


def level_label(level: str) -> str:
    return WARNING_LEVEL_LABELS_ZH[level]
