"""The installed ``casework`` script as a real subprocess: init, demo, the workflow export, and an
audit of a real database. (The commands' logic is tested in-process in the service tier.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from casework.models import Case
from tests.conftest import subprocess_env
from tests.helpers import issue_sample_document, new_case

CLI = str(Path(sys.executable).parent / "casework")


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=subprocess_env(db_url), capture_output=True, text=True, timeout=120
    )


def test_audit_verify_as_a_subprocess(rt, demo, db_url):
    case = new_case(rt, demo, "wage_arrears")
    out = run_cli(db_url, "audit", "verify", case.ref)
    assert out.returncode == 0 and "OK: 1 case histories verified" in out.stdout


def test_document_render_as_a_subprocess(rt, demo, db_url, tmp_path):
    doc = issue_sample_document(rt, demo, "opinion_letter")
    with rt.reader() as uow:
        ref = uow.session.get(Case, doc.case_id).ref
    pdf, docx_file = tmp_path / "意见书.pdf", tmp_path / "意见书.docx"
    out = run_cli(db_url, "document", "render", ref, doc.number, "--format", "pdf", "-o", str(pdf))
    assert out.returncode == 0, out.stderr
    assert doc.number in out.stdout and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert doc.number in text.replace(" ", "")
    out = run_cli(
        db_url, "document", "render", ref, doc.number, "--format", "docx", "-o", str(docx_file)
    )
    assert out.returncode == 0 and docx_file.read_bytes()[:2] == b"PK"
    missing = run_cli(db_url, "document", "render", ref, "天工意〔1999〕9号", "--format", "pdf",
                      "-o", str(tmp_path / "x.pdf"))  # fmt: skip
    assert missing.returncode == 2 and "no document numbered" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_init_is_idempotent_and_demo_loads_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = run_cli(url, "init")
    assert first.returncode == 0 and "upgraded empty ->" in first.stdout
    again = run_cli(url, "init")
    assert again.returncode == 0 and "up to date" in again.stdout
    demo = run_cli(url, "demo")
    assert demo.returncode == 0 and "18 rows created" in demo.stdout
    assert "demonstrations only" in demo.stderr
    assert "nothing to do" in run_cli(url, "demo").stdout
    assert "not loaded" in run_cli(url, "demo", "--if-empty").stdout


def test_workflows_json_has_the_documented_shape():
    out = subprocess.run([CLI, "workflows", "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    defs = json.loads(out.stdout)
    assert [d["name"] for d in defs] == [
        "mediation",
        "wage_arrears",
        "legal_aid",
        "supervision",
        "hotline",
    ]
    med = defs[0]
    assert med["label_zh"] == "劳动争议调解"
    assert {
        "name": "performed",
        "label_zh": "协议已履行",
        "label_en": "agreement performed",
        "terminal": True,
    } in med["states"]
    sign = next(t for t in med["transitions"] if t["trigger"] == "sign_agreement")
    assert (
        sign["source"] == ["mediating"]
        and sign["dest"] == "agreement_signed"
        and sign["min_level"] is None
    )
    assert set(sign["roles"]) == {"caseworker", "supervisor"}
    period = next(r for r in med["deadlines"] if r["name"] == "mediation_period")
    assert (period["state"], period["days"], period["unit"], period["on_expiry"]) == (
        "applied",
        15,
        "calendar",
        "expire",
    )
    sup = next(d for d in defs if d["name"] == "supervision")
    letter = next(t for t in sup["transitions"] if t["trigger"] == "issue_suggestion_letter")
    assert letter["min_level"] == "county"


def test_workflows_text_and_diagram():
    out = subprocess.run([CLI, "workflows"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "劳动争议调解" in out.stdout and "第十四条" in out.stdout
    diag = subprocess.run(
        [CLI, "diagram", "supervision"], capture_output=True, text=True, timeout=60
    )
    assert diag.returncode == 0 and diag.stdout.startswith("stateDiagram-v2\n")
    assert (
        "opinion_refused --> suggestion_letter_issued: "
        "向同级行政部门发出建议书（县级以上总工会） (issue_suggestion_letter)" in diag.stdout
    )
    bad = subprocess.run([CLI, "diagram", "nope"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown workflow" in bad.stderr
