"""Property-based testing of every operation in the OpenAPI document with schemathesis:
generated requests (valid and invalid), sent through the whole Flask stack in-process (WSGI),
must never get a 5xx, and every response
must conform to the spec (status code documented, content type, headers, body schema).

The schema is loaded from the application at import (so pytest can parametrize one test per
operation); the first test checks that the live server publishes exactly the same document.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from casework.core.settings import load_settings
from casework.runtime import build_runtime
from tests.conftest import TEST_KEYS
from tests.helpers import new_case


def _spec() -> dict:
    settings_ = load_settings({**TEST_KEYS, "CASEWORK_DATABASE_URL": "sqlite://"})
    app = create_app(runtime=build_runtime(settings_))
    return app.test_client().get("/api/v1/openapi.json").get_json()


SPEC = _spec()
schema = schemathesis.openapi.from_dict(SPEC)


def test_the_app_publishes_this_spec(api):
    served = api.http.get(api.base + "/api/v1/openapi.json").json()
    assert served == SPEC
    validate(SPEC)  # a valid OpenAPI 3.0 document
    # Every operation is documented, with a summary, and every schema property described.
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            assert op.get("summary") or op.get("description"), f"{method} {path}"
    for name, comp in SPEC["components"]["schemas"].items():
        for prop, body in comp.get("properties", {}).items():
            assert body.get("description"), f"{name}.{prop} has no description"


@pytest.fixture
def seeded(api, rt, demo):
    # A few cases so generated ids sometimes hit a real one.
    for wf in ("wage_arrears", "mediation", "supervision"):
        new_case(rt, demo, wf)
    return {"Authorization": f"Bearer {api.minted_token('supervisor.tianhe')}"}


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_conforms_and_never_fails(case, seeded, app):
    headers = seeded
    # In-process: every request (and every replay a check makes) goes to this backend's app.
    case.operation.schema.app = app
    # positive_data_acceptance is left out on purpose: business rules that a schema cannot state
    # (ID-number and credit-code checksums, guards, the workflow's states) rightly answer 422 or
    # 409 to some schema-valid bodies. Every other check runs, including negative data rejection.
    case.call_and_validate(
        base_url="http://localhost",
        app=app,
        headers=headers,
        excluded_checks=[positive_data_acceptance],
    )
