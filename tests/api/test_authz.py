"""The authorisation matrix: every operation of the live OpenAPI document × every demo user (and
callers without a valid token) × targets inside and outside the caller's part of the tree, each
answered with the exact status the access rules give.

The rules, written here independently of :mod:`casework.access` so the test can disagree with it:

- see: a case whose owner or origin unit is in the caller's subtree; an operator also sees the
  cases they created. A case (org unit, notification) the caller may not see is 404, never 403;
- act: a caseworker on cases owned by their own unit; a supervisor on cases owned anywhere in
  their subtree; an operator on cases owned by their unit or that they created (for the triggers
  the workflow gives operators). A visible case the caller may not act on is 403;
- only operators file intakes; only admins create and change org units and the calendar;
- without a valid token every operation is 401, except logging in.

Each row of ``ROWS`` is one operation (every ``(method, path)`` of the spec has at least one;
the first test fails on an operation without a row) with its targets, the expected status for a
user and target, and a request whose body is valid for an authorised caller, so the status shows
authorisation and nothing else. Case targets are seven placements of a wage-arrears case (held
at TH-SP-ACME, TH-SP, HZ-NHX, GZ, GD; held at TH after starting at TH-SP; held at GD but created
by the hotline), so every user meets cases inside, above, beside and below their unit. Org-unit
targets are the demo units; notification targets are notices to the caller, their unit, another
user and another unit.

Each row runs as its own test on fresh demo data against gunicorn; cases are set up in-process
through the services and replaced after every request that changed them. Tokens are stored as a
login stores them (the POST /auth/token row logs every user in over HTTP). Mismatches are
collected and reported together: principal, target, expected, got, body (personal data masked).
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from casework import demo as demo_data
from casework.cases.service import WorkerInput, fire, open_case
from casework.clocks.calendar import set_day
from casework.clocks.service import pause_clock
from casework.core.time import local_date
from casework.documents.service import create_draft
from casework.documents.tip_letters import issue_tip_letter
from casework.escalation.service import request_extension
from casework.models import ApiToken, Case, Deadline, Employer, Notification
from casework.notices.service import report_mass_incident
from casework.people.access import SYSTEM_ACTOR, Actor
from casework.people.auth import token_hash
from casework.referrals import service as referral_service
from casework.warnings.queries import Scope
from casework.warnings.service import evaluate
from tests.conftest import PII_PATTERNS
from tests.helpers import good_data

ANON = "(anonymous)"
BAD_TOKEN = "(bad token)"

USERS: dict[str, tuple[frozenset[str], str]] = {
    username: (frozenset(roles), unit) for username, _display, roles, unit in demo_data.USERS
}
PRINCIPALS = [*USERS, ANON, BAD_TOKEN]
PARENT = {code: parent for code, _name, _level, parent in demo_data.ORG_UNITS}
UNITS = list(PARENT)


def covers(root: str, code: str | None) -> bool:
    """Whether unit ``code`` is ``root`` or below it."""
    while code is not None:
        if code == root:
            return True
        code = PARENT[code]
    return False


# -- where the cases sit ---------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    key: str
    owner: str
    origin: str
    created_by: str | None = None


PLACEMENTS = {
    p.key: p
    for p in (
        Placement("ACME", "TH-SP-ACME", "TH-SP-ACME"),  # grassroots, below Shipai
        Placement("SP", "TH-SP", "TH-SP"),  # Shipai township (Tianhe)
        Placement("TH<-SP", "TH", "TH-SP"),  # started at Shipai, now held by Tianhe county
        Placement("NHX", "HZ-NHX", "HZ-NHX"),  # Nanhuaxi township (Haizhu)
        Placement("GZ", "GZ", "GZ"),  # held by the city union itself
        Placement("GD", "GD", "GD"),  # held by the province: outside every city user
        Placement("GD/hotline", "GD", "GD", created_by="hotline"),  # ... but created by the hotline
    )
}

# The caseworker (or supervisor) of each unit that a case there may be assigned to.
ASSIGNEE = {
    "TH-SP-ACME": "caseworker.acme",
    "TH-SP": "caseworker.shipai",
    "TH": "supervisor.tianhe",
    "HZ-NHX": "caseworker.nanhuaxi",
    "GZ": "supervisor.guangzhou",
    "GD": "admin",  # nobody may act on a case held at GD, so this is never reached
}

HANDLERS = frozenset({"caseworker", "supervisor"})
OPENING_ROLES = frozenset({"operator", "caseworker", "supervisor"})


def sees(user: str, p: Placement) -> bool:
    roles, unit = USERS[user]
    if "operator" in roles and p.created_by == user:
        return True
    return covers(unit, p.owner) or covers(unit, p.origin)


def acting(user: str, p: Placement) -> frozenset[str]:
    roles, unit = USERS[user]
    out = set()
    if "caseworker" in roles and p.owner == unit:
        out.add("caseworker")
    if "supervisor" in roles and covers(unit, p.owner):
        out.add("supervisor")
    if "operator" in roles and (p.owner == unit or p.created_by == user):
        out.add("operator")
    return frozenset(out)


def extension_decision(user: str, key: str) -> int:
    """A request for more time is decided by a supervisor of the level above the holder (the
    dispatching level; the cases here were never dispatched)."""
    p = PLACEMENTS[key]
    if not sees(user, p):
        return 404
    deciding = PARENT[p.owner] or p.owner
    return 200 if "supervisor" in USERS[user][0] and covers(USERS[user][1], deciding) else 403


def pending_extension(w: World, principal: str, key: str) -> Request:
    """Set-up: the holder has asked for two more days on the verification clock."""
    case_id, _ = w.case(key)
    with w.rt.reader() as uow:
        case = uow.session.get(Case, case_id)
        pending = bool((case.attributes or {}).get("extension_request"))
        owner = case.org_unit
    if not pending:
        request_extension(
            w.rt.uow(),
            case_id=case_id,
            rule="verification",
            days=2,
            reason="等待用人单位提供工资台账",
            actor=Actor(
                user_id=None,
                username="authz-setup",
                roles=HANDLERS,
                org_unit_id=owner.id,
                org_path=owner.path,
                org_level=owner.level,
            ),
        )
    return Request(
        "POST",
        f"/cases/{case_id}/clocks/verification/extension-requests/decision",
        json={"approve": True, "note": "同意"},
    )


def case_read(user: str, key: str) -> int:
    return 200 if sees(user, PLACEMENTS[key]) else 404


def case_write(roles: frozenset[str], ok: int) -> Callable[[str, str], int]:
    def expect(user: str, key: str) -> int:
        p = PLACEMENTS[key]
        if not sees(user, p):
            return 404
        return ok if acting(user, p) & roles else 403

    return expect


def anyone(status: int) -> Callable[[str, Any], int]:
    return lambda user, target: status


def admin_only(ok: int) -> Callable[[str, Any], int]:
    return lambda user, target: ok if "admin" in USERS[user][0] else 403


def unit_read(user: str, code: str) -> int:
    return 200 if covers(USERS[user][1], code) else 404


# Data that takes a fresh wage-arrears case (registered) to the state a row needs.
STATE_PATHS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "registered": [],
    "negotiating": [("verify", {"months_in_arrears": 3}), ("start_negotiation", {})],
    "paid": [
        ("verify", {"months_in_arrears": 3}),
        ("start_negotiation", {}),
        ("record_payment", {"amount_paid": "8000"}),
    ],
}

WORKER = {"name": "王五", "id_number": "11010519491231002X", "phone": "13912345678"}

# POST /cases: the engine routes the case; each target names where it lands.
NEW_CASES = {
    "mediation→TH-SP-ACME": ("mediation", "科技", "TH-SP-ACME"),
    "wage_arrears→TH-SP": ("wage_arrears", "建筑", "TH-SP"),
    "wage_arrears→HZ-NHX": ("wage_arrears", "餐饮", "HZ-NHX"),
}


def case_create(user: str, target: str) -> int:
    roles, unit = USERS[user]
    if not roles & OPENING_ROLES:
        return 403
    # "Keep every unit inside its own part of the tree": a case may be opened where the
    # caller's unit reaches, or rise from the caller's unit to a competent unit above it (the
    # filing unit stays its origin); never into another branch.
    lands = NEW_CASES[target][2]
    return 201 if covers(unit, lands) or covers(lands, unit) else 403


# Notifications: addressed to the caller, to the caller's unit, to someone else, to another unit.
NOTICE_TARGETS = ("to me", "to my unit", "to another user", "to another unit")


def notice_ack(user: str, target: str) -> int:
    return 200 if target in ("to me", "to my unit") else 404


# -- the world one row runs in ---------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str  # under /api/v1
    json: Any = None
    params: dict[str, Any] | None = None
    token: str | None = None  # send this token instead of the principal's session
    note: dict[str, Any] = field(default_factory=dict)


class World:
    """Fresh demo data for one row: lazily made cases and notifications, and the HTTP client."""

    def __init__(self, api: Any, rt: Any, demo: Any) -> None:
        self.api, self.rt, self.demo = api, rt, demo
        self.user_ids = {u: demo.actor(u).user_id for u in USERS}
        self._cases: dict[tuple[str, str], tuple[int, int]] = {}
        self._notices: dict[str, int] = {}
        self._sessions: dict[str, requests.Session] = {}
        self._seq = itertools.count(1)

    def next(self) -> int:
        return next(self._seq)

    # tokens
    def token(self, user: str) -> str:
        """A valid bearer token for ``user``, stored the way a login stores one. Logging in over
        HTTP costs a password hash per user and row; the POST /auth/token row covers login."""
        token = "cw_authz_" + secrets.token_urlsafe(24)
        now = dt.datetime.now(dt.UTC)
        with self.rt.uow() as uow:
            uow.session.add(
                ApiToken(
                    user_id=self.user_ids[user],
                    token_hash=token_hash(token),
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=1),
                )
            )
            uow.commit()
        return token

    def session(self, user: str) -> requests.Session:
        if user not in self._sessions:
            s = self.api.http.Session()
            s.headers["Authorization"] = f"Bearer {self.token(user)}"
            self._sessions[user] = s
        return self._sessions[user]

    # cases
    def case(self, key: str, state: str = "registered") -> tuple[int, int]:
        """(case id, worker person id) of a case at ``key`` in ``state``."""
        if (key, state) not in self._cases:
            self._cases[(key, state)] = self._make_case(PLACEMENTS[key], state)
        return self._cases[(key, state)]

    def discard(self, key: str, state: str) -> None:
        self._cases.pop((key, state), None)

    def _make_case(self, p: Placement, state: str) -> tuple[int, int]:
        owner, origin = self.demo.unit(p.owner), self.demo.unit(p.origin)
        # Set-up only: a handler of the owning unit walks the case to the state the row needs.
        setup = Actor(
            user_id=None,
            username="authz-setup",
            roles=HANDLERS,
            org_unit_id=owner.id,
            org_path=owner.path,
            org_level=owner.level,
        )
        case = open_case(
            self.rt.uow(),
            actor=setup,
            workflow="wage_arrears",
            org_unit_id=owner.id,
            origin_org_unit_id=origin.id,
            employer_id=self.demo.employer("建筑").id,
            workers=[WorkerInput(**WORKER)],
            worker_count=1,
            amount_claimed="8000",
            summary="授权矩阵测试案件",
        )
        case_id = case.id
        for trigger, data in STATE_PATHS[state]:
            fire(self.rt.uow(), case_id=case_id, trigger=trigger, actor=setup, data=data)
        if p.created_by:
            # Set-up only: no service opens a case outside its creator's subtree; the row stands
            # for an operator's case that has since left it.
            with self.rt.engine.begin() as conn:
                conn.execute(
                    update(Case.__table__)
                    .where(Case.__table__.c.id == case_id)
                    .values(created_by_id=self.user_ids[p.created_by])
                )
        with self.rt.reader() as uow:
            c = uow.session.get(Case, case_id)
            assert c is not None and c.state == state, (c and c.state, state)
            person_id = c.workers[0].id
        return case_id, person_id

    # documents
    def draft(self, key: str, state: str) -> int:
        """A draft 提请劳动保障监察处理函 on the case at ``key`` in ``state``, written by a handler
        of the unit holding it (one per case)."""
        case_id, _ = self.case(key, state)
        if ("draft", case_id) not in self._cases:
            owner = self.demo.unit(PLACEMENTS[key].owner)
            setup = Actor(
                user_id=None,
                username="authz-setup",
                roles=HANDLERS,
                org_unit_id=owner.id,
                org_path=owner.path,
                org_level=owner.level,
            )
            doc = create_draft(
                self.rt.uow(),
                case_id=case_id,
                actor=setup,
                kind="inspection_referral",
                addressee="劳动保障监察大队",
                data=good_data("wage_arrears", "refer_to_inspection"),
            )
            self._cases[("draft", case_id)] = (doc.id, 0)
        return self._cases[("draft", case_id)][0]

    # notifications
    def notice(self, principal: str, target: str) -> int:
        user = principal if principal in USERS else "admin"
        unit = USERS[user][1]
        if target == "to me":
            addressee = ("user", user)
        elif target == "to my unit":
            addressee = ("unit", unit)
        elif target == "to another user":
            addressee = (
                "user",
                "caseworker.nanhuaxi" if user != "caseworker.nanhuaxi" else "caseworker.shipai",
            )
        else:
            addressee = ("unit", "TH-SP" if unit != "TH-SP" else "HZ-NHX")
        k = f"{addressee[0]}:{addressee[1]}"
        if k not in self._notices:
            with self.rt.uow() as uow:
                n = Notification(
                    kind="reminder", title="授权测试通知", body="", data={}, dedupe_key=f"authz:{k}"
                )
                if addressee[0] == "user":
                    n.user_id = self.user_ids[addressee[1]]
                else:
                    n.org_unit_id = self.demo.unit(addressee[1]).id
                uow.session.add(n)
                uow.session.flush()
                self._notices[k] = n.id
                uow.commit()
        return self._notices[k]

    # HTTP
    def send(self, principal: str, req: Request) -> requests.Response:
        kw: dict[str, Any] = {"json": req.json, "params": req.params, "timeout": 30}
        url = self.api.url(req.path)
        if req.token is not None:
            return self.api.http.request(
                req.method, url, headers={"Authorization": f"Bearer {req.token}"}, **kw
            )
        if principal == ANON:
            return self.api.http.request(req.method, url, **kw)
        if principal == BAD_TOKEN:
            return self.api.http.request(
                req.method, url, headers={"Authorization": "Bearer not-a-real-token"}, **kw
            )
        return self.session(principal).request(req.method, url, **kw)


# -- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # as in the OpenAPI document
    targets: tuple[Any, ...]
    expect: Callable[[str, Any], int]  # for an authenticated demo user
    build: Callable[[World, str, Any], Request]
    variant: str = ""
    public: bool = False  # no token needed
    state: str = "registered"  # the state a case target must be in
    consumes: bool = False  # a success changes the case: use a fresh one for the next call
    check: Callable[[World, str, Any, Request, requests.Response], str | None] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.variant}]" if self.variant else "")

    def expected(self, principal: str, target: Any) -> int:
        if principal in USERS:
            return self.expect(principal, target)
        return self.expect(principal, target) if self.public else 401


NONE = (None,)
CASES = tuple(PLACEMENTS)


def on_case(
    suffix: str,
    method: str = "GET",
    body: Callable[[World, str], Any] | None = None,
    state: str = "registered",
) -> Callable[[World, str, Any], Request]:
    def build(w: World, principal: str, key: str) -> Request:
        case_id, _person_id = w.case(key, state)
        return Request(method, f"/cases/{case_id}{suffix}", json=body(w, key) if body else None)

    return build


def on_draft(
    suffix: str = "",
    method: str = "GET",
    body: Callable[[World, str], Any] | None = None,
    state: str = "negotiating",
) -> Callable[[World, str, Any], Request]:
    """A request about a draft document of the case at the target."""

    def build(w: World, principal: str, key: str) -> Request:
        case_id, _ = w.case(key, state)
        doc_id = w.draft(key, state)
        path = f"/cases/{case_id}/documents/{doc_id}{suffix}"
        return Request(method, path, json=body(w, key) if body else None)

    return build


def simple(
    method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
) -> Callable[[World, str, Any], Request]:
    return lambda w, principal, target: Request(method, path, json=json, params=params)


def login_body(w: World, principal: str, target: Any) -> Request:
    username = principal if principal in USERS else "auditor"
    return Request(
        "POST", "/auth/token", json={"username": username, "password": demo_data.DEFAULT_PASSWORD}
    )


def logout(w: World, principal: str, target: Any) -> Request:
    # A token of its own: revoking the session's token would break the rest of the row.
    token = w.token(principal) if principal in USERS else None
    return Request("DELETE", "/auth/token", token=token)


def logout_check(
    w: World, principal: str, target: Any, req: Request, resp: requests.Response
) -> str | None:
    if req.token is None:
        return None
    again = w.api.http.get(
        w.api.url("/me"), headers={"Authorization": f"Bearer {req.token}"}, timeout=30
    )
    return (
        None
        if again.status_code == 401
        else f"revoked token still works on /me: {again.status_code}"
    )


def me_check(
    w: World, principal: str, target: Any, req: Request, resp: requests.Response
) -> str | None:
    got = resp.json().get("username")
    return None if got == principal else f"/me says {got!r}"


def list_cases(w: World, principal: str, target: Any) -> Request:
    ids = {w.case(k)[0]: k for k in PLACEMENTS}
    return Request("GET", "/cases", params={"per_page": 100}, note={"ids": ids})


def list_cases_check(
    w: World, principal: str, target: Any, req: Request, resp: requests.Response
) -> str | None:
    ids = req.note["ids"]
    listed = {ids[i["id"]] for i in resp.json()["items"] if i["id"] in ids}
    should = {k for k in PLACEMENTS if sees(principal, PLACEMENTS[k])}
    if listed != should:
        return f"lists {sorted(listed)}, should list {sorted(should)}"
    return None


def new_case(w: World, principal: str, target: str) -> Request:
    workflow, employer, _lands = NEW_CASES[target]
    emp = w.demo.employer(employer)
    return Request(
        "POST",
        "/cases",
        json={
            "workflow": workflow,
            "employer": {"name": emp.name, "credit_code": emp.credit_code},
            "workers": [{"name": "赵六"}],
            "worker_count": 1,
            "amount_claimed": "3000",
            "summary": "授权矩阵测试立案",
            "channel": "walk_in",
        },
    )


def new_case_check(
    w: World, principal: str, target: str, req: Request, resp: requests.Response
) -> str | None:
    if resp.status_code != 201:
        return None
    lands = resp.json()["org_unit"]["code"]
    return (
        None
        if lands == NEW_CASES[target][2]
        else f"routed to {lands}, the test expected {NEW_CASES[target][2]}"
    )


def intake(w: World, principal: str, target: Any) -> Request:
    emp = w.demo.employer("建筑")
    return Request(
        "POST",
        "/intakes",
        json={
            "caller": {"name": "李四", "phone": "13800138000"},
            "employer": {"name": emp.name, "credit_code": emp.credit_code},
            "category": "wage_arrears",
            "complexity": "normal",
            "worker_count": 1,
            "amount_claimed": "5000",
            "description": "授权矩阵测试来电",
        },
    )


def unit_id(w: World, code: str) -> int:
    return w.demo.unit(code).id


def new_unit(w: World, principal: str, parent: str) -> Request:
    n = w.next()
    return Request(
        "POST",
        "/org-units",
        json={
            "code": f"AUTHZ-{n}",
            "name": f"授权测试工会{n}",
            "level": "grassroots",
            "parent_id": unit_id(w, parent),
        },
    )


def unit_written_check(
    w: World, principal: str, target: str, req: Request, resp: requests.Response
) -> str | None:
    """An allowed write is kept: the unit reads back as written."""
    unit = resp.json()
    again = w.send(principal, Request("GET", f"/org-units/{unit['id']}"))
    if again.status_code != 200:
        return f"the unit written does not read back: {again.status_code}"
    sent = {k: v for k, v in req.json.items() if k in ("code", "name")}
    kept = {k: again.json().get(k) for k in sent}
    return None if kept == sent else f"wrote {sent}, reads back {kept}"


def calendar_written_check(
    w: World, principal: str, target: Any, req: Request, resp: requests.Response
) -> str | None:
    """An allowed write is kept: the day marked a holiday is no longer a working-day due date."""
    due = w.send(
        principal,
        Request(
            "GET",
            "/calendar/deadline",
            params={"start": "2031-05-05", "days": 1, "unit": "working"},
        ),
    )
    if due.status_code != 200:
        return f"deadline after the write: {due.status_code}"
    return None if due.json()["due"] != "2031-05-06" else "2031-05-06 still counts as a working day"


def admin_day(w: World, principal: str, target: Any) -> Request:
    """An administrator's row for Wed 7 May 2031 (set up in-process), to be deleted."""
    with w.rt.uow() as uow:
        set_day(uow.session, dt.date(2031, 5, 7), is_workday=False, name="授权测试")
        uow.commit()
    return Request("DELETE", "/calendar/days/2031-05-07")


