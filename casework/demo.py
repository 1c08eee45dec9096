"""The demo org tree, employers and users (used by docs, pages and tests). Idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

from casework.core.uow import UnitOfWork
from casework.models import Employer, OrgUnit, User
from casework.people.access import SYSTEM_ACTOR
from casework.people.auth import hash_password
from casework.people.service import create_employer, create_org_unit, create_user

DEFAULT_PASSWORD = "casework-demo"  # noqa: S105 - demo data only, printed with a warning

# The demo org tree is in Guangdong: `make run` serves it with CASEWORK_JURISDICTION set to this
# profile (workflows.jurisdiction), so no document or clock of it cites another province's rules.
DEMO_JURISDICTION = "guangdong"

ORG_UNITS = [
    # code, name, level, parent
    ("GD", "广东省总工会", "province", None),
    ("GZ", "广州市总工会", "city", "GD"),
    ("TH", "天河区总工会", "county", "GZ"),
    ("HZ", "海珠区总工会", "county", "GZ"),
    ("TH-SP", "石牌街道总工会", "township", "TH"),
    ("HZ-NHX", "南华西街道总工会", "township", "HZ"),
    ("TH-SP-ACME", "广州市某科技有限公司工会", "grassroots", "TH-SP"),
]

# 发文机关代字 of each demo unit, and whether its numbers carry the document kind (GB/T 9704).
DOC_ABBRS: dict[str, tuple[str, bool]] = {
    "GD": ("粤工", False),
    "GZ": ("穗工", False),
    "TH": ("天工", True),
    "HZ": ("海工", False),
    "TH-SP": ("石牌街工", False),
    "HZ-NHX": ("南华西街工", False),
    "TH-SP-ACME": ("某科技工会", False),
}

EMPLOYERS = [
    # name, credit code, org unit, has union
    ("广州市某科技有限公司", "91440101MA5AC0001E", "TH-SP-ACME", True),
    ("广州市某建筑劳务有限公司", "91440106MA5BD00024", "TH-SP", False),
    ("广州市某餐饮管理有限公司", "91440105MA5CE00033", "HZ-NHX", False),
]

USERS = [
    # username, display name, roles, org unit
    ("admin", "系统管理员", ("admin",), "GD"),
    ("hotline", "12351 热线话务员", ("operator",), "GZ"),
    ("caseworker.acme", "某科技公司工会调解员", ("caseworker",), "TH-SP-ACME"),
    ("caseworker.shipai", "石牌街道工会办案员", ("caseworker",), "TH-SP"),
    ("supervisor.tianhe", "天河区总工会主管", ("supervisor", "caseworker"), "TH"),
    ("supervisor.guangzhou", "广州市总工会主管", ("supervisor",), "GZ"),
    ("caseworker.nanhuaxi", "南华西街道工会办案员", ("caseworker",), "HZ-NHX"),
    ("auditor", "审计员", ("auditor",), "GZ"),
]


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


@lru_cache(maxsize=4)
def _demo_hash(password: str) -> str:
    """One scrypt hash per process for the demo password (it costs ~0.1 s each time): every
    demo user shares it, and a test suite that reloads the demo data pays for it once."""
    return hash_password(password)


def load_demo(uow: UnitOfWork, *, password: str = DEFAULT_PASSWORD) -> DemoResult:
    """Create whatever of the demo data is missing; never touches what exists."""
    result = DemoResult()
    with uow:
        s = uow.session
        have_units = set(s.scalars(select(OrgUnit.code)))
        for code, name, level, parent in ORG_UNITS:
            if code not in have_units:
                abbr, marker = DOC_ABBRS[code]
                create_org_unit(
                    uow,
                    actor=SYSTEM_ACTOR,
                    code=code,
                    name=name,
                    level=level,
                    parent_code=parent,
                    doc_abbr=abbr,
                    doc_kind_marker=marker,
                )
                result.created.append(f"org unit {code}")
        have_employers = set(s.scalars(select(Employer.name)))
        for name, credit, unit, has_union in EMPLOYERS:
            if name not in have_employers:
                create_employer(
                    uow, name=name, credit_code=credit, org_code=unit, has_union=has_union
                )
                result.created.append(f"employer {name}")
        have_users = set(s.scalars(select(User.username)))
        for username, display, roles, unit in USERS:
            if username in have_users:
                continue
            create_user(
                uow,
                actor=SYSTEM_ACTOR,
                username=username,
                display_name=display,
                roles=roles,
                password=password,
                org_code=unit,
                password_hash=_demo_hash(password),
            )
            result.created.append(f"user {username}")
        uow.commit()
    return result
