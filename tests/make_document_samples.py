"""Regenerate ``docs/samples/<kind>.png``: page 1 of one issued document of every kind, as the
PDF download renders it (``make document-samples``), and ``tip_letter_area.png`` /
``tip_letter_area-attachment.png``: page 1 and the last page of an area-wide 提示函 to six
employers (主送 各有关用人单位, the names as its 附件 on a page of its own). Names given on the
command line regenerate only those samples.

Builds a throw-away SQLite database with the demo data (Guangdong jurisdiction, like ``make
run``), issues one document of each kind the way a user would (``issue_sample_document``), renders
each as PDF and rasterises page 1 with ``pdftoppm`` (poppler-utils)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from casework.clocks.calendar import seed_from_package
from casework.core.migrate import upgrade
from casework.core.settings import load_settings
from casework.demo import load_demo
from casework.documents.queries import document_file
from casework.documents.tip_letter_queries import tip_letter_file
from casework.documents.tip_letters import issue_tip_letter
from casework.models import Employer
from casework.runtime import build_runtime
from tests.conftest import Demo
from tests.helpers import TEST_KEYS, issue_sample_document
from workflows.documents import DOCUMENT_KINDS

OUT = Path(__file__).resolve().parent.parent / "docs" / "samples"
DPI = "60"


AREA = "tip_letter_area"
AREA_EMPLOYERS = (
    "广州市某建筑工程有限公司",
    "广州市某机电安装有限公司",
    "广州市某装饰工程有限公司",
    "广州市某市政工程有限公司",
    "广州市某园林绿化有限公司",
)


def _raster(pdf: Path, stem: str, page: int = 1) -> None:
    subprocess.run(
        ["pdftoppm", "-r", DPI, "-png", "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf), str(OUT / stem)],
        check=True,
    )  # fmt: skip


def area_letter(rt, demo, tmp: str) -> None:
    """An area-wide 提示函 of 天河区总工会 to the builders under 石牌 (the demo's and five more)."""
    with rt.uow() as uow:
        sp = demo.unit("TH-SP").id
        uow.session.add_all(Employer(name=n, org_unit_id=sp) for n in AREA_EMPLOYERS)
        uow.commit()
    letter = issue_tip_letter(
        rt.uow(),
        actor=demo.actor("supervisor.tianhe"),
        scope="石牌街道辖区内建筑施工企业",
        matter="部分企业未按月足额支付农民工工资",
        org_unit_id=demo.unit("TH-SP").id,
        has_union=False,
    )
    _, _, pdf = tip_letter_file(
        rt.reader(), actor=demo.actor("supervisor.tianhe"), letter_id=letter.id, fmt="pdf"
    )
    path = Path(tmp) / f"{AREA}.pdf"
    path.write_bytes(pdf)
    _raster(path, AREA)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    _raster(path, f"{AREA}-attachment", page=pages)
    print(f"{AREA:28} {letter.number:20} {len(pdf):>7} bytes  {letter.recipient_count} recipients")


def main(only: list[str] | None = None) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **TEST_KEYS,
            "CASEWORK_DATA_DIR": tmp,
            "CASEWORK_DATABASE_URL": f"sqlite:///{tmp}/samples.db",
            "CASEWORK_JURISDICTION": "guangdong",
        }
        rt = build_runtime(load_settings(env))
        try:
            upgrade(rt.engine)
            with rt.uow() as uow:
                seed_from_package(uow.session)
                uow.commit()
            load_demo(rt.uow())
            demo = Demo(rt)
            if not only or AREA in only:
                area_letter(rt, demo, tmp)
            for kind in DOCUMENT_KINDS:
                if only and kind not in only:
                    continue
                doc = issue_sample_document(rt, demo, kind)
                started = time.perf_counter()
                _, _, pdf = document_file(
                    rt.reader(),
                    actor=demo.actor("supervisor.tianhe"),
                    case_id=doc.case_id,
                    document_id=doc.id,
                    fmt="pdf",
                )
                ms = (time.perf_counter() - started) * 1000
                path = Path(tmp) / f"{kind}.pdf"
                path.write_bytes(pdf)
                subprocess.run(
                    ["pdftoppm", "-r", DPI, "-png", "-f", "1", "-l", "1", "-singlefile",
                     str(path), str(OUT / kind)],
                    check=True,
                )  # fmt: skip
                print(f"{kind:28} {doc.number:20} {len(pdf):>7} bytes  {ms:6.0f} ms")
        finally:
            rt.dispose()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CASEWORK_ENV", "development")
    sys.exit(main(sys.argv[1:]))