def calendar_unset_check(
    w: World, principal: str, target: Any, req: Request, resp: requests.Response
) -> str | None:
    """An allowed delete is kept: the day counts as a working day again (Monday–Friday)."""
    due = w.send(
        principal,
        Request(
            "GET",
            "/calendar/deadline",
            params={"start": "2031-05-06", "days": 1, "unit": "working"},
        ),
    )
    if due.status_code != 200:
        return f"deadline after the delete: {due.status_code}"
    return None if due.json()["due"] == "2031-05-07" else "2031-05-07 is still a holiday"


def link_expect(user: str, key: str) -> int:
    """A linked case opens at the parent's unit: the caller acts on the parent (as its
    caseworker, a supervisor above it, or its operator) and may open cases at that unit."""
    p = PLACEMENTS[key]
    if not sees(user, p):
        return 404
    if not acting(user, p) & (HANDLERS | {"operator"}):
        return 403
    return 201 if covers(USERS[user][1], p.owner) else 403


def link_check(
    w: World, principal: str, target: str, req: Request, resp: requests.Response
) -> str | None:
    """An allowed link is kept: the new case reads back as the parent's child."""
    child = resp.json()
    again = w.send(principal, Request("GET", f"/cases/{child['id']}"))
    if again.status_code != 200:
        return f"the linked case does not read back: {again.status_code}"
    parent_id = w.case(target)[0]
    return None if again.json()["parent_id"] == parent_id else "the new case has another parent"


