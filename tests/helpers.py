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

from casework.cases.service import open_case
from casework.cli import main as cli_main
from casework.core.errors import NotFound
from casework.core.time import local_date
from casework.models import Case
from casework.runtime import Runtime

# Keys for personal data and the history chain in every test process and subprocess (never the
# development key file).
TEST_KEYS = {
    "CASEWORK_FERNET_KEY": Fernet.generate_key().decode(),
    "CASEWORK_BLIND_INDEX_KEY": secrets.token_hex(32),
    "CASEWORK_HISTORY_KEY": secrets.token_hex(32),
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
    ("wage_arrears", "sign_repayment_agreement"): {"repayment_due": "2026-12-31"},
    ("wage_arrears", "refer_criminal"): {"months_in_arrears": 4},
    ("wage_arrears", "close"): {"reason": "已移交"},
    ("legal_aid", "request_materials"): {"missing_materials": ["劳动合同"]},
    ("legal_aid", "grant"): {"migrant_worker": True, "claim_type": "wages"},
    ("legal_aid", "deny"): {"reason": "不符合经济困难标准"},
    ("legal_aid", "assign_lawyer"): {"lawyer": "张律师"},
    ("legal_aid", "terminate"): {"ground": "own_lawyer"},
    ("mediation", "apply_judicial_confirmation"): {"court": "天河区人民法院", "mediator": "people"},
    ("mediation", "apply_arbitral_review"): {"arbitration_commission": "天河区劳动人事争议仲裁委"},
    ("mediation", "record_confirmation"): {"confirmation_outcome": "confirmed"},
    ("supervision", "start_investigation"): {"investigators": ["监督员甲", "监督员乙"]},
    ("supervision", "refer_to_procuratorate"): {
        "subject": "migrant_wages",
        "employer_uncooperative": True,
    },
    ("supervision", "close"): {"outcome": "已整改"},
    ("hotline", "return_order"): {"reason": "非本单位职责"},
    ("hotline", "report_result"): {"result": "已协调支付"},
    ("hotline", "complete_callback"): {"satisfaction": "satisfied"},
}


# Facts an earlier step records that a transition's guards read (set with force_state).
GOOD_FACTS: dict[tuple[str, str], dict[str, Any]] = {
    ("mediation", "apply_payment_order"): {"agreement_claims": ["wages"]},
    ("mediation", "apply_enforcement"): {"confirmation_outcome": "confirmed"},
}


def good_facts(workflow: str, trigger: str) -> dict[str, Any]:
    return dict(GOOD_FACTS.get((workflow, trigger), {}))


def good_data(workflow: str, trigger: str) -> dict[str, Any]:
    today = local_date().isoformat()
    if (workflow, trigger) == ("legal_aid", "provide_early_aid"):
        return {"limitation_date": (local_date() + dt.timedelta(days=3)).isoformat()}
    if trigger == "receive_application":
        return {"received_on": today}  # receipt is recorded on the day, never in the future
    if (workflow, trigger) in (
        ("mediation", "apply_arbitral_review"),
        ("mediation", "apply_judicial_confirmation"),
    ):
        return {**GOOD_DATA[(workflow, trigger)], "effective_on": today}
    return dict(GOOD_DATA.get((workflow, trigger), {}))


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
