"""Writes about people and places: org units, users, employers and workers.

Every function is keyword-only after the unit of work, owns one transaction and raises domain
errors. Admin acts check the actor (:func:`casework.people.access.require`) and that the unit
they touch is in the actor's subtree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework.core import signals
from casework.core.errors import Conflict, InvalidInput
from casework.core.text import valid_name
from casework.core.uow import UnitOfWork
from casework.core.vocab import (
    EMPLOYER_REPORTS,
    INDUSTRIES,
    LEVELS,
    MAX_EMPLOYER_NAME,
    MAX_MOVE_REASON,
    MAX_PERSON_NAME,
    MAX_PROJECT_NAME,
    MAX_REPORT_NOTE,
    MAX_STAFF,
    PROJECT_ROLES,
    ROLES,
)
from casework.history import record_employer
from casework.models import (
    CaseWorker,
    Employer,
    EmployerMove,
    OrgUnit,
    Project,
    ProjectParty,
    User,
    UserRole,
)
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


# -- the employer's profile, projects and reports ------------------------------------------------

UNSET: Any = object()


def _count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STAFF:
        raise InvalidInput(
            field, f"应为0到{MAX_STAFF}之间的整数", f"must be a whole number from 0 to {MAX_STAFF}"
        )
    return value


def update_employer_profile(
    uow: UnitOfWork,
    *,
    actor: Actor,
    employer_id: int,
    industry: Any = UNSET,
    staff_count: Any = UNSET,
    union_members: Any = UNSET,
    has_union: Any = UNSET,
    now: dt.datetime | None = None,
) -> Employer:
    """An administrator's correction of what the dossier says about the employer itself: its
    industry (门类 of GB/T 4754-2017), staff count, whether it has a union and how many members.
    Only the fields given change; a change is an event of the employer's chained history."""
    require(actor, "edit_employer")
    changes: dict[str, Any] = {}
    if industry is not UNSET:
        if industry is not None and industry not in INDUSTRIES:
            raise InvalidInput(
                "industry",
                "行业应为国民经济行业分类（GB/T 4754-2017）门类代码 A–T",
                "must be a section letter A-T of GB/T 4754-2017",
            )
        changes["industry"] = industry
    if staff_count is not UNSET:
        changes["staff_count"] = _count(staff_count, "staff_count")
    if union_members is not UNSET:
        changes["union_members"] = _count(union_members, "union_members")
    if has_union is not UNSET:
        if not isinstance(has_union, bool):
            raise InvalidInput("has_union", "应为是或否", "must be true or false")
        changes["has_union"] = has_union
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        emp = visible_employer(uow.session, actor, employer_id)
        staff = changes.get("staff_count", emp.staff_count)
        members = changes.get("union_members", emp.union_members)
        if staff is not None and members is not None and members > staff:
            raise InvalidInput(
                "union_members", "会员人数不能多于职工人数", "cannot exceed the staff count"
            )
        if changes.get("has_union", emp.has_union) is False and members:
            raise InvalidInput(
                "union_members", "未建会的单位没有工会会员", "an employer without a union has none"
            )
        changed = {k: v for k, v in changes.items() if getattr(emp, k) != v}
        if changed:
            before = {k: getattr(emp, k) for k in changed}
            for k, v in changed.items():
                setattr(emp, k, v)
            record_employer(
                uow,
                emp,
                "profile_changed",
                by=actor,
                data={"before": before, "after": changed},
                at=now,
            )
        uow.commit()
        return emp


def change_employer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    employer_id: int,
    org_unit_id: int | None = None,
    reason: str | None = None,
    profile: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Employer:
    """The PATCH of an employer: its profile and/or a move, in one transaction (a refusal of
    either writes nothing)."""
    with uow:
        emp: Employer | None = None
        if profile:
            emp = update_employer_profile(
                uow, actor=actor, employer_id=employer_id, now=now, **profile
            )
        if org_unit_id is not None:
            emp = move_employer(
                uow,
                actor=actor,
                employer_id=employer_id,
                org_unit_id=org_unit_id,
                reason=reason,
                now=now,
            )
        if emp is None:
            raise InvalidInput("org_unit_id", "请至少修改一项", "name at least one field to change")
        uow.commit()
        return emp