def paused_clock(w: World, principal: str, key: str) -> Request:
    """A case whose verification clock a user paused (set up in-process), to be resumed."""
    case_id, _person_id = w.case(key)
    with w.rt.reader() as uow:
        status = uow.session.scalar(
            select(Deadline.status).where(
                Deadline.case_id == case_id, Deadline.rule == "verification"
            )
        )
    if status == "running":
        pause_clock(
            w.rt.uow(),
            case_id=case_id,
            rule="verification",
            actor=SYSTEM_ACTOR,
            reason="授权矩阵测试暂停",
        )
    return Request(
        "POST", f"/cases/{case_id}/clocks/verification/resume", json={"reason": "恢复计时"}
    )


def mass_incident_report(w: World, principal: str, key: str) -> Request:
    """A case flagged a mass incident (set up in-process: the flag and the report it starts, as
    opening it so would), whose same-day report is then recorded."""
    case_id, _person_id = w.case(key)
    with w.rt.uow() as uow:
        case = uow.session.get(Case, case_id)
        if not case.mass_incident:
            case.mass_incident = True
            report_mass_incident(uow, case, now=dt.datetime.now(dt.UTC))
            uow.commit()
    return Request(
        "POST",
        f"/cases/{case_id}/mass-incident-report",
        json={"reported_to": "中共天河区委、天河区人民政府"},
    )


