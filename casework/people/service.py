"""Writes about people and places: org units, users, employers and workers.

Every function is keyword-only after the unit of work, owns one transaction and raises domain
errors. Admin acts check the actor (:func:`casework.people.access.require`) and that the unit
they touch is in the actor's subtree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework.core.errors import Conflict, InvalidInput
from casework.core.text import valid_name
from casework.core.uow import UnitOfWork
from casework.core.vocab import (
    LEVELS,
    MAX_EMPLOYER_NAME,
    MAX_MOVE_REASON,
    MAX_PERSON_NAME,
    ROLES,
)
from casework.models import CaseWorker, Employer, EmployerMove, OrgUnit, User, UserRole
from casework.people.access import Actor, require
from casework.people.auth import hash_password, revoke_all
from casework.people.pii import (
    PiiVault,
    has_personal_data,
    mask_id_number,
    mask_phone,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
)
from casework.people.queries import (
    unit_by_code,
    visible_employer,
    visible_unit,
    visible_user,
)
from workflows.base import level_rank

MIN_PASSWORD = 8

# -- org units -------------------------------------------------------------------------------


def _check_level_under(level: str, parent: OrgUnit | None) -> None:
    if level not in LEVELS:
        raise InvalidInput(
            "level", f"层级必须是 {', '.join(LEVELS)} 之一", f"must be one of {', '.join(LEVELS)}"
        )
    if parent is not None and level_rank(level) >= level_rank(parent.level):
        raise InvalidInput(
            "level",
            f"下级组织的层级必须低于上级（上级为 {parent.level}）",
            f"a child's level must be below its parent's ({parent.level})",
        )


# A 发文机关代字 is a few Chinese characters (穗工, 石牌街工): never a Latin code (GB/T 9704).
_DOC_ABBR = re.compile(r"^[\u3007\u4e00-\u9fff]{1,16}$")


def _doc_abbr(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not _DOC_ABBR.match(text):
        raise InvalidInput(
            "doc_abbr",
            "发文机关代字须为1到16个汉字（如“穗工”），不得使用字母或数字",
            "must be 1 to 16 Chinese characters (e.g. 穗工), no Latin letters or digits",
        )
    return text


def create_org_unit(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    name: str,
    level: str,
    parent_id: int | None = None,
    parent_code: str | None = None,
    doc_abbr: str | None = None,
    doc_kind_marker: bool = False,
) -> OrgUnit:
    """A union body below ``parent_id`` (or ``parent_code``) in the actor's subtree, with its
    发文机关代字 for document numbers if given."""
    require(actor, "create_org_unit")
    abbr = _doc_abbr(doc_abbr)
    with uow:
        s = uow.session
        parent = None
        if parent_id is not None:
            parent = visible_unit(s, actor, parent_id)
        elif parent_code is not None:
            parent = unit_by_code(s, parent_code)
        _check_level_under(level, parent)
        if s.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).first() is not None:
            raise Conflict("组织代码已存在", f"org unit code {code!r} already exists")
        unit = OrgUnit(
            code=code,
            name=name,
            level=level,
            parent_id=parent.id if parent else None,
            path="",
            depth=(parent.depth + 1) if parent else 0,
            doc_abbr=abbr,
            doc_kind_marker=bool(doc_kind_marker),
        )
        s.add(unit)
        s.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        uow.commit()
        return unit


def update_org_unit(
    uow: UnitOfWork,
    *,
    actor: Actor,
    unit_id: int,
    name: str | None = None,
    level: str | None = None,
    doc_abbr: str | None = None,
    doc_kind_marker: bool | None = None,
) -> OrgUnit:
    """Rename a unit, change its level (still below its parent, above its children), or set how
    its documents are numbered: its 发文机关代字 and whether numbers carry the kind. Numbers
    already issued keep their value."""
    require(actor, "change_org_unit")
    abbr = _doc_abbr(doc_abbr)
    with uow:
        s = uow.session
        unit = visible_unit(s, actor, unit_id)
        if name is not None:
            unit.name = name
        if abbr is not None:
            unit.doc_abbr = abbr
        if doc_kind_marker is not None:
            unit.doc_kind_marker = doc_kind_marker
        if level is not None and level != unit.level:
            _check_level_under(level, unit.parent)
            children = s.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id)).all()
            for child in children:
                if level_rank(child.level) >= level_rank(level):
                    raise InvalidInput(
                        "level", "层级必须高于所有下级组织", "must stay above every child unit"
                    )
            unit.level = level
        uow.commit()
        return unit


# -- users -----------------------------------------------------------------------------------


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise InvalidInput(
            "roles",
            f"角色必须是 {', '.join(ROLES)} 之一",
            f"roles must be among {', '.join(ROLES)}",
        )
    return roles


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", "密码至少8位", "must be at least 8 characters")
    return password


def create_user(
    uow: UnitOfWork,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    roles: Iterable[str],
    password: str,
    org_unit_id: int | None = None,
    org_code: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A user with ``roles`` at a unit of the actor's subtree (by id or code). A precomputed
    ``password_hash`` spares the demo loader one scrypt per user."""
    require(actor, "create_user")
    with uow:
        s = uow.session
        unit = (
            visible_unit(s, actor, org_unit_id)
            if org_unit_id is not None
            else unit_by_code(s, org_code or "")
        )
        role_list = _check_roles(roles)
        if password_hash is None:
            password_hash = hash_password(_check_password(password))
        if s.scalars(select(User.id).where(User.username == username)).first() is not None:
            raise Conflict("用户名已存在", f"username {username!r} already exists")
        user = User(
            username=username,
            display_name=display_name,
            org_unit_id=unit.id,
            password_hash=password_hash,
        )
        user.role_rows = [UserRole(role=r) for r in role_list]
        user.org_unit = unit
        s.add(user)
        uow.commit()
        return user


