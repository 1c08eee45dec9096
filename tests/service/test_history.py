"""The keyed, hash-chained history, its verification (`casework audit verify`), key rotation
(`casework audit rekey`), the legacy chains written before keys, and the generated workflow
reference."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, delete, select, update

from casework.cases.service import comment, fire
from casework.cli.reference import workflows_markdown
from casework.clocks.calendar import seed_from_package
from casework.core.migrate import alembic_config, upgrade
from casework.core.settings import load_settings
from casework.demo import load_demo
from casework.history import event_hash, verify_all
from casework.models import Case, CaseEvent
from casework.runtime import build_runtime
from tests.conftest import (
    FAST_COMMITS,
    PG_URL,
    ROOT,
    Demo,
    _reset_postgres,
    _worker_database,
    _worker_id,
)
from tests.helpers import TEST_KEYS, new_case, run_cli

KEY = TEST_KEYS["CASEWORK_HISTORY_KEY"]
EVENTS = CaseEvent.__table__
CASES = Case.__table__
# What a forger writes into the verified step's data (the worker was owed nothing).
FORGED = {"data": {"months_in_arrears": 0}}
KEEP = object()  # leave the key_id column as it is (or where it does not exist yet)


def key_id(key: str) -> str:
    """The documented key id: the first 8 hex digits of the key's SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def _link(prev_hash: str, row: Any, data: Any, key: str | None) -> str:
    """One link of the chain as the documentation describes it, written independently of the
    engine: the canonical JSON of the public fields after the previous hash, through
    HMAC-SHA256 with ``key`` (None: the plain SHA-256 of the chains written before keys)."""
    body = {
        "case_id": row.case_id,
        "seq": row.seq,
        "at": row.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row.actor_id,
        "actor": row.actor,
        "kind": row.kind,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "trigger": row.trigger,
        "data": data,
    }
    message = (
        prev_hash + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    ).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _forge(
    engine: Engine,
    case_id: int,
    *,
    key: str | None,
    key_id: Any = KEEP,
    from_seq: int = 1,
    edit: dict[int, Any] | None = None,
) -> None:
    """What anyone with write access to the database can do: change events' data (``edit``,
    by sequence number), recompute every hash from ``from_seq`` on with ``key`` (None: plain
    SHA-256) and move the case's tail, all in plain SQL."""
    edit = edit or {}
    columns = [c for c in EVENTS.c if c.name != "key_id"]  # also on a schema before 0004
    with engine.begin() as conn:
        rows = conn.execute(
            select(*columns).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)
        ).all()
        prev = "0" * 64
        for row in rows:
            if row.seq < from_seq:
                prev = row.hash
                continue
            data = edit.get(row.seq, row.data)
            values: dict[str, Any] = {"data": data, "prev_hash": prev}
            values["hash"] = prev = _link(prev, row, data, key)
            if key_id is not KEEP:
                values["key_id"] = key_id
            conn.execute(update(EVENTS).where(EVENTS.c.id == row.id).values(**values))
        conn.execute(update(CASES).where(CASES.c.id == case_id).values(last_hash=prev))


def _edit(engine: Engine, case_id: int, seq: int, data: Any) -> None:
    """An edit that does not bother with the hashes."""
    with engine.begin() as conn:
        conn.execute(
            update(EVENTS).where(EVENTS.c.case_id == case_id, EVENTS.c.seq == seq).values(data=data)
        )


def _key_ids(engine: Engine, case_id: int) -> set[str | None]:
    with engine.connect() as conn:
        return set(conn.scalars(select(EVENTS.c.key_id).where(EVENTS.c.case_id == case_id)))


def _hashes(engine: Engine, case_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(EVENTS.c.hash).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)
            )
        )


def _case_with_history(rt, demo):
    case = new_case(rt, demo, "wage_arrears")
    actor = demo.actor("supervisor.tianhe")
    fire(rt.uow(), case_id=case.id, trigger="verify", actor=actor, data={"months_in_arrears": 2})
    comment(rt.uow(), case_id=case.id, text="已联系用人单位", actor=actor)
    return fire(rt.uow(), case_id=case.id, trigger="start_negotiation", actor=actor)


def test_an_untouched_history_verifies(rt, demo, db_url):
    case = _case_with_history(rt, demo)
    with rt.reader() as uow:
        assert verify_all(uow) == (1, [])
    out = run_cli(db_url, "audit", "verify", case.ref)
    assert out.returncode == 0, out.stderr
    assert "OK: 1 case histories verified" in out.stdout