def user_read(user: str, target: str) -> int:
    return 200 if covers(USERS[user][1], USERS[target][1]) else 404


def user_id(w: World, username: str) -> int:
    return w.demo.actor(username).user_id


def new_user(w: World, principal: str, unit: str) -> Request:
    n = w.next()
    return Request(
        "POST",
        "/users",
        json={
            "username": f"authz.{n}",
            "display_name": f"授权测试用户{n}",
            "org_unit_id": unit_id(w, unit),
            "roles": ["caseworker"],
            "password": "authz-password",
        },
    )


def user_written_check(
    w: World, principal: str, target: str, req: Request, resp: requests.Response
) -> str | None:
    """An allowed write is kept: the user reads back as written."""
    again = w.send(principal, Request("GET", f"/users/{resp.json()['id']}"))
    if again.status_code != 200:
        return f"the user written does not read back: {again.status_code}"
    name = req.json["display_name"]
    return (
        None
        if again.json()["display_name"] == name
        else f"wrote {name}, reads back {again.json()['display_name']}"
    )


# Employers: where each demo employer is placed, and the moves the PATCH row asks for.
EMPLOYER_AT = {name: unit for name, _credit, unit, _union in demo_data.EMPLOYERS}
EMPLOYER_KEYS = {
    "科技": "广州市某科技有限公司",
    "建筑": "广州市某建筑劳务有限公司",
    "餐饮": "广州市某餐饮管理有限公司",
}
EMPLOYER_MOVES = {
    "科技→TH-SP": ("科技", "TH-SP"),
    "建筑→TH-SP-ACME": ("建筑", "TH-SP-ACME"),
    "建筑→HZ-NHX": ("建筑", "HZ-NHX"),  # across districts: only a unit above both may
    "餐饮→HZ": ("餐饮", "HZ"),
}


def employer_read(user: str, key: str) -> int:
    return 200 if covers(USERS[user][1], EMPLOYER_AT[EMPLOYER_KEYS[key]]) else 404


def employer_move(user: str, move: str) -> int:
    """Admins and supervisors; the employer must be in their part of the tree (else not found)
    and so must the unit it goes to (else 422 on org_unit_id)."""
    roles, unit = USERS[user]
    key, to = EMPLOYER_MOVES[move]
    if not roles & {"admin", "supervisor"}:
        return 403
    if not covers(unit, EMPLOYER_AT[EMPLOYER_KEYS[key]]):
        return 404
    return 200 if covers(unit, to) else 422


def employer_id(w: World, key: str) -> int:
    return w.demo.employer(key).id


def move_employer_request(w: World, principal: str, move: str) -> Request:
    """The employer put back where the demo placed it (in-process), then moved."""
    key, to = EMPLOYER_MOVES[move]
    with w.rt.engine.begin() as conn:
        conn.execute(
            update(Employer.__table__)
            .where(Employer.__table__.c.id == employer_id(w, key))
            .values(org_unit_id=unit_id(w, EMPLOYER_AT[EMPLOYER_KEYS[key]]))
        )
    return Request(
        "PATCH",
        f"/employers/{employer_id(w, key)}",
        json={"org_unit_id": unit_id(w, to), "reason": "授权矩阵测试调整"},
        note={"to": to},
    )


