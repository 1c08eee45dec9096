"""Who is acting, what part of the org tree they see, and who may do what — in one table.

An :class:`Actor` is a plain value built once per request (or per CLI command) from a user row,
so services never reload roles for every check.

- see: a case whose owner or origin unit is in the actor's subtree (operators also what they
  created);
- act on a case: a caseworker on cases owned by their own unit; a supervisor on cases owned
  anywhere in their subtree; an operator on cases owned by their unit or that they created;
- the engine itself (``SYSTEM_ACTOR``) acts where a rule names ``system``.

Workflow steps say who may fire them in their own definition (``Transition.roles``); every other
act is a row of :data:`PERMISSIONS`, checked by :func:`require`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import Session

from casework.core.errors import NotFound, NotPermitted
from casework.core.vocab import SYSTEM
from casework.models import Case, OrgUnit, User


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[str]
    org_unit_id: int | None
    org_path: str
    org_level: str | None

    @property
    def is_system(self) -> bool:
        return SYSTEM in self.roles

    def covers_path(self, path: str) -> bool:
        """Whether the unit with materialised ``path`` is in this actor's subtree."""
        return self.is_system or path.startswith(self.org_path)

    def can_see(self, case: Case) -> bool:
        if self.is_system:
            return True
        if "operator" in self.roles and case.created_by_id == self.user_id:
            return True  # an operator reads what they created, wherever it went
        return self.covers_path(case.org_unit.path) or self.covers_path(case.origin_org_unit.path)

    def acting_roles(self, case: Case) -> frozenset[str]:
        """The roles this actor may use on ``case`` given where the case sits."""
        if self.is_system:
            return frozenset({SYSTEM})
        out = set()
        own_unit = case.org_unit_id == self.org_unit_id
        if "caseworker" in self.roles and own_unit:
            out.add("caseworker")
        if "supervisor" in self.roles and self.covers_path(case.org_unit.path):
            out.add("supervisor")
        if "operator" in self.roles and (own_unit or case.created_by_id == self.user_id):
            out.add("operator")
        return frozenset(out)


SYSTEM_ACTOR = Actor(
    user_id=None,
    username=SYSTEM,
    roles=frozenset({SYSTEM}),
    org_unit_id=None,
    org_path="/",
    org_level=None,
)


@dataclass(frozen=True)
class Permission:
    """Who may do one act: roles held on the case (``on_case``: as :meth:`Actor.acting_roles`
    grants them there) or anywhere (the user's own roles), and what a refused user is told."""

    roles: frozenset[str]
    on_case: bool
    refused_zh: str
    refused_en: str


def _rule(on_case: bool, roles: str, zh: str, en: str) -> Permission:
    return Permission(frozenset(roles.split()), on_case, zh, en)


