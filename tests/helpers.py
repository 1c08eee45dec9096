"""Shared test helpers: data that satisfies each transition's needs, and state set-up."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from cryptography.fernet import Fernet
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

import workflows
from casework.cases.service import WorkerInput, open_case
from casework.cli import main as cli_main
from casework.core.errors import NotFound
from casework.core.time import local_date
from casework.documents.service import issue_document
from casework.models import Case
from casework.runtime import Runtime
from workflows.documents import DOCUMENT_KINDS

# Keys for personal data and the history chain in every test process and subprocess (never the
# development key file).
TEST_KEYS = {
    "CASEWORK_FERNET_KEY": Fernet.generate_key().decode(),
    "CASEWORK_BLIND_INDEX_KEY": secrets.token_hex(32),
    "CASEWORK_HISTORY_KEY": secrets.token_hex(32),
    "CASEWORK_SECRET_KEY": secrets.token_hex(32),
}

# Data that satisfies each transition's required fields and guards (on a case with 12 workers
# and ¥50,000 claimed, owned by a county union).
GOOD_DATA: dict[tuple[str, str], dict[str, Any]] = {
    ("mediation", "refuse"): {"reason": "不属于劳动争议"},
    ("mediation", "sign_agreement"): {
        "agreement_claims": ["wages"],
        "performance_due": "2026-12-31",
    },
    ("wage_arrears", "reject"): {"reason": "重复登记"},
    ("wage_arrears", "refer_criminal"): {"months_in_arrears": 4, "hrss_department": "天河区人社局"},
    ("wage_arrears", "demand_contractor_payment"): {
        "liable_party": "general_contractor",
        "liable_unit": "某建设集团有限公司",
    },
    ("wage_arrears", "record_inspection_filed"): {"inspectorate": "天河区劳动保障监察大队"},
    ("wage_arrears", "record_payment_order"): {
        "order_department": "天河区人力资源和社会保障局",
        "order_service": "served",
        "order_amount": "50000.00",
    },
    ("wage_arrears", "record_compensation_order"): {"compensation_rate": 50},
    ("wage_arrears", "record_court_enforcement"): {"court": "天河区人民法院"},
    ("wage_arrears", "record_public_listing"): {"measure": "dishonest_list"},
    ("wage_arrears", "request_emergency_fund"): {"fund_amount": "20000.00"},
    ("wage_arrears", "record_criminal_transfer"): {"police": "天河区公安分局"},
    ("wage_arrears", "record_transfer_declined"): {"reason": "证据不足，继续调查"},
    ("wage_arrears", "close"): {"reason": "已移交"},
    ("legal_aid", "request_materials"): {"missing_materials": ["劳动合同"]},
    ("legal_aid", "grant"): {"migrant_worker": True, "claim_type": "wages"},
    ("legal_aid", "deny"): {"reason": "不符合经济困难标准"},
    ("legal_aid", "assign_lawyer"): {"lawyer": "张律师"},
    ("legal_aid", "terminate"): {"ground": "own_lawyer"},
    ("supervision", "decline_report"): {"reason": "不属于劳动法律监督事项"},
    ("supervision", "consult_employer"): {"consultation": "约谈人事负责人，告知违法情形"},
    ("mediation", "apply_judicial_confirmation"): {"court": "天河区人民法院", "mediator": "people"},
    ("mediation", "apply_arbitral_review"): {"arbitration_commission": "天河区劳动人事争议仲裁委"},
    ("mediation", "record_confirmation"): {"confirmation_outcome": "confirmed"},
    ("supervision", "start_investigation"): {"investigators": ["监督员甲", "监督员乙"]},
    ("supervision", "join_investigation"): {"sent_by": "广州市总工会", "sent_person": "监督员丙"},
    ("supervision", "record_recusal"): {
        "recused": "监督员甲",
        "recusal_reason": "系用人单位股东近亲属",
        "replacement": "监督员丁",
    },
    ("supervision", "refer_to_procuratorate"): {
        "subject": "migrant_wages",
        "employer_uncooperative": True,
    },
    ("supervision", "close"): {"outcome": "已整改"},
    ("hotline", "answer"): {"answer": "已告知相关政策"},
    ("hotline", "return_order"): {"reason": "非本单位职责"},
    ("hotline", "report_result"): {"result": "已协调支付"},
    ("hotline", "report_back"): {"result": "WAG-2026-000001 已解决：已支付"},
    ("hotline", "complete_callback"): {"satisfaction": "satisfied"},
    ("hotline", "reopen"): {"satisfaction": "dissatisfied"},
}


# Facts an earlier step records that a transition's guards read (set with force_state).
GOOD_FACTS: dict[tuple[str, str], dict[str, Any]] = {
    ("mediation", "apply_payment_order"): {"agreement_claims": ["wages"]},
    ("mediation", "apply_enforcement"): {"confirmation_outcome": "confirmed"},
    ("wage_arrears", "demand_contractor_payment"): {"project": "天河某住宅项目"},
}


def _days_from_today(days: int) -> str:
    return (local_date() + dt.timedelta(days=days)).isoformat()


def unmet_order() -> dict[str, Any]:
    """A recorded order to pay (责令限期支付) whose deadline passed yesterday."""
    return {
        "order_issued_on": _days_from_today(-20),
        "order_department": "天河区人力资源和社会保障局",
        "order_deadline": _days_from_today(-1),
    }


# Wage-arrears steps whose data or facts are dates relative to today.
_WAGE_FACTS = {
    "report_order_unpaid": unmet_order,
    "refer_criminal": unmet_order,
    "record_court_enforcement": unmet_order,
    "record_public_listing": unmet_order,
}
_WAGE_DATES = {
    "sign_repayment_agreement": {"repayment_due": 30},
    "refer_to_inspection": {"violation_date": -60},
    "record_inspection_filed": {"filed_on": 0},
    "record_payment_order": {"order_issued_on": 0, "order_deadline": 10},
    "record_court_enforcement": {"enforcement_applied_on": 0},
    "record_public_listing": {"listed_on": 0},
    "record_criminal_transfer": {"transferred_on": 0},
}


def good_facts(workflow: str, trigger: str) -> dict[str, Any]:
    facts = dict(GOOD_FACTS.get((workflow, trigger), {}))
    if workflow == "wage_arrears" and trigger in _WAGE_FACTS:
        facts.update(_WAGE_FACTS[trigger]())
    return facts


def good_data(workflow: str, trigger: str, source: str | None = None) -> dict[str, Any]:
    """Data that passes ``trigger``; ``source``: the state it fires from, where a trigger takes
    different data from different states (the emergency fund for an employer who absconded, or
    one who cannot pay for now and must say why)."""
    today = local_date().isoformat()
    if (workflow, trigger) == ("supervision", "issue_opinion_letter"):
        return {"served_on": today, "service_method": "direct"}
    if (workflow, trigger) == ("legal_aid", "provide_early_aid"):
        return {"limitation_date": (local_date() + dt.timedelta(days=3)).isoformat()}
    if trigger == "merge_into":  # the engine's own step when a case is merged into another
        return {"merged_into": f"{workflow[:3].upper()}-2026-000099"}
    if trigger == "receive_application":
        return {"received_on": today}  # receipt is recorded on the day, never in the future
    if (workflow, trigger) in (
        ("mediation", "apply_arbitral_review"),
        ("mediation", "apply_judicial_confirmation"),
    ):
        return {**GOOD_DATA[(workflow, trigger)], "effective_on": today}
    out = dict(GOOD_DATA.get((workflow, trigger), {}))
    if workflow == "wage_arrears":
        for key, days in _WAGE_DATES.get(trigger, {}).items():
            out[key] = _days_from_today(days)
    if (workflow, trigger) == ("wage_arrears", "request_emergency_fund") and source not in (
        None,
        "absconded",
    ):
        out["unable_reason"] = "工程款未结算，资金周转困难"
    return out


def new_case(
    rt: Runtime,
    demo,
    workflow: str,
    *,
    unit: str = "TH",
    actor: str = "supervisor.tianhe",
    **kw: Any,
) -> Case:
    kw.setdefault("worker_count", 12)
    kw.setdefault("amount_claimed", "50000")
    kw.setdefault("summary", "测试案件")
    kw.setdefault("employer_id", demo.employer("建筑").id)
    return open_case(
        rt.uow(), actor=demo.actor(actor), workflow=workflow, org_unit_id=demo.unit(unit).id, **kw
    )


def force_state(
    rt: Runtime, case_id: int, state: str, attributes: dict[str, Any] | None = None
) -> None:
    """Test set-up only: put a case straight into ``state`` (history untouched), with the process
    attributes earlier steps would have recorded (``attributes``) if given."""
    values: dict[str, Any] = {"state": state}
    if attributes:
        values["attributes"] = attributes
    with rt.engine.begin() as conn:
        conn.execute(update(Case.__table__).where(Case.__table__.c.id == case_id).values(**values))


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    """Every SQL statement ``engine`` executes inside the block, in order."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def get_case(session: Session, case_id: int | None = None, *, ref: str | None = None) -> Case:
    """Test look-up of a case by id or reference, whoever may see it."""
    if ref is not None:
        case = session.scalars(select(Case).where(Case.ref == ref)).first()
    else:
        case = session.get(Case, case_id)
    if case is None:
        raise NotFound("案件不存在", f"no case {ref or case_id!r}")
    return case


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    db_url: str,
    *args: str,
    stdin: str | TextIO | None = None,
    env: dict[str, str] | None = None,
) -> CliResult:
    """``casework ARGS`` in this process (the parser, the command, its output and exit code),
    against ``db_url``, with the test keys or ``env`` over them. ``stdin`` is what the command
    reads from standard input (text, or a stream of one's own, e.g. one that claims to be a
    terminal); without it standard input is empty. The end-to-end tier runs the installed script
    as a real subprocess."""
    env = {
        **TEST_KEYS,
        "CASEWORK_HISTORY_OLD_KEYS": "",
        "CASEWORK_DATABASE_URL": db_url,
        **(env or {}),
    }
    saved = {k: os.environ.get(k) for k in env}
    out, err = io.StringIO(), io.StringIO()
    feed = stdin if hasattr(stdin, "readline") else io.StringIO(stdin or "")
    saved_stdin = sys.stdin
    os.environ.update(env)
    sys.stdin = feed
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_main(list(args))
            except SystemExit as exc:  # argparse refusing the arguments
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = saved_stdin
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return CliResult(code, out.getvalue(), err.getvalue())