def employer_moved_check(
    w: World, principal: str, target: str, req: Request, resp: requests.Response
) -> str | None:
    """An allowed move is kept: the employer reads back under the new unit."""
    again = w.send("admin", Request("GET", req.path))
    got = again.json()["org_unit"]["code"] if again.status_code == 200 else again.status_code
    return None if got == req.note["to"] else f"moved to {req.note['to']}, reads back {got}"


def employer_report(user: str, key: str) -> int:
    """Operators, caseworkers and supervisors (403 before anything else); the employer must be
    placed in their part of the tree (else not found)."""
    if not USERS[user][0] & {"operator", "caseworker", "supervisor"}:
        return 403
    return 201 if employer_read(user, key) == 200 else 404


def report_request(w: World, principal: str, key: str) -> Request:
    return Request(
        "POST",
        f"/employers/{employer_id(w, key)}/events",
        json={"kind": "union_officer_dismissed", "occurred_on": local_date().isoformat()},
    )


def project_request(w: World, principal: str, key: str) -> Request:
    return Request(
        "POST",
        f"/employers/{employer_id(w, key)}/projects",
        json={"name": f"授权矩阵测试工程{w.next()}", "role": "general_contractor"},
    )


REFERRAL_BODY = {
    "agency_kind": "labour_inspection",
    "agency_name": "天河区劳动保障监察大队",
    "basis": "工会法 第二十三条",
    "matter": "授权矩阵测试移送",
}


def referral_on(w: World, key: str, *, filed: bool = False) -> tuple[int, int]:
    """Set-up: (case id, referral id) of a negotiating case at ``key`` the holder referred to
    labour inspection (and whose 立案 is recorded, with ``filed``)."""
    case_id, _ = w.case(key, "negotiating")
    made: dict[tuple[int, bool], int] = w.__dict__.setdefault("referrals", {})
    if (case_id, filed) not in made:
        owner = w.demo.unit(PLACEMENTS[key].owner)
        setup = Actor(
            user_id=None,
            username="authz-setup",
            roles=HANDLERS,
            org_unit_id=owner.id,
            org_path=owner.path,
            org_level=owner.level,
        )
        r = referral_service.refer(
            w.rt.uow(),
            case_id=case_id,
            actor=setup,
            **REFERRAL_BODY,
            data=good_data("wage_arrears", "refer_to_inspection"),
        )
        if filed:
            referral_service.record_filing(
                w.rt.uow(),
                case_id=case_id,
                referral_id=r.id,
                actor=setup,
                filed_on=local_date(),
            )
        made[(case_id, filed)] = r.id
    return case_id, made[(case_id, filed)]


def on_referral(
    suffix: str, method: str = "POST", body: Any = None, *, filed: bool = False
) -> Callable[[World, str, Any], Request]:
    def build(w: World, principal: str, key: str) -> Request:
        case_id, referral_id = referral_on(w, key, filed=filed)
        return Request(method, f"/cases/{case_id}/referrals/{referral_id}{suffix}", json=body)

    return build


def referral_list_check(
    w: World, principal: str, target: Any, req: Request, resp: requests.Response
) -> str | None:
    ids = {w.case(k, "negotiating")[0]: k for k in PLACEMENTS}
    listed = {ids[i["case"]["id"]] for i in resp.json()["items"] if i["case"]["id"] in ids}
    should = {k for k in PLACEMENTS if sees(principal, PLACEMENTS[k])}
    return None if listed == should else f"lists {sorted(listed)}, should list {sorted(should)}"


def referral_list(w: World, principal: str, target: Any) -> Request:
    for k in PLACEMENTS:
        referral_on(w, k)
    return Request("GET", "/referrals", params={"per_page": 100})


# Early warnings: one held by the unit competent for each demo employer (the employer's own unit).
WARNING_AT = {"科技": "TH-SP-ACME", "建筑": "TH-SP", "餐饮": "HZ-NHX"}


def warning_read(user: str, key: str) -> int:
    return 200 if covers(USERS[user][1], WARNING_AT[key]) else 404


def warning_dispose(user: str, key: str) -> int:
    """Seen (the warning's unit in the caller's subtree, else 404), then supervisors and
    caseworkers only (403)."""
    roles, unit = USERS[user]
    if not covers(unit, WARNING_AT[key]):
        return 404
    return 200 if roles & {"supervisor", "caseworker"} else 403


def new_warning(w: World, key: str) -> int:
    """Set-up: a fresh open warning on the employer, raised as its source's signal would."""
    with w.rt.uow() as uow:
        [warning] = evaluate(
            uow,
            employer_id=employer_id(w, key),
            codes=("union_officer_dismissed",),
            now=dt.datetime.now(dt.UTC),
            scope=Scope(subject=f"authz:{w.next()}"),
        )
        uow.commit()
        return warning.id


def dispose_request(w: World, principal: str, key: str) -> Request:
    return Request(
        "POST",
        f"/warnings/{new_warning(w, key)}/disposition",
        json={"action": "dismiss", "note": "授权矩阵测试排除"},
    )


# Area-wide 提示函: issued by a unit in its own name to the employers under it (targets: the
# demo employers); read where the issuing unit is in the caller's subtree; a reply recorded by a
# caseworker of the issuing unit or a supervisor above it (targets: the issuing units).
TIP_LETTER_TO = {"TH": "建筑", "TH-SP": "建筑", "TH-SP-ACME": "科技", "HZ-NHX": "餐饮"}
TIP_BODY = {"scope": "授权矩阵测试范围", "matter": "授权矩阵测试事项"}


def tip_issue(user: str, key: str) -> int:
    roles, unit = USERS[user]
    if not roles & HANDLERS:
        return 403
    return 201 if covers(unit, EMPLOYER_AT[EMPLOYER_KEYS[key]]) else 404


def tip_read(user: str, issuer: str) -> int:
    return 200 if covers(USERS[user][1], issuer) else 404


def tip_reply(user: str, issuer: str) -> int:
    roles, unit = USERS[user]
    if not covers(unit, issuer):
        return 404
    if ("caseworker" in roles and unit == issuer) or "supervisor" in roles:
        return 200
    return 403


def tip_letter_at(w: World, issuer: str) -> int:
    """Set-up: a fresh letter of ``issuer`` to the demo employer under it."""
    unit = w.demo.unit(issuer)
    setup = Actor(
        user_id=None,
        username="authz-setup",
        roles=HANDLERS,
        org_unit_id=unit.id,
        org_path=unit.path,
        org_level=unit.level,
    )
    letter = issue_tip_letter(
        w.rt.uow(),
        actor=setup,
        employer_ids=[employer_id(w, TIP_LETTER_TO[issuer])],
        **TIP_BODY,
    )
    return letter.id


