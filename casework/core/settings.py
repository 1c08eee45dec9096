"""Settings from environment variables, with safe defaults for the embedded (SQLite) mode.

Secrets (the Fernet key for personal data, the blind-index key, the key of the history chain,
the key that signs the web pages' session cookie) have no default that works in production:
with ``CASEWORK_ENV=production`` they must be given. In development random keys are generated
once and kept in ``./var/secrets.json`` so the local database stays readable and its history
verifiable.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

import workflows
from workflows.base import LEVELS
from workflows.jurisdiction import NATIONAL, PROFILES, Profile
from workflows.referrals import setting_keys as referral_setting_keys
from workflows.wage_arrears import CRIMINAL_DEFAULTS, CRIMINAL_RANGES

DEFAULT_DATA_DIR = Path(os.environ.get("CASEWORK_DATA_DIR", "var"))
MIN_HISTORY_KEY_CHARS = 32
MIN_SECRET_KEY_CHARS = 32

# An origin as a browser sends it: scheme, host and port only (no path, no trailing slash).
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
MIN_METRICS_TOKEN = 16


# The national floor of 拒不支付劳动报酬罪 "数额较大" (法释〔2013〕3号 第三条: 5,000 yuan for one
# worker's three months or more, 30,000 for ten workers or more); provinces set higher values.
NATIONAL_CRIMINAL_THRESHOLDS: dict[str, Any] = {
    "criminal_single_months": 3,
    "criminal_single_amount": "5000",
    "criminal_group_workers": 10,
    "criminal_group_amount": "30000",
}


# Working days to dispose of an early warning, per level (红: a site visit within one working day).
DEFAULT_WARNING_CLOCK_DAYS: dict[str, int] = {"red": 1, "orange": 3, "yellow": 5, "blue": 10}


class SettingsError(RuntimeError):
    """The configuration is unusable (says which variable and why, never a secret's value)."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None


def _at_least(env: dict[str, str], name: str, default: int, minimum: int) -> int:
    value = _int(env, name, default)
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _percent(env: dict[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if not 0 <= value <= 100:
        raise SettingsError(f"{name} must be a whole number from 0 to 100")
    return value


def _criminal_amount(
    env: dict[str, str], name: str, key: str, defaults: dict[str, Any] | None = None
) -> str:
    """A province's amount for the crime of refusing to pay wages: yuan, inside the national
    range (最高人民法院 法释〔2013〕3号 第三条), e.g. Guangdong class-one cities 20000 / 100000."""
    raw = (env.get(name) or "").strip() or str((defaults or CRIMINAL_DEFAULTS)[key])
    low, high = (Decimal(v) for v in CRIMINAL_RANGES[key])
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise SettingsError(f"{name} must be an amount of yuan, e.g. {low}") from None
    if not amount.is_finite() or not low <= amount <= high:
        raise SettingsError(f"{name} must lie in the national range {low} to {high} yuan")
    return str(amount)


def _level(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    if value not in LEVELS:
        raise SettingsError(f"{name} must be one of {', '.join(LEVELS)}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    env: str = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    # Secrets never appear in a repr (a debug line must not print them).
    fernet_key: str = field(default="", repr=False)
    blind_index_key: str = field(default="", repr=False)
    # HMAC key of the case history chain; older keys still accepted when verifying (rotation)
    history_key: str = field(default="", repr=False)
    history_old_keys: tuple[str, ...] = field(default=(), repr=False)
    # Signs the web pages' session cookie (and their CSRF tokens): its own secret, so rotating
    # it signs everyone out of the pages and touches nothing else.
    secret_key: str = field(default="", repr=False)
    escalation_ceiling: str = "city"
    collective_threshold: int = 10
    token_ttl_hours: int = 12
    # Failed logins: per account (from any client), and per client address across accounts.
    login_max_failures: int = 5
    login_max_failures_per_client: int = 20
    login_window_seconds: int = 300
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
    trusted_proxies: int = 0
    competence: dict[str, str] = field(default_factory=dict)
    # The jurisdiction profile (workflows.jurisdiction): regional rules cited and their numbers.
    jurisdiction: str = NATIONAL
    guard_settings: dict[str, Any] = field(default_factory=dict)
    # "workflow.rule" -> days, from CASEWORK_DEADLINE_<WORKFLOW>_<RULE> (configurable rules only)
    deadline_days: dict[str, int] = field(default_factory=dict)
    reminder_lead_days: int = 1
    # "profile.stage[.extension]" -> days of an agency's clock on a referral, from
    # CASEWORK_REFERRAL_<PROFILE>_<STAGE>[_EXTENSION] (workflows.referrals); unset: the default.
    referral_days: dict[str, int] = field(default_factory=dict)
    # Share (%) of consultations answered on the call that are called back; the rest close.
    consultation_callback_percent: int = 10
    # Calls and cases about one employer within this many days are listed as related (并案).
    related_call_days: int = 30
    # Working days after 派单 within which the unit may return a work order (退单).
    return_window_days: int = 2
    webhook_url: str = ""
    sweep_interval_seconds: int = 30
    outbox_interval_seconds: int = 10
    # Browser origins allowed to call /api/v1 (CORS); empty: no CORS headers at all.
    cors_origins: tuple[str, ...] = ()
    # Bearer token /metrics asks for; empty: /metrics is open.
    metrics_token: str = field(default="", repr=False)
    # The app's own log level (its JSON request lines are INFO), as gunicorn's.
    log_level: str = "info"
    # A directory of document templates that win over the built-in ones (<unit code>/<kind>.txt,
    # <kind>.txt, _layout.html); None: the built-in templates only.
    document_templates: Path | None = None
    # Early warning: the rules file over the shipped defaults ("" : the defaults only), and the
    # working days a warning of each level may wait for a disposition before it escalates.
    warning_rules_file: str = ""
    warning_clock_days: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_WARNING_CLOCK_DAYS)
    )
    # Days the nightly reconciliation looks back over (cases changed, calls received).
    warning_reconcile_days: int = 7

    @property
    def region(self) -> Profile:
        """The jurisdiction profile whose rules this deployment cites."""
        return PROFILES[self.jurisdiction]

    def with_overrides(self, **kw: Any) -> Settings:
        return replace(self, **kw)


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    """Read or create the development key file (never used when CASEWORK_ENV=production). A key
    missing from an existing file is added; the keys already there are kept (they protect the
    data already stored)."""
    path = data_dir / "secrets.json"
    data: dict[str, str] = {}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        if all(data.get(k) for k in ("fernet_key", "blind_index_key", "history_key", "secret_key")):
            return data
    data_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "fernet_key": data.get("fernet_key") or Fernet.generate_key().decode(),
        "blind_index_key": data.get("blind_index_key") or secrets.token_hex(32),
        "history_key": data.get("history_key") or secrets.token_hex(32),
        "secret_key": data.get("secret_key") or secrets.token_hex(32),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return data


def _history_key(name: str, value: str) -> str:
    if len(value) < MIN_HISTORY_KEY_CHARS:
        raise SettingsError(
            f"{name}: a history key must be at least {MIN_HISTORY_KEY_CHARS} characters "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return value


def _history_keys(env: dict[str, str], mode: str, data_dir: Path) -> tuple[str, tuple[str, ...]]:
    """CASEWORK_HISTORY_KEY (signs new events) and CASEWORK_HISTORY_OLD_KEYS (comma-separated,
    still accepted when verifying, until ``casework audit rekey`` has re-signed their chains)."""
    current = env.get("CASEWORK_HISTORY_KEY", "").strip()
    if not current:
        if mode == "production":
            raise SettingsError(
                "CASEWORK_HISTORY_KEY must be set in production (the key of the case history's "
                "HMAC chain; kept outside the database)"
            )
        current = _dev_secrets(data_dir)["history_key"]
    current = _history_key("CASEWORK_HISTORY_KEY", current)
    old: list[str] = []
    for raw in env.get("CASEWORK_HISTORY_OLD_KEYS", "").split(","):
        key = raw.strip()
        if key and key != current and key not in old:
            old.append(_history_key("CASEWORK_HISTORY_OLD_KEYS", key))
    return current, tuple(old)


def _secret_key(env: dict[str, str], mode: str, data_dir: Path) -> str:
    """CASEWORK_SECRET_KEY: signs the web session cookie. Required in production; generated
    into the development key file otherwise."""
    value = env.get("CASEWORK_SECRET_KEY", "").strip()
    if not value:
        if mode == "production":
            raise SettingsError(
                "CASEWORK_SECRET_KEY must be set in production (the key that signs the web "
                "pages' session cookie)"
            )
        value = _dev_secrets(data_dir)["secret_key"]
    if len(value) < MIN_SECRET_KEY_CHARS:
        raise SettingsError(
            f"CASEWORK_SECRET_KEY must be at least {MIN_SECRET_KEY_CHARS} characters "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return value


def _origins(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated exact origins. A browser sends ``https://host[:port]`` and nothing more, so
    anything else (a trailing slash, a path, ``*``) would never match: refused here instead of
    failing silently in the browser."""
    origins = tuple(o.strip() for o in env.get(name, "").split(",") if o.strip())
    for origin in origins:
        if not ORIGIN.match(origin):
            raise SettingsError(
                f"{name}: each origin must be scheme://host[:port] with no path, "
                f"e.g. https://desk.example.org (got {origin!r})"
            )
    return origins


LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _log_level(env: dict[str, str], name: str) -> str:
    value = (env.get(name) or "info").strip().lower()
    if value not in LOG_LEVELS:
        raise SettingsError(f"{name} must be one of {', '.join(LOG_LEVELS)} (got {value!r})")
    return value


def _metrics_token(env: dict[str, str], name: str) -> str:
    token = env.get(name, "")
    if token and (len(token) < MIN_METRICS_TOKEN or any(c.isspace() for c in token)):
        raise SettingsError(
            f"{name} must be at least {MIN_METRICS_TOKEN} characters without spaces, e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return token


def _jurisdiction(env: dict[str, str], name: str) -> Profile:
    value = (env.get(name) or NATIONAL).strip().lower()
    if value not in PROFILES:
        raise SettingsError(f"{name} must be one of {', '.join(PROFILES)}")
    return PROFILES[value]


def _referral_days(env: dict[str, str]) -> dict[str, int]:
    """The periods of the agencies' clocks an administrator has set (1 to 3650 days each)."""
    out: dict[str, int] = {}
    for key, default in referral_setting_keys().items():
        name = "CASEWORK_REFERRAL_" + key.replace(".", "_").upper()
        if name in env:
            days = _int(env, name, default)
            if not 1 <= days <= 3650:
                raise SettingsError(f"{name} must be from 1 to 3650 days")
            out[key] = days
    return out


def _directory(env: dict[str, str], name: str) -> Path | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_dir():
        raise SettingsError(f"{name} must name an existing directory")
    return path


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    mode = env.get("CASEWORK_ENV", "development")
    data_dir = Path(env.get("CASEWORK_DATA_DIR", "var"))
    url = env.get("CASEWORK_DATABASE_URL") or f"sqlite:///{data_dir / 'casework.db'}"

    fernet_key = env.get("CASEWORK_FERNET_KEY", "")
    blind_key = env.get("CASEWORK_BLIND_INDEX_KEY", "")
    if not (fernet_key and blind_key):
        if mode == "production":
            raise SettingsError(
                "CASEWORK_FERNET_KEY and CASEWORK_BLIND_INDEX_KEY must be set in production"
            )
        dev = _dev_secrets(data_dir)
        fernet_key = fernet_key or dev["fernet_key"]
        blind_key = blind_key or dev["blind_index_key"]
    history_key, history_old_keys = _history_keys(env, mode, data_dir)
    secret_key = _secret_key(env, mode, data_dir)

    competence = {
        "mediation": _level(env, "CASEWORK_COMPETENCE_MEDIATION", "grassroots"),
        "mediation_no_union": _level(env, "CASEWORK_COMPETENCE_MEDIATION_NO_UNION", "township"),
        "wage_arrears": _level(env, "CASEWORK_COMPETENCE_WAGE_ARREARS", "township"),
        "legal_aid": _level(env, "CASEWORK_COMPETENCE_LEGAL_AID", "county"),
        "supervision": _level(env, "CASEWORK_COMPETENCE_SUPERVISION", "grassroots"),
        "hotline": _level(env, "CASEWORK_COMPETENCE_HOTLINE", "grassroots"),
    }
    collective = _int(env, "CASEWORK_COLLECTIVE_THRESHOLD", 10)
    region = _jurisdiction(env, "CASEWORK_JURISDICTION")
    # Criminal thresholds of wage arrears: the national floor (法释〔2013〕3号 第三条), a
    # province's own values from its profile, an administrator's over both.
    local = {**NATIONAL_CRIMINAL_THRESHOLDS, **region.guard_settings}
    guard_settings: dict[str, Any] = {
        "collective_threshold": collective,
        "criminal_single_months": _at_least(
            env, "CASEWORK_CRIMINAL_SINGLE_MONTHS", int(local["criminal_single_months"]), 1
        ),
        "criminal_single_amount": _criminal_amount(
            env, "CASEWORK_CRIMINAL_SINGLE_AMOUNT", "criminal_single_amount", local
        ),
        "criminal_group_workers": _at_least(
            env, "CASEWORK_CRIMINAL_GROUP_WORKERS", int(local["criminal_group_workers"]), 1
        ),
        "criminal_group_amount": _criminal_amount(
            env, "CASEWORK_CRIMINAL_GROUP_AMOUNT", "criminal_group_amount", local
        ),
        # 1: union legal aid skips the means test for union members (a union's own rule).
        "union_aid_members_without_means_test": bool(
            _int(env, "CASEWORK_UNION_AID_MEMBERS_WITHOUT_MEANS_TEST", 0)
        ),
    }
    # A province's periods first, an administrator's (CASEWORK_DEADLINE_...) over them.
    deadline_days: dict[str, int] = dict(region.deadline_days)
    for wf in workflows.REGISTRY.values():
        for rule in wf.deadlines:
            name = f"CASEWORK_DEADLINE_{wf.name}_{rule.name}".upper()
            if name in env:
                if not rule.configurable:
                    raise SettingsError(f"{name}: {rule.name} is fixed by law ({rule.citation})")
                days = _int(env, name, rule.days)
                if days < 1:
                    raise SettingsError(f"{name} must be at least 1")
                deadline_days[f"{wf.name}.{rule.name}"] = days
            # A graded limit may also be set per tier: CASEWORK_DEADLINE_HOTLINE_HANDLING_DIFFICULT.
            for tier in rule.tier_days if rule.configurable else ():
                tier_name = f"{name}_{tier}".upper()
                if tier_name in env:
                    days = _int(env, tier_name, rule.tier_days[tier])
                    if days < 1:
                        raise SettingsError(f"{tier_name} must be at least 1")
                    deadline_days[f"{wf.name}.{rule.name}.{tier}"] = days
    warning_clock_days = {
        level: _at_least(env, f"CASEWORK_WARNING_CLOCK_{level.upper()}", days, 1)
        for level, days in DEFAULT_WARNING_CLOCK_DAYS.items()
    }
    return Settings(
        warning_rules_file=env.get("CASEWORK_WARNING_RULES_FILE", ""),
        warning_clock_days=warning_clock_days,
        warning_reconcile_days=_at_least(env, "CASEWORK_WARNING_RECONCILE_DAYS", 7, 1),
        deadline_days=deadline_days,
        referral_days=_referral_days(env),
        reminder_lead_days=_int(env, "CASEWORK_REMINDER_LEAD_DAYS", 1),
        consultation_callback_percent=_percent(env, "CASEWORK_CONSULTATION_CALLBACK_PERCENT", 10),
        related_call_days=_at_least(env, "CASEWORK_RELATED_CALL_DAYS", 30, 1),
        return_window_days=_at_least(env, "CASEWORK_RETURN_WINDOW_DAYS", 2, 1),
        webhook_url=env.get("CASEWORK_WEBHOOK_URL", ""),
        sweep_interval_seconds=_int(env, "CASEWORK_SWEEP_INTERVAL", 30),
        outbox_interval_seconds=_int(env, "CASEWORK_OUTBOX_INTERVAL", 10),
        cors_origins=_origins(env, "CASEWORK_CORS_ORIGINS"),
        metrics_token=_metrics_token(env, "CASEWORK_METRICS_TOKEN"),
        log_level=_log_level(env, "CASEWORK_LOG_LEVEL"),
        document_templates=_directory(env, "CASEWORK_DOCUMENT_TEMPLATES"),
        database_url=url,
        env=mode,
        data_dir=data_dir,
        fernet_key=fernet_key,
        blind_index_key=blind_key,
        history_key=history_key,
        history_old_keys=history_old_keys,
        secret_key=secret_key,
        escalation_ceiling=_level(env, "CASEWORK_ESCALATION_CEILING", "city"),
        collective_threshold=collective,
        token_ttl_hours=_int(env, "CASEWORK_TOKEN_TTL_HOURS", 12),
        login_max_failures=_at_least(env, "CASEWORK_LOGIN_MAX_FAILURES", 5, 1),
        login_max_failures_per_client=_at_least(
            env, "CASEWORK_LOGIN_MAX_FAILURES_PER_CLIENT", 20, 1
        ),
        login_window_seconds=_at_least(env, "CASEWORK_LOGIN_WINDOW_SECONDS", 300, 1),
        trusted_proxies=_at_least(env, "CASEWORK_TRUSTED_PROXIES", 0, 0),
        competence=competence,
        jurisdiction=region.name,
        guard_settings=guard_settings,
    )