def test_editing_one_stored_event_is_detected_and_named(rt, demo, db_url):
    case = _case_with_history(rt, demo)
    other = _case_with_history(rt, demo)
    with rt.engine.begin() as conn:  # someone edits the database behind the engine's back
        conn.execute(
            update(CaseEvent.__table__)
            .where(CaseEvent.__table__.c.case_id == case.id, CaseEvent.__table__.c.seq == 2)
            .values(data={"data": {"months_in_arrears": 0}})
        )
    out = run_cli(db_url, "audit", "verify")
    assert out.returncode == 1
    assert f"BROKEN {case.ref}: event #2" in out.stdout
    assert other.ref not in out.stdout
    assert run_cli(db_url, "audit", "verify", other.ref).returncode == 0


def test_rewriting_the_chain_or_deleting_the_newest_event_is_detected(rt, demo, db_url):
    case = _case_with_history(rt, demo)
    with rt.engine.begin() as conn:
        conn.execute(
            delete(CaseEvent.__table__).where(
                CaseEvent.__table__.c.case_id == case.id,
                CaseEvent.__table__.c.seq == case.event_seq,
            )
        )
    out = run_cli(db_url, "audit", "verify", case.ref)
    assert out.returncode == 1 and "events deleted" in out.stdout
    second = _case_with_history(rt, demo)
    with rt.engine.begin() as conn:  # change who acted
        conn.execute(
            update(CaseEvent.__table__)
            .where(CaseEvent.__table__.c.case_id == second.id, CaseEvent.__table__.c.seq == 3)
            .values(actor="someone.else")
        )
    out = run_cli(db_url, "audit", "verify", second.ref)
    assert out.returncode == 1 and f"{second.ref}: event #3" in out.stdout
    # a forger who even holds the key recomputes the edited row's hash: the next row no longer
    # links to it
    third = _case_with_history(rt, demo)
    with rt.reader() as uow:
        ev = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == third.id, CaseEvent.seq == 2)
        ).one()
        forged = event_hash(
            key=KEY,
            prev_hash=ev.prev_hash,
            case_id=ev.case_id,
            seq=2,
            at=ev.at,
            actor_id=ev.actor_id,
            actor=ev.actor,
            kind=ev.kind,
            from_state=ev.from_state,
            to_state=ev.to_state,
            trigger=ev.trigger,
            data=FORGED,
        )
    with rt.engine.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.id == ev.id).values(data=FORGED, hash=forged))
    out = run_cli(db_url, "audit", "verify", third.ref)
    assert (
        out.returncode == 1 and f"{third.ref}: event #3" in out.stdout and "prev_hash" in out.stdout
    )


def test_verify_an_unknown_case_is_an_error(rt, db_url):
    out = run_cli(db_url, "audit", "verify", "MED-2026-999999")
    assert out.returncode == 2 and "no case" in out.stderr


def test_history_hashes_chain_each_event_to_the_previous(rt, demo):
    case = _case_with_history(rt, demo)
    with rt.reader() as uow:
        evs = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        ).all()
        stored = uow.session.get(Case, case.id)
    assert [e.kind for e in evs if not e.kind.startswith("deadline")] == [
        "created",
        "transition",
        "comment",
        "transition",
    ]
    assert evs[0].prev_hash == "0" * 64
    assert {e.key_id for e in evs} == {key_id(KEY)}  # every event says which key signed it
    for prev, ev in zip(evs, evs[1:], strict=False):
        assert ev.prev_hash == prev.hash
    assert stored.last_hash == evs[-1].hash and stored.event_seq == len(evs) == evs[-1].seq


# -- the key: a chain re-hashed without it is detected ------------------------------------------