def on_tip_letter(suffix: str = "") -> Callable[[World, str, Any], Request]:
    def build(w: World, principal: str, issuer: str) -> Request:
        letters: dict[str, int] = w.__dict__.setdefault("tip_letters", {})
        if issuer not in letters:
            letters[issuer] = tip_letter_at(w, issuer)
        return Request("GET", f"/tip-letters/{letters[issuer]}{suffix}")

    return build


def tip_reply_request(w: World, principal: str, issuer: str) -> Request:
    return Request(
        "POST",
        f"/tip-letters/{tip_letter_at(w, issuer)}/replies",
        json={
            "employer_id": employer_id(w, TIP_LETTER_TO[issuer]),
            "replied_on": local_date().isoformat(),
            "summary": "授权矩阵测试答复",
        },
    )


def deadline_args() -> dict[str, Any]:
    return {"start": "2026-03-02", "days": 5, "unit": "working"}


ROWS: list[Row] = [
    # -- auth
    Row("POST", "/api/v1/auth/token", NONE, anyone(201), login_body, public=True),
    Row("DELETE", "/api/v1/auth/token", NONE, anyone(204), logout, check=logout_check),
    Row("GET", "/api/v1/me", NONE, anyone(200), simple("GET", "/me"), check=me_check),
    # -- org units
    Row("GET", "/api/v1/org-units", NONE, anyone(200), simple("GET", "/org-units")),
    Row(
        "POST",
        "/api/v1/org-units",
        tuple(u for u in UNITS if u != "TH-SP-ACME"),
        admin_only(201),
        new_unit,
        check=unit_written_check,
    ),
    # -- users
    Row("GET", "/api/v1/users", NONE, anyone(200), simple("GET", "/users")),
    Row("POST", "/api/v1/users", tuple(UNITS), admin_only(201), new_user, check=user_written_check),
    Row(
        "GET",
        "/api/v1/users/{user_id}",
        tuple(USERS),
        user_read,
        lambda w, p, name: Request("GET", f"/users/{user_id(w, name)}"),
    ),
    Row(
        "PATCH",
        "/api/v1/users/{user_id}",
        tuple(USERS),
        admin_only(200),
        lambda w, p, name: Request(
            "PATCH", f"/users/{user_id(w, name)}", json={"display_name": f"改名{w.next()}"}
        ),
        check=user_written_check,
    ),
    Row(
        "GET",
        "/api/v1/org-units/{unit_id}",
        tuple(UNITS),
        unit_read,
        lambda w, p, code: Request("GET", f"/org-units/{unit_id(w, code)}"),
    ),
    Row(
        "PATCH",
        "/api/v1/org-units/{unit_id}",
        tuple(UNITS),
        admin_only(200),
        lambda w, p, code: Request(
            "PATCH", f"/org-units/{unit_id(w, code)}", json={"name": f"更名测试{w.next()}"}
        ),
        check=unit_written_check,
    ),
    # -- employers
    Row(
        "GET",
        "/api/v1/employers/{employer_id}",
        tuple(EMPLOYER_KEYS),
        employer_read,
        lambda w, p, key: Request("GET", f"/employers/{employer_id(w, key)}"),
    ),
    Row(
        "PATCH",
        "/api/v1/employers/{employer_id}",
        tuple(EMPLOYER_MOVES),
        employer_move,
        move_employer_request,
        check=employer_moved_check,
    ),
    Row(
        "PATCH",
        "/api/v1/employers/{employer_id}",
        tuple(EMPLOYER_KEYS),
        admin_only(200),
        lambda w, p, key: Request(
            "PATCH", f"/employers/{employer_id(w, key)}", json={"staff_count": 10 + w.next()}
        ),
        variant="profile",
    ),
    Row(
        "POST",
        "/api/v1/employers/{employer_id}/projects",
        tuple(EMPLOYER_KEYS),
        admin_only(201),
        project_request,
    ),
    Row(
        "POST",
        "/api/v1/employers/{employer_id}/events",
        tuple(EMPLOYER_KEYS),
        employer_report,
        report_request,
    ),
    Row(
        "GET",
        "/api/v1/employers",
        NONE,
        anyone(200),
        simple("GET", "/employers", params={"q": "广州市"}),
    ),
    Row(
        "GET",
        "/api/v1/employers/{employer_id}/record",
        tuple(EMPLOYER_KEYS),
        employer_read,
        lambda w, p, key: Request("GET", f"/employers/{employer_id(w, key)}/record"),
    ),
    # -- early warnings
    Row("GET", "/api/v1/warnings", NONE, anyone(200), simple("GET", "/warnings")),
    Row(
        "GET",
        "/api/v1/warnings/{warning_id}",
        tuple(WARNING_AT),
        warning_read,
        lambda w, p, key: Request("GET", f"/warnings/{new_warning(w, key)}"),
    ),
    Row(
        "POST",
        "/api/v1/warnings/{warning_id}/disposition",
        tuple(WARNING_AT),
        warning_dispose,
        dispose_request,
    ),
    # -- area-wide 提示函 and the document kinds
    Row(
        "POST",
        "/api/v1/tip-letters",
        tuple(EMPLOYER_KEYS),
        tip_issue,
        lambda w, p, key: Request(
            "POST", "/tip-letters", json={**TIP_BODY, "employer_ids": [employer_id(w, key)]}
        ),
    ),
    Row("GET", "/api/v1/tip-letters", NONE, anyone(200), simple("GET", "/tip-letters")),
    Row("GET", "/api/v1/tip-letters/{letter_id}", tuple(TIP_LETTER_TO), tip_read, on_tip_letter()),
    Row(
        "GET",
        "/api/v1/tip-letters/{letter_id}.pdf",
        tuple(TIP_LETTER_TO),
        tip_read,
        on_tip_letter(".pdf"),
    ),
    Row(
        "GET",
        "/api/v1/tip-letters/{letter_id}.docx",
        tuple(TIP_LETTER_TO),
        tip_read,
        on_tip_letter(".docx"),
    ),
    Row(
        "POST",
        "/api/v1/tip-letters/{letter_id}/replies",
        tuple(TIP_LETTER_TO),
        tip_reply,
        tip_reply_request,
    ),
    Row("GET", "/api/v1/document-kinds", NONE, anyone(200), simple("GET", "/document-kinds")),
    Row("GET", "/api/v1/warning-rules", NONE, admin_only(200), simple("GET", "/warning-rules")),
    Row(
        "PATCH",
        "/api/v1/warning-rules/{code}",
        NONE,
        admin_only(200),
        simple("PATCH", "/warning-rules/hotline_calls", json={"enabled": True}),
    ),
    # -- workflows
    Row("GET", "/api/v1/workflows", NONE, anyone(200), simple("GET", "/workflows")),
    Row(
        "GET",
        "/api/v1/workflows/{name}",
        NONE,
        anyone(200),
        simple("GET", "/workflows/wage_arrears"),
    ),
    Row(
        "GET",
        "/api/v1/workflows/{name}/diagram",
        NONE,
        anyone(200),
        simple("GET", "/workflows/wage_arrears/diagram"),
    ),
    # -- cases
    Row("POST", "/api/v1/cases", tuple(NEW_CASES), case_create, new_case, check=new_case_check),
    Row("GET", "/api/v1/cases", NONE, anyone(200), list_cases, check=list_cases_check),
    Row("GET", "/api/v1/cases/{case_id}", CASES, case_read, on_case("")),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/transitions",
        CASES,
        case_write(HANDLERS, 200),
        on_case(
            "/transitions",
            "POST",
            lambda w, k: {"trigger": "verify", "data": {"months_in_arrears": 3}},
        ),
        variant="verify: caseworker/supervisor",
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/transitions",
        CASES,
        case_write(HANDLERS | {"operator"}, 200),
        on_case(
            "/transitions",
            "POST",
            lambda w, k: {"trigger": "complete_callback", "data": {"satisfaction": "satisfied"}},
            state="paid",
        ),
        variant="complete_callback: caseworker/supervisor/operator",
        state="paid",
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/escalations",
        CASES,
        case_write(HANDLERS, 201),
        on_case(
            "/escalations",
            "POST",
            lambda w, k: {"reason": "cannot_perform", "comment": "本级无力办理，申请上提"},
        ),
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/assignment",
        CASES,
        case_write(HANDLERS, 200),
        on_case(
            "/assignment",
            "POST",
            lambda w, k: {"user_id": w.user_ids[ASSIGNEE[PLACEMENTS[k].owner]]},
        ),
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/links",
        CASES,
        link_expect,
        on_case("/links", "POST", lambda w, k: {"workflow": "supervision"}),
        check=link_check,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/clocks/{rule}/extension",
        CASES,
        case_write(HANDLERS, 200),
        on_case(
            "/clocks/verification/extension",
            "POST",
            lambda w, k: {"days": 1, "basis": "officer_approval", "approver": "授权测试负责人"},
        ),
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/clocks/{rule}/pause",
        CASES,
        case_write(HANDLERS, 200),
        on_case("/clocks/verification/pause", "POST", lambda w, k: {"reason": "授权测试暂停"}),
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/clocks/{rule}/resume",
        CASES,
        case_write(HANDLERS, 200),
        paused_clock,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/mass-incident-report",
        CASES,
        case_write(HANDLERS, 200),
        mass_incident_report,
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/comments",
        CASES,
        case_write(HANDLERS | {"operator"}, 201),
        on_case("/comments", "POST", lambda w, k: {"text": "授权矩阵测试备注"}),
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/reminders",
        CASES,
        case_write(frozenset({"operator", "supervisor"}), 201),
        on_case("/reminders", "POST", lambda w, k: {"note": "请尽快办理"}),
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/clocks/{rule}/extension-requests",
        CASES,
        case_write(HANDLERS, 201),
        on_case(
            "/clocks/verification/extension-requests",
            "POST",
            lambda w, k: {"days": 2, "reason": "等待用人单位提供工资台账"},
        ),
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/clocks/{rule}/extension-requests/decision",
        CASES,
        extension_decision,
        pending_extension,
        consumes=True,
    ),
    Row("GET", "/api/v1/cases/{case_id}/related", CASES, case_read, on_case("/related")),
    # Merging needs a second case: the row offers the case itself, which every principal who may
    # act here is refused (422), so reach (404) and role (403) are what the row tells apart.
    Row(
        "POST",
        "/api/v1/cases/{case_id}/merges",
        CASES,
        lambda u, key: (
            404
            if not sees(u, PLACEMENTS[key])
            else (422 if acting(u, PLACEMENTS[key]) & HANDLERS else 403)
        ),
        on_case("/merges", "POST", lambda w, k: {"case_id": w.case(k)[0]}),
    ),
    Row("GET", "/api/v1/cases/{case_id}/events", CASES, case_read, on_case("/events")),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/documents",
        CASES,
        case_write(HANDLERS, 201),
        on_case(
            "/documents",
            "POST",
            lambda w, k: {
                "kind": "inspection_referral",
                "addressee": "劳动保障监察大队",
                "data": good_data("wage_arrears", "refer_to_inspection"),
            },
            state="negotiating",
        ),
        state="negotiating",
        consumes=True,
    ),
    Row("GET", "/api/v1/cases/{case_id}/documents", CASES, case_read, on_case("/documents")),
    # -- referrals (移送与反馈)
    Row(
        "POST",
        "/api/v1/cases/{case_id}/referrals",
        CASES,
        case_write(HANDLERS, 201),
        on_case(
            "/referrals",
            "POST",
            lambda w, k: {
                **REFERRAL_BODY,
                "data": good_data("wage_arrears", "refer_to_inspection"),
            },
            state="negotiating",
        ),
        state="negotiating",
        consumes=True,
    ),
    Row(
        "GET",
        "/api/v1/cases/{case_id}/referrals",
        CASES,
        case_read,
        on_case("/referrals", state="negotiating"),
        state="negotiating",
    ),
    Row(
        "GET",
        "/api/v1/cases/{case_id}/referrals/{referral_id}",
        CASES,
        case_read,
        on_referral("", "GET"),
        state="negotiating",
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/referrals/{referral_id}/receipt",
        CASES,
        case_write(HANDLERS, 200),
        on_referral("/receipt", body={"received_on": local_date().isoformat()}),
        state="negotiating",
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/referrals/{referral_id}/filing",
        CASES,
        case_write(HANDLERS, 200),
        on_referral("/filing", body={"filed_on": local_date().isoformat()}),
        state="negotiating",
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/referrals/{referral_id}/extension",
        CASES,
        case_write(HANDLERS, 200),
        on_referral("/extension", body={"note": "经负责人批准延长"}, filed=True),
        state="negotiating",
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/referrals/{referral_id}/answer",
        CASES,
        case_write(HANDLERS, 200),
        on_referral(
            "/answer",
            body={
                "answered_on": local_date().isoformat(),
                "outcome": "handled",
                "answer": "已责令改正",
            },
        ),
        state="negotiating",
        consumes=True,
    ),
    Row("GET", "/api/v1/referrals", NONE, anyone(200), referral_list, check=referral_list_check),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/documents/drafts",
        CASES,
        case_write(HANDLERS, 201),
        on_case(
            "/documents/drafts",
            "POST",
            lambda w, k: {"kind": "inspection_referral", "addressee": "劳动保障监察大队"},
            state="negotiating",
        ),
        state="negotiating",
    ),
    Row(
        "GET",
        "/api/v1/cases/{case_id}/documents/{document_id}",
        CASES,
        case_read,
        on_draft(),
        state="negotiating",
    ),
    Row(
        "GET",
        "/api/v1/cases/{case_id}/documents/{document_id}.pdf",
        CASES,
        case_read,
        on_draft(".pdf"),
        state="negotiating",
    ),
    Row(
        "GET",
        "/api/v1/cases/{case_id}/documents/{document_id}.docx",
        CASES,
        case_read,
        on_draft(".docx"),
        state="negotiating",
    ),
    Row(
        "PATCH",
        "/api/v1/cases/{case_id}/documents/{document_id}",
        CASES,
        case_write(HANDLERS, 200),
        on_draft("", "PATCH", lambda w, k: {"addressee": "天河区劳动保障监察大队"}),
        state="negotiating",
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/documents/{document_id}/issue",
        CASES,
        case_write(HANDLERS, 200),
        on_draft("/issue", "POST"),
        state="negotiating",
        consumes=True,
    ),
    Row(
        "POST",
        "/api/v1/cases/{case_id}/pii-reveal",
        CASES,
        case_write(HANDLERS, 200),
        on_case(
            "/pii-reveal",
            "POST",
            lambda w, k: {"field": "phone", "person_id": w.case(k)[1], "reason": "核实联系方式"},
        ),
    ),
    # -- hotline
    Row(
        "POST",
        "/api/v1/intakes",
        NONE,
        lambda u, t: 201 if "operator" in USERS[u][0] else 403,
        intake,
    ),
    Row(
        "GET",
        "/api/v1/callbacks",
        NONE,
        lambda u, t: 200 if USERS[u][0] & {"operator", "supervisor"} else 403,
        simple("GET", "/callbacks"),
    ),
    # Recording a call-back: only operators and supervisors get past the permission; a case that is
    # not a work order is not found whoever asks (the success paths: tests/api/test_callers.py).
    Row(
        "POST",
        "/api/v1/callbacks/{order_id}",
        CASES,
        lambda u, key: 404 if USERS[u][0] & {"operator", "supervisor"} else 403,
        lambda w, p, key: Request(
            "POST", f"/callbacks/{w.case(key)[0]}", json={"outcome": "satisfied"}
        ),
    ),
    Row(
        "GET",
        "/api/v1/callers",
        NONE,
        lambda u, t: 200 if USERS[u][0] & {"operator", "caseworker", "supervisor"} else 403,
        simple("GET", "/callers", params={"phone": "13800138000"}),
    ),
    Row(
        "POST",
        "/api/v1/callers/lookup",
        NONE,
        lambda u, t: 200 if USERS[u][0] & {"operator", "caseworker", "supervisor"} else 403,
        simple("POST", "/callers/lookup", json={"phone": "13800138000"}),
    ),
    # -- inbox
    Row("GET", "/api/v1/escalations", NONE, anyone(200), simple("GET", "/escalations")),
    Row("GET", "/api/v1/notifications", NONE, anyone(200), simple("GET", "/notifications")),
    Row(
        "POST",
        "/api/v1/notifications/{notification_id}/ack",
        NOTICE_TARGETS,
        notice_ack,
        lambda w, p, t: Request("POST", f"/notifications/{w.notice(p, t)}/ack"),
    ),
    # -- calendar
    Row(
        "GET",
        "/api/v1/calendar/deadline",
        NONE,
        anyone(200),
        simple("GET", "/calendar/deadline", params=deadline_args()),
    ),
    Row(
        "PUT",
        "/api/v1/calendar/days/{day}",
        NONE,
        admin_only(200),
        simple("PUT", "/calendar/days/2031-05-06", json={"is_workday": False, "name": "授权测试"}),
        check=calendar_written_check,
    ),
    Row(
        "DELETE",
        "/api/v1/calendar/days/{day}",
        NONE,
        admin_only(204),
        admin_day,
        check=calendar_unset_check,
    ),
    # -- reports
    Row(
        "GET",
        "/api/v1/reports/summary",
        tuple(UNITS),
        unit_read,
        lambda w, p, code: Request(
            "GET", "/reports/summary", params={"org_unit_id": unit_id(w, code)}
        ),
    ),
    Row(
        "GET",
        "/api/v1/reports/joint-meeting",
        tuple(UNITS),
        unit_read,
        lambda w, p, code: Request(
            "GET", "/reports/joint-meeting", params={"org_unit_id": unit_id(w, code)}
        ),
    ),
    Row(
        "GET",
        "/api/v1/reports/hotline",
        tuple(UNITS),
        unit_read,
        lambda w, p, code: Request(
            "GET", "/reports/hotline", params={"org_unit_id": unit_id(w, code)}
        ),
    ),
    Row(
        "GET",
        "/api/v1/reports/warnings",
        tuple(UNITS),
        unit_read,
        lambda w, p, code: Request(
            "GET", "/reports/warnings", params={"org_unit_id": unit_id(w, code)}
        ),
    ),
]

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _masked(text: str) -> str:
    for pattern in PII_PATTERNS:
        text = pattern.sub("<pii>", text)
    return text


