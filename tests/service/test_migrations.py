"""Data migrations move what is stored, not only the schema: each is run from the revision
before it on a database holding rows shaped as they were then, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from casework.core.db import make_engine
from casework.core.migrate import alembic_config, upgrade
from tests.conftest import PG_URL, _reset_postgres, _worker_database, _worker_id


@pytest.fixture(params=["sqlite", "postgres"])
def scratch(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """An empty database of its own (not the suite's), dropped afterwards."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL half skipped: set CASEWORK_TEST_POSTGRES_URL (CI does)")
        worker = _worker_id(request.config) or "main"
        url = _worker_database(PG_URL, f"migrations_{worker}")
        _reset_postgres(url)
        engine = make_engine(url)
    yield engine
    engine.dispose()


def test_0006_gives_every_case_its_own_worker_record(scratch):
    upgrade(scratch, "0003")
    with scratch.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (id, code, name, level, path, depth, created_at) "
                "VALUES (1, 'TH', '天河区总工会', 'county', '/1/', 0, CURRENT_TIMESTAMP)"
            )
        )
        for case_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO cases (id, ref, workflow, state, org_unit_id, origin_org_unit_id, "
                    "worker_count, channel, summary, complexity, collective, mass_incident, "
                    "attributes, escalation_level, event_seq, last_hash, version, created_at, "
                    "updated_at) VALUES (:id, :ref, 'mediation', 'applied', 1, 1, 1, "
                    "'walk_in', '', 'normal', false, false, '{}', 0, 0, '', 1, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": case_id, "ref": f"MED-2026-00000{case_id}"},
            )
        conn.execute(
            text(
                "INSERT INTO people (id, name, id_number_index, id_number_masked, phone_index, "
                "phone_masked, created_at) VALUES (7, '张三', 'idx-id', '440106********1231', "
                "'idx-phone', '138****5678', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(text("INSERT INTO case_workers (case_id, person_id) VALUES (1, 7), (2, 7)"))
    upgrade(scratch)
    with scratch.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, case_id, name, id_number_index, phone_masked "
                "FROM case_workers ORDER BY id"
            )
        ).all()
        tables = set(scratch.dialect.get_table_names(conn))
    assert [(r.case_id, r.name, r.id_number_index, r.phone_masked) for r in rows] == [
        (1, "张三", "idx-id", "138****5678"),
        (2, "张三", "idx-id", "138****5678"),
    ]
    assert rows[0].id != rows[1].id  # two records: changing one touches no other case
    assert "people" not in tables and "case_workers_old" not in tables


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_0011_keeps_issued_documents_and_drops_drafts_on_the_way_back(scratch):
    upgrade(scratch, "0009")
    with scratch.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (id, code, name, level, path, depth, created_at) "
                "VALUES (1, 'TH', '天河区总工会', 'county', '/1/', 0, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, ref, workflow, state, org_unit_id, origin_org_unit_id, "
                "worker_count, channel, summary, complexity, collective, mass_incident, "
                "attributes, escalation_level, event_seq, last_hash, version, created_at, "
                "updated_at) VALUES (1, 'SUP-2026-000001', 'supervision', 'tip_letter_issued', "
                "1, 1, 1, 'walk_in', '', 'normal', false, false, '{}', 0, 0, '', 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO documents (id, case_id, kind, number, issuer_unit_id, addressee, "
                "citation, issued_at) VALUES (1, 1, 'tip_letter', 'TH〔2026〕提字第001号', 1, "
                "'某公司', '工会法 第二十三条', '2026-03-02 02:00:00')"
            )
        )
    upgrade(scratch)
    with scratch.begin() as conn:
        old = conn.execute(
            text("SELECT status, number, body, content_hash, created_at, issued_at FROM documents")
        ).one()
        assert (old.status, old.number, old.body, old.content_hash) == (
            "issued",
            "TH〔2026〕提字第001号",  # numbers already issued keep their value
            None,  # rendered from its template
            None,
        )
        assert old.created_at == old.issued_at
        conn.execute(
            text(
                "INSERT INTO documents (id, case_id, kind, status, issuer_unit_id, addressee, "
                "citation, body) VALUES (2, 1, 'opinion_letter', 'draft', 1, '某公司', '', '正文')"
            )
        )
    with pytest.raises(IntegrityError), scratch.begin() as conn:  # issued needs a number
        conn.execute(
            text(
                "INSERT INTO documents (id, case_id, kind, status, issuer_unit_id, addressee, "
                "citation) VALUES (3, 1, 'tip_letter', 'issued', 1, '某公司', '')"
            )
        )
    _downgrade(scratch, "0009")
    with scratch.connect() as conn:
        rows = conn.execute(text("SELECT id, number FROM documents")).all()
    assert [tuple(r) for r in rows] == [(1, "TH〔2026〕提字第001号")]
    upgrade(scratch)  # and up again


def test_0016_adds_the_employer_profile_and_projects_and_gives_them_back(scratch):
    upgrade(scratch, "0015")
    with scratch.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (id, code, name, level, path, depth, created_at) "
                "VALUES (1, 'TH', '天河区总工会', 'county', '/1/', 0, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO employers (id, name, org_unit_id, has_union, created_at) "
                "VALUES (1, '某建筑劳务公司', 1, false, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(scratch, "0016")
    with scratch.begin() as conn:
        row = conn.execute(
            text("SELECT name, industry, staff_count, union_members FROM employers")
        ).one()
        assert tuple(row) == ("某建筑劳务公司", None, None, None)  # nothing invented
        conn.execute(
            text(
                "INSERT INTO projects (id, name, created_by, created_at) "
                "VALUES (1, '某安置房工程', 'admin', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO project_parties (project_id, employer_id, role, created_by, "
                "created_at) VALUES (1, 1, 'general_contractor', 'admin', CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(IntegrityError), scratch.begin() as conn:  # roles are a closed list
        conn.execute(
            text(
                "INSERT INTO project_parties (project_id, employer_id, role, created_by, "
                "created_at) VALUES (1, 1, 'owner', 'admin', CURRENT_TIMESTAMP)"
            )
        )
    _downgrade(scratch, "0015")
    with scratch.connect() as conn:
        assert conn.execute(text("SELECT name FROM employers")).scalar_one() == "某建筑劳务公司"
    upgrade(scratch, "0016")


def test_0017_counts_letters_already_past_their_reply_date_as_checked(scratch):
    upgrade(scratch, "0016")
    with scratch.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (id, code, name, level, path, depth, created_at) "
                "VALUES (1, 'TH', '天河区总工会', 'county', '/1/', 0, CURRENT_TIMESTAMP)"
            )
        )
        for i, due in ((1, "2020-01-10"), (2, "2999-01-10")):
            conn.execute(
                text(
                    "INSERT INTO tip_letters (id, issuer_unit_id, issuer_name, number, year, "
                    "title, scope, addressee, body, citation, reply_due, issued_at, issued_by, "
                    "recipient_count, content_hash) VALUES (:i, 1, '天河区总工会', :n, 2020, "
                    "'提示函', '辖区企业', '各有关用人单位', '正文', '工会法', :due, "
                    "CURRENT_TIMESTAMP, 'sup', 3, '0')"
                ),
                {"i": i, "n": f"天工提〔2020〕{i}号", "due": due},
            )
    upgrade(scratch, "0017")
    with scratch.connect() as conn:
        rows = conn.execute(
            text("SELECT id, replies_checked_at IS NOT NULL FROM tip_letters ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [(1, True), (2, False)]
    _downgrade(scratch, "0016")
    with scratch.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tip_letters")).scalar_one() == 2
    upgrade(scratch, "0017")