@pytest.mark.parametrize(
    ("key", "marked", "from_seq", "named"),
    [
        pytest.param(None, KEEP, 2, 2, id="plain-sha256-from-the-edit"),
        pytest.param(None, KEEP, 1, 1, id="plain-sha256-whole-chain"),
        pytest.param("wrong", KEEP, 2, 2, id="hmac-wrong-key"),
        pytest.param("wrong", "own-id", 2, 2, id="hmac-wrong-key-with-its-id"),
        pytest.param(None, None, 2, 2, id="plain-sha256-marked-unkeyed"),
    ],
)
def test_an_edit_re_hashed_without_the_key_is_detected_and_named(
    rt, demo, db_url, key, marked, from_seq, named
):
    """The reproduction: edit one event with SQL, recompute the chain from the public fields
    (plain SHA-256, or HMAC under a key of the forger's own) and the case's tail."""
    case = _case_with_history(rt, demo)
    other = _case_with_history(rt, demo)
    forger_key = secrets.token_hex(32) if key == "wrong" else None
    mark = key_id(forger_key) if marked == "own-id" else marked
    _forge(rt.engine, case.id, key=forger_key, key_id=mark, from_seq=from_seq, edit={2: FORGED})
    out = run_cli(db_url, "audit", "verify")
    assert out.returncode == 1, out.stdout
    assert f"BROKEN {case.ref}: event #{named} " in out.stdout
    assert other.ref not in out.stdout
    assert "1 of 2 case histories fail verification" in out.stderr
    assert run_cli(db_url, "audit", "verify", other.ref).returncode == 0


def test_a_chain_downgraded_to_unkeyed_is_flagged_and_never_re_keyed_by_default(rt, demo, db_url):
    """A forger who rewrites a whole keyed chain as an unkeyed (pre-keys) one cannot be caught
    by the chain alone: verify names it UNKEYED, --strict fails it, rekey leaves it alone."""
    case = _case_with_history(rt, demo)
    _forge(rt.engine, case.id, key=None, key_id=None, edit={2: FORGED})
    out = run_cli(db_url, "audit", "verify")
    assert out.returncode == 0 and f"UNKEYED {case.ref}" in out.stdout
    strict = run_cli(db_url, "audit", "verify", "--strict")
    assert strict.returncode == 1 and f"UNKEYED {case.ref}" in strict.stdout
    rekey = run_cli(db_url, "audit", "rekey")
    assert rekey.returncode == 1 and f"UNKEYED {case.ref}" in rekey.stdout
    assert "--legacy" in rekey.stdout
    assert _key_ids(rt.engine, case.id) == {None}


# -- rotation -------------------------------------------------------------------------------


def test_old_keys_verify_while_listed_and_rekey_moves_every_chain_to_the_current_key(
    rt, demo, db_url
):
    first = _case_with_history(rt, demo)
    second = _case_with_history(rt, demo)
    new = secrets.token_hex(32)
    rotated = {
        "CASEWORK_HISTORY_KEY": new,
        "CASEWORK_HISTORY_OLD_KEYS": f"{secrets.token_hex(32)}, {KEY}",
    }
    dropped = {"CASEWORK_HISTORY_KEY": new}
    out = run_cli(db_url, "audit", "verify", env=rotated)
    assert out.returncode == 0 and "OK: 2 case histories verified" in out.stdout
    out = run_cli(db_url, "audit", "verify", env=dropped)
    assert out.returncode == 1
    assert f"BROKEN {first.ref}: event #1 " in out.stdout and key_id(KEY) in out.stdout
    assert f"BROKEN {second.ref}: event #1 " in out.stdout
    # without the old key nothing can be re-keyed: nothing is blessed
    before = _hashes(rt.engine, first.id)
    out = run_cli(db_url, "audit", "rekey", env=dropped)
    assert out.returncode == 1 and f"REFUSED {first.ref}: event #1 " in out.stdout
    assert _hashes(rt.engine, first.id) == before
    out = run_cli(db_url, "audit", "rekey", "--batch", "1", env=rotated)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"re-keyed 2 case histories with key {key_id(new)}" in out.stdout
    assert _key_ids(rt.engine, first.id) == _key_ids(rt.engine, second.id) == {key_id(new)}
    out = run_cli(db_url, "audit", "verify", "--strict", env=dropped)
    assert out.returncode == 0 and "OK: 2 case histories verified" in out.stdout
    # the old key alone no longer verifies the re-keyed chains; a second rekey has nothing to do
    assert run_cli(db_url, "audit", "verify", first.ref).returncode == 1
    again = run_cli(db_url, "audit", "rekey", env=dropped)
    assert again.returncode == 0 and "re-keyed 0 case histories" in again.stdout
    # the engine under the new key goes on appending to the re-keyed chain
    runtime = build_runtime(
        load_settings({**TEST_KEYS, **dropped, "CASEWORK_DATABASE_URL": db_url})
    )
    try:
        comment(
            runtime.uow(),
            case_id=first.id,
            text="轮换密钥后的备注",
            actor=demo.actor("supervisor.tianhe"),
        )
    finally:
        runtime.dispose()
    assert run_cli(db_url, "audit", "verify", "--strict", first.ref, env=dropped).returncode == 0