# Who may do what outside the workflow steps. One row per act.
PERMISSIONS: dict[str, Permission] = {
    # acts on a case: the roles the actor holds *on that case*
    "assign": _rule(
        True,
        "caseworker supervisor system",
        "只有承办单位的办案人员或上级主管可以分派案件",
        "only the owning unit's caseworkers or a supervisor above may assign",
    ),
    "comment": _rule(
        True,
        "caseworker supervisor operator system",
        "只有承办本案的人员或上级主管可以添加备注",
        "only those acting on the case (or a supervisor above) may comment",
    ),
    "link": _rule(
        True,
        "caseworker supervisor operator system",
        "无权在此案件上派生新案件",
        "not permitted to spawn cases from this case",
    ),
    "reveal_pii": _rule(
        True,
        "caseworker supervisor",
        "只有承办本案的办案人员或上级主管可以查看完整个人信息",
        "only a caseworker or supervisor acting on the case may see personal data",
    ),
    "request_escalation": _rule(
        True,
        "caseworker supervisor",
        "只有承办单位或其上级主管可以申请上提",
        "only the unit holding the case or a supervisor above may ask",
    ),
    "merge": _rule(
        True,
        "caseworker supervisor",
        "只有承办单位的办案人员或上级主管可以并案",
        "only the owning unit's caseworkers or a supervisor above may merge cases",
    ),
    "urge": _rule(
        True,
        "operator supervisor",
        "只有派单的话务员或上级主管可以催办",
        "only the dispatching operator or a supervisor above may urge",
    ),
    "take_over": _rule(
        True,
        "supervisor",
        "只有上级主管可以提级办理",
        "only a supervisor above the case may take it over",
    ),
    "manage_clock": _rule(
        True,
        "caseworker supervisor system",
        "只有承办人员或上级主管可以调整期限",
        "only the case's caseworkers or a supervisor may change its clocks",
    ),
    "issue_document": _rule(
        True,
        "caseworker supervisor",
        "只有承办单位的办案人员或上级主管可以发出{kind_zh}",
        "only the owning unit's caseworkers or a supervisor above it may issue documents",
    ),
    "refer": _rule(
        True,
        "caseworker supervisor",
        "只有承办单位的办案人员或上级主管可以向其他机关移送",
        "only the owning unit's caseworkers or a supervisor above may refer a case to an agency",
    ),
    "record_referral": _rule(
        True,
        "caseworker supervisor",
        "只有承办单位的办案人员或上级主管可以登记移送机关的受理、立案、延期和答复",
        "only the owning unit's caseworkers or a supervisor above may record an agency's acts",
    ),
    "oversee": _rule(
        True,
        "supervisor",
        "只有承办单位的上级工会主管可以发出督办函",
        "only a supervisor of a unit above the one holding the case may chase it in writing",
    ),
    "report_mass_incident": _rule(
        True,
        "caseworker supervisor",
        "只有承办单位的办案人员或上级主管可以登记群体性事件的报告",
        "only the owning unit's caseworkers or a supervisor above may record the report",
    ),
    # acts anywhere in the actor's subtree: the roles the user holds
    "open_case": _rule(
        False,
        "operator caseworker supervisor system",
        "无权立案",
        "only operators, caseworkers and supervisors open cases",
    ),
    "file_intake": _rule(
        False, "operator", "只有热线话务员可以登记来电工单", "only hotline operators file intakes"
    ),
    "record_callback": _rule(
        False,
        "operator supervisor",
        "只有热线话务员或主管可以登记回访结果",
        "only hotline operators and supervisors record call-backs",
    ),
    "lookup_caller": _rule(
        False,
        "operator caseworker supervisor",
        "只有话务员、办案人员和主管可以查询来电人的在办事项",
        "only operators, caseworkers and supervisors look up a caller",
    ),
    "create_org_unit": _rule(
        False, "admin system", "只有管理员可以新建组织", "only an admin may create org units"
    ),
    "change_org_unit": _rule(
        False, "admin system", "只有管理员可以修改组织", "only an admin may change org units"
    ),
    "create_user": _rule(
        False, "admin system", "只有管理员可以新建用户", "only an admin may create users"
    ),
    "change_user": _rule(
        False, "admin system", "只有管理员可以修改用户", "only an admin may change users"
    ),
    "move_employer": _rule(
        False,
        "admin supervisor system",
        "只有管理员或上级主管可以调整用人单位的所属工会",
        "only an admin or a supervisor may move an employer to another union body",
    ),
    "edit_employer": _rule(
        False,
        "admin system",
        "只有管理员可以修改用人单位档案",
        "only an admin may change an employer's profile and projects",
    ),
    "report_employer_event": _rule(
        False,
        "operator caseworker supervisor system",
        "只有话务员、办案人员和主管可以登记用人单位事件",
        "only operators, caseworkers and supervisors report events about an employer",
    ),
    "manage_calendar": _rule(
        False, "admin system", "只有管理员可以修改工作日历", "only an admin may change the calendar"
    ),
    # The area-wide 提示函: issued in the name of the actor's own unit to employers under it; a
    # reply recorded by a caseworker of the issuing unit or a supervisor above (the service).
    "issue_tip_letter": _rule(
        False,
        "caseworker supervisor",
        "只有办案人员或主管可以发出提示函",
        "only caseworkers and supervisors issue tip letters",
    ),
    "record_tip_reply": _rule(
        False,
        "caseworker supervisor system",
        "只有办案人员或主管可以登记用人单位对提示函的答复",
        "only caseworkers and supervisors record replies to tip letters",
    ),
    # The early warning: a warning held by a unit of the actor's subtree (checked by the service).
    "dispose_warning": _rule(
        False,
        "supervisor caseworker",
        "只有主管或办案人员可以处置劳动关系预警",
        "only supervisors and caseworkers dispose of early warnings",
    ),
    "configure_warnings": _rule(
        False,
        "admin system",
        "只有管理员可以设置预警规则",
        "only an admin may configure the warning rules",
    ),
}


def may(actor: Actor, act: str, case: Case | None = None) -> bool:
    rule = PERMISSIONS[act]
    held = actor.acting_roles(case) if rule.on_case and case is not None else actor.roles
    return bool(held & rule.roles)


def require(actor: Actor, act: str, case: Case | None = None, **details: object) -> None:
    """Raise :class:`NotPermitted` unless ``actor`` may do ``act`` (on ``case`` for case acts).
    ``details`` fill the placeholders of the refusal (``kind_zh``) and travel with the error."""
    if not may(actor, act, case):
        rule = PERMISSIONS[act]
        raise NotPermitted(rule.refused_zh.format(**details), rule.refused_en, act=act, **details)


def subtree_of(actor: Actor) -> Select:
    """Ids of the units in the actor's subtree, as a subquery."""
    return select(OrgUnit.id).where(OrgUnit.path.startswith(actor.org_path))


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """:meth:`Actor.can_see` as SQL, for lists: owner or origin in the subtree, or (operators)
    created by the actor."""
    if actor.is_system:
        return true()
    sub = subtree_of(actor)
    cond = or_(Case.org_unit_id.in_(sub), Case.origin_org_unit_id.in_(sub))
    if "operator" in actor.roles and actor.user_id is not None:
        cond = or_(cond, Case.created_by_id == actor.user_id)
    return cond


def actor_from_user(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=user.roles,
        org_unit_id=user.org_unit_id,
        org_path=user.org_unit.path,
        org_level=user.org_unit.level,
    )


def load_actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        raise NotFound("用户不存在或已停用", f"no active user {username!r}")
    return actor_from_user(user)
