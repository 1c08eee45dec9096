"""The scheduler is its own process (``casework scheduler``): it sweeps by itself, and stops on
SIGTERM."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from casework.cases.service import open_case
from tests.conftest import subprocess_env
from tests.service.test_escalation import _case, at


def test_scheduler_process_sweeps_on_its_own(rt, demo, db_url):
    case = open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow="hotline",
        employer_id=demo.employer("科技").id,
        now=at(2025, 3, 3),
    )
    env = subprocess_env(db_url)
    env["CASEWORK_SWEEP_INTERVAL"] = "1"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "casework"), "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _case(rt, case.id).org_unit.code == "TH-SP-ACME":
            time.sleep(0.3)
        assert _case(rt, case.id).org_unit.code == "TH-SP"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