# -- documents: one issued document of every kind ------------------------------------------------

# Who a sample of each kind is addressed to.
DOCUMENT_ADDRESSEES = {
    "tip_letter": "广州市某建筑劳务有限公司",
    "opinion_letter": "广州市某建筑劳务有限公司",
    "suggestion_letter": "广州市天河区人力资源和社会保障局",
    "supervision_decline": "来信人陈某",
    "procuratorate_referral": "广州市天河区人民检察院",
    "inspection_referral": "广州市天河区劳动保障监察大队",
    "wage_arrears_rejection": "申请人陈某等12人",
    "mediation_refusal": "申请人陈某",
    "mediation_agreement": "申请人陈某、被申请人广州市某建筑劳务有限公司",
    "mediation_termination": "申请人陈某",
    "legal_aid_materials_notice": "申请人陈某",
    "legal_aid_grant": "申请人陈某",
    "legal_aid_denial": "申请人陈某",
    "legal_aid_termination": "受援人陈某",
    "oversight_letter": "石牌街道总工会",
}


def issue_sample_document(rt: Runtime, demo, kind_name: str):
    """Issue one document of ``kind_name`` the way a user would, on a case set up for it: the
    step it takes fires from its first source state with data that passes; a 督办函 goes from
    the district (天河) to the street union (石牌) holding a wage case whose clock has run out."""
    kind = DOCUMENT_KINDS[kind_name]
    workflow = kind.workflows[0] if not kind.from_above else "wage_arrears"
    wf = workflows.get(workflow)
    unit, actor, now, data = "TH", "supervisor.tianhe", None, None
    case = new_case(
        rt,
        demo,
        workflow,
        unit="TH-SP" if kind.from_above else unit,
        actor=actor,
        summary="拖欠12名职工2026年9月至10月工资",
        workers=[WorkerInput(name="陈某")],
    )
    if kind.trigger is not None:
        source = next(t.source[0] for t in wf.transitions if t.trigger == kind.trigger)
        force_state(rt, case.id, source)
        data = good_data(workflow, kind.trigger, source)
    if kind.needs_overdue:
        now = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    return issue_document(
        rt.uow(),
        case_id=case.id,
        actor=demo.actor(actor),
        kind=kind_name,
        addressee=DOCUMENT_ADDRESSEES[kind_name],
        data=data,
        now=now,
    )
