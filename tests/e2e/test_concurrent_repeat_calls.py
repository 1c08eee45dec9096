"""Concurrent repeat calls make one case (hardening, item 3).

The reproduction, over real HTTP against gunicorn with two workers: eight simultaneous intakes
for the same caller and employer, each with its own Idempotency-Key. Before, PostgreSQL made two
cases in four trials of four, and two or three callers got 409 "案件已被他人修改" — someone else's
race. Now every call is filed (201), all but the first merge into the one case, and none is 409.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from casework.models import Case

BODY = {
    "caller": {"name": "周并发", "phone": "13700001234", "id_number": "440106199001011235"},
    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
    "category": "wage_arrears",
    "description": "同一职工同时多次来电",
}


def test_eight_simultaneous_repeat_calls_make_one_case(live_api, rt):
    token = live_api.minted_token("hotline")
    url = live_api.url("/intakes")

    def call(i: int) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"concurrent-{i}"}
        return requests.post(url, json=BODY, headers=headers, timeout=60)

    for trial in range(3):
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(call, range(trial * 8, trial * 8 + 8)))
        assert [r.status_code for r in answers] == [201] * 8, [r.text for r in answers]
        case_ids = {r.json()["case"]["id"] for r in answers}
        assert len(case_ids) == 1, case_ids
        with rt.reader() as uow:
            wage_cases = uow.session.scalar(
                select(func.count()).select_from(Case).where(Case.workflow == "wage_arrears")
            )
        assert wage_cases == 1
