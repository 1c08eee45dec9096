"""Render time of one document: the PDF (WeasyPrint, Noto CJK fonts subset and embedded) and the
DOCX (python-docx) of a typical 意见书, rendered N times after one warm-up; prints the first
render, the median and the 90th percentile, and the PDF's size.

    .venv/bin/python bench/document_render.py --runs 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from casework.documents.content import DocumentContent, Reply
from casework.documents.render import to_docx, to_pdf

BODY = (
    "经本会调查核实，你单位拖欠12名职工2026年9月至10月工资，涉及金额人民币50,000.00元。",
    "一、本会意见",
    "请你单位立即停止上述行为，依法纠正，并将纠正措施和结果书面告知本会。",
    "二、法律依据",
    "工会法第二十三条；工会劳动法律监督办法（总工办发〔2021〕9号）；工会劳动法律监督办法第二十条。",
)

CONTENT = DocumentContent(
    kind="opinion_letter",
    kind_label="工会劳动法律监督意见书",
    issuer_name="天河区总工会",
    issuer_code="TH",
    number="天工意〔2026〕1号",
    title="工会劳动法律监督意见书",
    addressee="广州市某建筑劳务有限公司",
    body=BODY,
    citation="工会法 第二十三条",
    dated=dt.date(2026, 11, 22),
    reply=Reply(dt.date(2026, 12, 11), "15个工作日", "书面答复"),
)


def _ms(fn) -> float:
    started = time.perf_counter()
    fn(CONTENT)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    first = _ms(to_pdf)
    pdf = sorted(_ms(to_pdf) for _ in range(args.runs))
    docx = sorted(_ms(to_docx) for _ in range(args.runs))
    p90 = max(0, int(len(pdf) * 0.9) - 1)
    print(
        f"PDF : first {first:.0f} ms, median {statistics.median(pdf):.0f} ms, p90 {pdf[p90]:.0f} ms"
    )
    print(f"DOCX: median {statistics.median(docx):.1f} ms, p90 {docx[p90]:.1f} ms")
    print(f"PDF size {len(to_pdf(CONTENT))} bytes (fonts subset and embedded)")


if __name__ == "__main__":
    main()
