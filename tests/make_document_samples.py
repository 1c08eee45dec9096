"""Regenerate ``docs/samples/<kind>.png``: page 1 of one issued document of every kind, as the
PDF download renders it (``make document-samples``).

Builds a throw-away SQLite database with the demo data (Guangdong jurisdiction, like ``make
run``), issues one document of each kind the way a user would (``issue_sample_document``), renders
each as PDF and rasterises page 1 with ``pdftoppm`` (poppler-utils)."""

from __future__ import annotations

import os
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
from casework.runtime import build_runtime
from tests.conftest import Demo
from tests.helpers import TEST_KEYS, issue_sample_document
from workflows.documents import DOCUMENT_KINDS

OUT = Path(__file__).resolve().parent.parent / "docs" / "samples"
DPI = "60"


def main() -> int:
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
            for kind in DOCUMENT_KINDS:
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
    sys.exit(main())
