"""The demo org tree, employers and users (used by docs, pages and tests). Idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from casework.models import Employer, OrgUnit, User, UserRole
from casework.orgs import create_employer, create_org_unit, hash_password
from casework.uow import UnitOfWork

DEFAULT_PASSWORD = "casework-demo"  # noqa: S105 - demo data only, printed with a warning

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


def load_demo(uow: UnitOfWork, *, password: str = DEFAULT_PASSWORD) -> DemoResult:
    """Create whatever of the demo data is missing; never touches what exists."""
    result = DemoResult()
    with uow:
        s = uow.session
        have_units = set(s.scalars(select(OrgUnit.code)))
        for code, name, level, parent in ORG_UNITS:
            if code not in have_units:
                create_org_unit(uow, code=code, name=name, level=level, parent_code=parent)
                result.created.append(f"org unit {code}")
        have_employers = set(s.scalars(select(Employer.name)))
        for name, credit, unit, has_union in EMPLOYERS:
            if name not in have_employers:
                create_employer(uow, name=name, credit_code=credit, org_code=unit, has_union=has_union)
                result.created.append(f"employer {name}")
        have_users = set(s.scalars(select(User.username)))
        units = {u.code: u for u in s.scalars(select(OrgUnit))}
        pw_hash = None
        for username, display, roles, unit in USERS:
            if username in have_users:
                continue
            pw_hash = pw_hash or hash_password(password)
            user = User(
                username=username,
                display_name=display,
                org_unit_id=units[unit].id,
                password_hash=pw_hash,
            )
            user.role_rows = [UserRole(role=r) for r in roles]
            s.add(user)
            result.created.append(f"user {username}")
        uow.commit()
    return result