def link_project(
    uow: UnitOfWork,
    *,
    actor: Actor,
    employer_id: int,
    role: str,
    project_id: int | None = None,
    name: str | None = None,
    location: str | None = None,
    contractor_id: int | None = None,
    now: dt.datetime | None = None,
) -> ProjectParty:
    """Place the employer in a construction project as its 建设单位, 总承包 or 分包: an existing
    project (``project_id``) or a new one (``name``). A subcontractor may name the employer it
    works for (``contractor_id``, a party of the same project). Recorded in its history."""
    require(actor, "edit_employer")
    if role not in PROJECT_ROLES:
        raise InvalidInput(
            "role",
            f"角色必须是 {'、'.join(PROJECT_ROLES.values())} 之一",
            f"must be one of {', '.join(PROJECT_ROLES)}",
        )
    if (project_id is None) == (name is None):
        raise InvalidInput(
            "project_id", "请选择已有项目或填写新项目名称（二者择一）", "give project_id or name"
        )
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        emp = visible_employer(s, actor, employer_id)
        if project_id is not None:
            project = s.get(Project, project_id)
            if project is None:
                raise InvalidInput("project_id", "项目不存在", "no such project")
        else:
            project = Project(
                name=valid_name(name or "", field="name", max_len=MAX_PROJECT_NAME),
                location=(location or "").strip()[:200],
                created_by=actor.username,
                created_at=now,
            )
            s.add(project)
            s.flush()
        if contractor_id is not None:
            if role != "subcontractor":
                raise InvalidInput(
                    "contractor_id", "只有分包单位可以注明发包方", "only a subcontractor has one"
                )
            party_of = s.scalar(
                select(ProjectParty.id).where(
                    ProjectParty.project_id == project.id,
                    ProjectParty.employer_id == contractor_id,
                    ProjectParty.employer_id != emp.id,
                )
            )
            if party_of is None:
                raise InvalidInput(
                    "contractor_id",
                    "发包方须为同一项目的其他参建单位",
                    "must be another party of the same project",
                )
        if s.scalar(
            select(ProjectParty.id).where(
                ProjectParty.project_id == project.id,
                ProjectParty.employer_id == emp.id,
                ProjectParty.role == role,
            )
        ):
            raise Conflict(
                "该单位已以此身份列入该项目", "already a party of the project in that role"
            )
        party = ProjectParty(
            project_id=project.id,
            employer_id=emp.id,
            role=role,
            contractor_id=contractor_id,
            created_by=actor.username,
            created_at=now,
        )
        s.add(party)
        s.flush()
        record_employer(
            uow,
            emp,
            "project_linked",
            by=actor,
            data={"project_id": project.id, "project": project.name, "role": role},
            at=now,
        )
        uow.commit()
        return party


def report_employer_event(
    uow: UnitOfWork,
    *,
    actor: Actor,
    employer_id: int,
    kind: str,
    occurred_on: dt.date,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Record something that happened at the employer and is no case of its own — today the
    dismissal of a union officer (工会法, its chapter on legal liability) — in the employer's
    chained history, and tell the listeners (the early warning) in the same transaction.
    Returns the event's sequence number. The note names the post (工会主席), never an ID or
    phone number."""
    require(actor, "report_employer_event")
    if kind not in EMPLOYER_REPORTS:
        raise InvalidInput(
            "kind",
            f"事件类型必须是 {'、'.join(EMPLOYER_REPORTS.values())}",
            f"must be one of {', '.join(EMPLOYER_REPORTS)}",
        )
    now = now or dt.datetime.now(dt.UTC)
    text = (note or "").strip()
    if len(text) > MAX_REPORT_NOTE:
        raise InvalidInput(
            "note", f"说明不超过{MAX_REPORT_NOTE}字", f"at most {MAX_REPORT_NOTE} characters"
        )
    if has_personal_data(text):
        raise InvalidInput(
            "note",
            "说明中不得写入身份证号或电话号码",
            "must not contain an ID number or a phone number",
        )
    if not isinstance(occurred_on, dt.date) or occurred_on > now.date() + dt.timedelta(days=1):
        raise InvalidInput("occurred_on", "发生日期不能晚于今天", "must not be in the future")
    with uow:
        emp = visible_employer(uow.session, actor, employer_id)
        data = {"occurred_on": occurred_on.isoformat(), "note": text or None}
        ev = record_employer(uow, emp, kind, by=actor, data=data, at=now)
        signals.emit(
            uow,
            kind,
            employer_id=emp.id,
            at=now,
            subject=f"report:{ev.seq}",
            data={**data, "reported_by": actor.username, "event_seq": ev.seq},
        )
        uow.commit()
        return ev.seq


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
