"""The Alembic chain matches the models; readiness says when the schema is not at the head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from api.app import create_app
from casework.core.migrate import current_revision, head_revision
from casework.core.settings import load_settings
from casework.models import Base
from casework.runtime import build_runtime
from tests.helpers import TEST_KEYS


def test_migrations_match_the_models(rt):
    with rt.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    assert current_revision(rt.engine) == head_revision()


def test_readiness_fails_on_an_unmigrated_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    runtime = build_runtime(load_settings({**TEST_KEYS, "CASEWORK_DATABASE_URL": url}))
    client = create_app(runtime=runtime).test_client()
    try:
        assert client.get("/healthz").status_code == 200
        r = client.get("/readyz")
        assert r.status_code == 503 and "schema at none" in r.get_json()["database"]
    finally:
        runtime.dispose()