def planned_checks() -> int:
    return sum(len(r.targets) * len(PRINCIPALS) for r in ROWS)


def test_the_table_covers_every_operation_of_the_spec(api):
    spec = api.http.get(api.base + "/api/v1/openapi.json").json()
    published = {
        (m.upper(), path) for path, item in spec["paths"].items() for m in item if m in HTTP_METHODS
    }
    tabled = {(r.method, r.path) for r in ROWS}
    assert not published - tabled, (
        f"operations without a row in the authorisation table: {sorted(published - tabled)}"
    )
    assert not tabled - published, (
        f"rows for operations the spec does not have: {sorted(tabled - published)}"
    )


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_authorisation(row: Row, api, rt, demo):
    world = World(api, rt, demo)
    failures: list[str] = []
    for principal in PRINCIPALS:
        for target in row.targets:
            expected = row.expected(principal, target)
            req = row.build(world, principal, target)
            resp = world.send(principal, req)
            where = f"{principal} on {target}" if target is not None else principal
            if resp.status_code != expected:
                failures.append(
                    f"{where}: expected {expected}, got {resp.status_code}: "
                    f"{_masked(resp.text)[:400]}"
                )
            elif (
                resp.ok
                and row.check is not None
                and (problem := row.check(world, principal, target, req, resp))
            ):
                failures.append(f"{where}: {problem}")
            if row.consumes and 200 <= resp.status_code < 300:
                world.discard(target, row.state)
    checks = len(PRINCIPALS) * len(row.targets)
    assert not failures, f"{row.id}: {len(failures)} of {checks} checks failed:\n" + "\n".join(
        failures
    )


def test_every_demo_user_is_in_the_matrix(demo):
    # The matrix is built from the demo module; make sure the database agrees with it.
    for username, (roles, unit) in USERS.items():
        actor = demo.actor(username)
        assert actor.roles == roles and actor.org_unit_id == demo.unit(unit).id, username