def update_user(
    uow: UnitOfWork,
    *,
    actor: Actor,
    user_id: int,
    display_name: str | None = None,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user; deactivating them or setting a new password revokes their tokens in the
    same transaction."""
    require(actor, "change_user")
    with uow:
        user = visible_user(uow.session, actor, user_id)
        if display_name is not None:
            user.display_name = display_name
        if roles is not None:
            wanted = set(_check_roles(roles))
            user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
                UserRole(role=r) for r in sorted(wanted - user.roles)
            ]
        logout = False
        if password is not None:
            user.password_hash = hash_password(_check_password(password))
            logout = True
        if is_active is not None:
            logout = logout or (user.is_active and not is_active)
            user.is_active = is_active
        if logout:
            revoke_all(uow, user.id)
        uow.commit()
        return user


# -- employers -------------------------------------------------------------------------------


def create_employer(
    uow: UnitOfWork,
    *,
    name: str,
    org_code: str,
    credit_code: str | None = None,
    has_union: bool = False,
) -> Employer:
    with uow:
        s = uow.session
        unit = unit_by_code(s, org_code)
        code = normalise_credit_code(credit_code) if credit_code else None
        name = valid_name(name, field="name", max_len=MAX_EMPLOYER_NAME)
        employer = Employer(name=name, credit_code=code, org_unit_id=unit.id, has_union=has_union)
        s.add(employer)
        try:
            s.flush()
        except IntegrityError:
            raise Conflict("统一社会信用代码已登记", "credit code already registered") from None
        uow.commit()
        return employer


def find_or_create_employer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    name: str,
    credit_code: str | None = None,
    org_unit_code: str | None = None,
) -> tuple[Employer, bool]:
    """The employer named by its credit code (or its name, normalised), or a new one registered
    at ``org_unit_code`` (default: the actor's own unit). Returns it and whether its place in the
    tree is known (it existed, or the caller said where it belongs). Runs inside the caller's
    transaction."""
    # Normalised: a look-alike (a zero-width space, a bidi override) is the employer on record.
    name = valid_name(name, field="employer.name", max_len=MAX_EMPLOYER_NAME)
    try:
        code = normalise_credit_code(credit_code) if credit_code else None
    except InvalidInput as exc:
        raise exc.at("employer.credit_code") from None
    s = uow.session
    placed_at = None
    if org_unit_code:  # checked even for a known employer: a wrong code is a wrong request
        placed_at = s.scalars(select(OrgUnit).where(OrgUnit.code == org_unit_code)).first()
        if placed_at is None or not actor.covers_path(placed_at.path):
            raise InvalidInput(
                "employer.org_unit_code",
                "所属工会须为本单位或下级单位的组织代码",
                "must be the code of your own unit or a unit below it",
            )
    found = None
    if code:
        found = s.scalars(select(Employer).where(Employer.credit_code == code)).first()
    if found is None:
        q = select(Employer).where(Employer.name == name)
        if code:
            q = q.where(Employer.credit_code.is_(None))
        found = s.scalars(q.order_by(Employer.id)).first()
        if found is not None and code:
            found.credit_code = code
    if found is not None:
        return found, True
    unit = placed_at or (
        s.get(OrgUnit, actor.org_unit_id) if actor.org_unit_id is not None else None
    )
    if unit is None:
        raise InvalidInput("employer.org_unit_code", "请指定用人单位所属工会", "required")
    emp = Employer(name=name, credit_code=code, org_unit_id=unit.id, has_union=False)
    emp.org_unit = unit
    s.add(emp)
    s.flush()
    return emp, placed_at is not None


def _move_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) > MAX_MOVE_REASON:
        raise InvalidInput(
            "reason", f"理由不超过{MAX_MOVE_REASON}字", f"at most {MAX_MOVE_REASON} characters"
        )
    if has_personal_data(text):
        raise InvalidInput(
            "reason",
            "理由中不得写入身份证号或电话号码",
            "must not contain an ID number or a phone number",
        )
    return text


def move_employer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    employer_id: int,
    org_unit_id: int,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> Employer:
    """Place an employer under another union body, so that later calls about it are routed
    there (服务下沉 starts from the employer's unit). An admin, or a supervisor whose part of the
    tree holds both the unit the employer is under and the new one. Each move is recorded (who,
    from, to, when, why); cases already open stay where they are. Moving it to where it is
    records nothing."""
    require(actor, "move_employer")
    text = _move_reason(reason)
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        emp = visible_employer(s, actor, employer_id)
        target = s.get(OrgUnit, org_unit_id)
        if target is None or not actor.covers_path(target.path):
            raise InvalidInput(
                "org_unit_id",
                "须为本单位或下级单位",
                "must be a unit of your own part of the tree",
            )
        if target.id == emp.org_unit_id:
            return emp
        s.add(
            EmployerMove(
                employer_id=emp.id,
                from_unit_id=emp.org_unit_id,
                to_unit_id=target.id,
                by_user_id=actor.user_id,
                actor=actor.username,
                reason=text,
                at=now,
            )
        )
        emp.org_unit_id = target.id
        emp.org_unit = target
        uow.commit()
        return emp


# -- workers --------------------------------------------------------------------------------


def new_worker(
    vault: PiiVault, *, name: str, id_number: str | None = None, phone: str | None = None
) -> CaseWorker:
    """What a caller or worker gave, to be recorded on one case: validated (GB 11643 for the ID
    number), encrypted, blind-indexed so the same person is found again, and masked for
    display. It is never merged into what another case recorded."""
    name = valid_name(name, field="name", max_len=MAX_PERSON_NAME)
    worker = CaseWorker(name=name)
    if id_number:
        idn = normalise_id_number(id_number)
        worker.id_number_enc = vault.encrypt(idn)
        worker.id_number_index = vault.blind_index("id_number", idn)
        worker.id_number_masked = mask_id_number(idn)
    if phone:
        ph = normalise_phone(phone)
        worker.phone_enc = vault.encrypt(ph)
        worker.phone_index = vault.blind_index("phone", ph)
        worker.phone_masked = mask_phone(ph)
    return worker


def copy_worker(worker: CaseWorker) -> CaseWorker:
    """The same record for another case of the same matter (the case a work order opens, a
    child case): the same encrypted values, a record of its own."""
    return CaseWorker(
        name=worker.name,
        id_number_enc=worker.id_number_enc,
        id_number_index=worker.id_number_index,
        id_number_masked=worker.id_number_masked,
        phone_enc=worker.phone_enc,
        phone_index=worker.phone_index,
        phone_masked=worker.phone_masked,
    )