# -- legacy chains (written before keys) ------------------------------------------------------


def test_legacy_chains_verify_until_re_keyed_and_a_tampered_one_is_refused(rt, demo, db_url):
    good = _case_with_history(rt, demo)
    bad = _case_with_history(rt, demo)
    keyed = _case_with_history(rt, demo)
    # as migration 0004 leaves the chains written before it: no key id, plain SHA-256 ...
    _forge(rt.engine, good.id, key=None, key_id=None)
    _forge(rt.engine, bad.id, key=None, key_id=None)
    _edit(rt.engine, bad.id, 2, FORGED)  # ... and one of them edited since
    keyed_hashes = _hashes(rt.engine, keyed.id)

    out = run_cli(db_url, "audit", "verify", good.ref)
    assert out.returncode == 0 and "OK: 1 case histories verified" in out.stdout
    assert f"UNKEYED {good.ref}" in out.stdout
    out = run_cli(db_url, "audit", "verify")
    assert out.returncode == 1 and f"BROKEN {bad.ref}: event #2 " in out.stdout
    assert f"BROKEN {good.ref}" not in out.stdout and keyed.ref not in out.stdout

    out = run_cli(db_url, "audit", "rekey", "--legacy")
    assert out.returncode == 1
    assert "re-keyed 1 case histories" in out.stdout
    assert f"REFUSED {bad.ref}: event #2 " in out.stdout
    assert _key_ids(rt.engine, good.id) == {key_id(KEY)}
    assert _key_ids(rt.engine, bad.id) == {None}  # the tampered chain is not blessed
    assert _hashes(rt.engine, keyed.id) == keyed_hashes  # nothing to do there
    out = run_cli(db_url, "audit", "verify", "--strict", good.ref)
    assert out.returncode == 0 and "UNKEYED" not in out.stdout
    assert f"BROKEN {bad.ref}: event #2 " in run_cli(db_url, "audit", "verify").stdout


@pytest.fixture
def scratch_url(db_url, tmp_path, request):
    """An empty database of this test's own on the same backend (for a test that migrates it
    down and up again without touching the shared one)."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'scratch.db'}"
    url = _worker_database(PG_URL, f"{_worker_id(request.config) or 'main'}_scratch")
    url += ("&" if "?" in url else "?") + FAST_COMMITS
    _reset_postgres(url)
    return url


def _migrate_down(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_init_re_keys_the_legacy_chains_it_upgrades_and_refuses_a_tampered_one(scratch_url):
    runtime = build_runtime(load_settings({**TEST_KEYS, "CASEWORK_DATABASE_URL": scratch_url}))
    try:
        upgrade(runtime.engine)
        with runtime.uow() as uow:
            seed_from_package(uow.session)
            uow.commit()
        load_demo(runtime.uow())
        demo = Demo(runtime)
        good = _case_with_history(runtime, demo)
        bad = _case_with_history(runtime, demo)
        runtime.engine.dispose()
        # the database as the code before keyed history left it
        _migrate_down(runtime.engine, "0003")
        _forge(runtime.engine, good.id, key=None)
        _forge(runtime.engine, bad.id, key=None)
        _edit(runtime.engine, bad.id, 2, FORGED)

        out = run_cli(scratch_url, "init")
        assert out.returncode == 0, out.stderr
        assert "history: re-keyed 1 legacy case histories" in out.stdout
        assert f"REFUSED {bad.ref}: event #2 " in out.stderr
        assert _key_ids(runtime.engine, good.id) == {key_id(KEY)}
        assert _key_ids(runtime.engine, bad.id) == {None}
        out = run_cli(scratch_url, "audit", "verify")
        assert out.returncode == 1 and f"BROKEN {bad.ref}: event #2 " in out.stdout
        assert good.ref not in out.stdout
        # a second init has no upgrade to make and re-keys nothing
        again = run_cli(scratch_url, "init")
        assert again.returncode == 0 and "re-keyed" not in again.stdout
    finally:
        runtime.dispose()


def test_the_workflow_reference_page_is_generated_from_the_code():

    page = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    assert page == workflows_markdown(), (
        "regenerate: casework workflows --markdown > docs/workflows.md"
    )
