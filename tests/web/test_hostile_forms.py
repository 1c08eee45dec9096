"""Whatever a form posts — any text in any field, fields missing, unknown ones, huge numbers —
every page answers with a form to correct or an error page, never a 500 (the session-wide check
fails the run on any 5xx as well)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import new_case

TEXT = st.text(max_size=40) | st.sampled_from(
    ["", "0", "-1", "2147483648", "99999999999999999999", "²", "满意"]
)
FORM = st.dictionaries(
    st.sampled_from(
        [
            "caller_name",
            "caller_phone",
            "caller_id_number",
            "category",
            "complexity",
            "worker_count",
            "amount_claimed",
            "employer_name",
            "employer_org_unit_code",
            "complained_unit_code",
            "answer",
            "idempotency_key",
            "version",
            "text",
            "reason",
            "comment",
            "days",
            "basis",
            "person_id",
            "field",
            "user_id",
            "outcome",
            "name",
            "scope",
            "f_months_in_arrears",
            "f_amount_paid",
            "f_repayment_due",
            "f_liable_party",
            "doc_abbr",
            "doc_kind_marker",
            "username",
            "display_name",
            "org_unit_id",
            "password",
            "roles",
            "day",
            "kind",
        ]
    ),
    TEXT,
    max_size=8,
)


def test_no_form_input_makes_a_page_fail(web, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="supervisor.tianhe")
    worker = web("caseworker.shipai")
    worker.get("/desk")
    op = web("hotline")
    op.get("/hotline")
    admin = web("admin")
    admin.get("/admin")
    paths = [
        (op, "/hotline/intakes"),
        (op, "/hotline/lookup"),
        (op, "/hotline/route"),
        (op, f"/hotline/callbacks/{case.id}"),
        (worker, f"/cases/{case.id}/steps/verify"),
        (worker, f"/cases/{case.id}/steps/no_such_step"),
        (worker, f"/cases/{case.id}/comments"),
        (worker, f"/cases/{case.id}/assignment"),
        (worker, f"/cases/{case.id}/escalation"),
        (worker, f"/cases/{case.id}/reveal"),
        (worker, f"/cases/{case.id}/clocks/verification/pause"),
        (worker, f"/cases/{case.id}/clocks/verification/extension"),
        (worker, f"/cases/{case.id}/clocks/nope/resume"),
        (worker, "/desk/filters"),
        (worker, f"/cases/{case.id}/documents/drafts"),
        (worker, f"/cases/{case.id}/documents/2147483647/edit"),
        (worker, f"/cases/{case.id}/documents/2147483647/issue"),
        (admin, f"/admin/units/{demo.unit('TH-SP').id}"),
        (admin, "/admin/users"),
        (admin, f"/admin/users/{demo.actor('caseworker.acme').user_id}/password"),
        (admin, "/admin/calendar"),
        (admin, "/admin/calendar/2026-13-01/unset"),
        (admin, "/admin/calendar/import"),
        (admin, f"/admin/employers/{demo.employer('建筑').id}/unit"),
    ]

    @settings(
        max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(which=st.integers(0, len(paths) - 1), form=FORM)
    def post(which, form):
        user, path = paths[which]
        resp = user.post(path, form)
        assert resp.status_code < 500, (path, form, resp.status_code)

    post()
    # A page number is a query parameter: odd ones show the first page.
    for page in ("²", "0", "-3", "99999999999"):
        assert worker.get(f"/desk?page={page}").status_code == 200
