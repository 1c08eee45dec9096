"""Setting up a production database from the command line: org units, the first admin, users.

A password is read from a prompt (asked twice) or from the first line of standard input, never
from an argument. Every refusal exits 2 with one line saying why, never a traceback.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from casework.core.errors import NotAuthenticated
from casework.models import OrgUnit, User
from casework.people.auth import authenticate, login
from tests.helpers import run_cli

PASSWORD = "Zhi-gong-2026"  # noqa: S105 - test data
NEW_PASSWORD = "Wei-quan-2027"  # noqa: S105 - test data


class Terminal(io.StringIO):
    """Standard input that says it is a terminal (so the command prompts)."""

    def isatty(self) -> bool:
        return True


class Prompts:
    """Stands in for ``getpass.getpass``: answers from ``answers`` in order, keeps the prompts."""

    def __init__(self) -> None:
        self.answers: list[str] = []
        self.asked: list[str] = []

    def __call__(self, prompt: str = "Password: ", stream=None) -> str:  # noqa: ARG002
        self.asked.append(prompt)
        return self.answers.pop(0)


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Prompts:
    fake = Prompts()
    monkeypatch.setattr("getpass.getpass", fake)
    return fake


def _province(db_url: str) -> None:
    out = run_cli(db_url, "org", "create", "GD", "广东省总工会", "--level", "province")
    assert out.returncode == 0, out.stderr


def _users(rt) -> int:
    with rt.reader() as uow:
        return uow.session.scalar(select(func.count(User.id)))


def _assert_refused(out, words: str) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert words in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_the_first_admin_on_an_empty_database_can_log_in(rt, db_url):
    _province(db_url)
    out = run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert "root.admin" in out.stdout
    assert PASSWORD not in out.stdout + out.stderr

    issued = login(rt.uow(), username="root.admin", password=PASSWORD, client="cli-test")
    actor, _ = authenticate(rt.reader(), issued.token)
    assert actor.roles == {"admin"}
    with rt.reader() as uow:
        user = uow.session.scalars(select(User).where(User.username == "root.admin")).one()
        assert user.org_unit.code == "GD" and user.display_name == "root.admin"


def test_the_general_form_and_an_admin_at_a_given_unit(rt, db_url):
    _province(db_url)
    assert (
        run_cli(
            db_url, "org", "create", "GZ", "广州市总工会", "--level", "city", "--parent", "GD"
        ).returncode
        == 0
    )
    out = run_cli(
        db_url,
        "user",
        "create",
        "zhuguan.gz",
        "--org",
        "GZ",
        "--role",
        "supervisor",
        "--role",
        "caseworker",
        "--display-name",
        "广州市总工会主管",
        stdin=PASSWORD + "\n",
    )
    assert out.returncode == 0, out.stderr
    out = run_cli(db_url, "user", "create", "--admin", "--org", "GZ", "gz.admin", stdin=PASSWORD)
    assert out.returncode == 0, out.stderr

    listing = json.loads(run_cli(db_url, "user", "list", "--json").stdout)
    by_name = {u["username"]: u for u in listing}
    assert by_name["zhuguan.gz"]["display_name"] == "广州市总工会主管"
    assert by_name["zhuguan.gz"]["roles"] == ["caseworker", "supervisor"]
    assert by_name["zhuguan.gz"]["org_unit"]["code"] == "GZ"
    assert by_name["gz.admin"]["roles"] == ["admin"]
    assert by_name["gz.admin"]["org_unit"]["code"] == "GZ"
    assert all(u["is_active"] for u in listing)
    text = run_cli(db_url, "user", "list").stdout
    assert "zhuguan.gz" in text and "广州市总工会主管" in text and "caseworker,supervisor" in text


def test_a_password_is_never_taken_from_the_command_line(rt, db_url):
    _province(db_url)
    out = run_cli(
        db_url, "user", "create", "--admin", "root.admin", "--password", PASSWORD, stdin=""
    )
    _assert_refused(out, "unrecognized arguments")
    out = run_cli(db_url, "user", "set-password", "root.admin", "--password", PASSWORD)
    _assert_refused(out, "unrecognized arguments")
    assert "--password" not in run_cli(db_url, "user", "create", "--help").stdout
    assert _users(rt) == 0


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["--admin", "root.admin"], "short\n", "at least 8 characters"),
        (["--admin", "root.admin"], "", "no password"),
        (["--admin", "--org", "NOPE", "root.admin"], PASSWORD, "no org unit 'NOPE'"),
        (["someone", "--org", "GD"], PASSWORD, "--role"),
        (["someone", "--role", "caseworker"], PASSWORD, "--org"),
    ],
    ids=["short-password", "empty-stdin", "unknown-unit", "no-role", "no-unit"],
)
def test_refusals_exit_2_and_create_nobody(rt, db_url, args, stdin, says):
    _province(db_url)
    _assert_refused(run_cli(db_url, "user", "create", *args, stdin=stdin), says)
    assert _users(rt) == 0


def test_a_duplicate_username_is_refused(rt, db_url):
    _province(db_url)
    assert (
        run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=PASSWORD).returncode == 0
    )
    out = run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=NEW_PASSWORD)
    _assert_refused(out, "already exists")
    login(rt.uow(), username="root.admin", password=PASSWORD, client="cli-test")


def test_an_admin_needs_an_org_unit_first(rt, db_url):
    out = run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=PASSWORD)
    _assert_refused(out, "casework org create")
    assert _users(rt) == 0


def test_an_unknown_unit_is_refused_before_the_prompt(rt, db_url, prompts):
    _province(db_url)
    out = run_cli(db_url, "user", "create", "x.admin", "--admin", "--org", "NOPE", stdin=Terminal())
    _assert_refused(out, "no org unit 'NOPE'")
    assert prompts.asked == []


def test_a_database_without_its_schema_is_refused_with_the_way_out(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for args in (["org", "create", "GD", "广东省总工会", "--level", "province"], ["user", "list"]):
        _assert_refused(run_cli(url, *args), "run `casework init` first")


@pytest.mark.parametrize(
    "args",
    [
        ["user", "create", "李 四", "--admin"],
        ["user", "create", "x" * 81, "--admin"],
        ["user", "create", "someone", "--org", "GD", "--role", "root"],
        ["user", "create", "someone", "--admin", "--display-name", "  "],
        ["org", "create", "G D", "广东省总工会", "--level", "province"],
        ["org", "create", "GD", " ", "--level", "province"],
    ],
    ids=["username-space", "username-long", "unknown-role", "blank-name", "code-space", "blank"],
)
def test_names_follow_the_api_rules(rt, db_url, args):
    _assert_refused(run_cli(db_url, *args, stdin=PASSWORD), "error: argument")
    assert _users(rt) == 0
    with rt.reader() as uow:
        assert uow.session.scalar(select(func.count(OrgUnit.id))) == 0


def test_the_prompt_asks_twice_and_refuses_two_different_answers(rt, db_url, prompts):
    _province(db_url)
    prompts.answers += [PASSWORD, PASSWORD + "x"]
    out = run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=Terminal())
    _assert_refused(out, "passwords differ")
    assert len(prompts.asked) == 2 and _users(rt) == 0

    prompts.answers += [PASSWORD, PASSWORD]
    out = run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=Terminal())
    assert out.returncode == 0, out.stderr
    assert len(prompts.asked) == 4
    login(rt.uow(), username="root.admin", password=PASSWORD, client="cli-test")


def test_set_password_revokes_the_old_tokens(rt, db_url):
    _province(db_url)
    run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=PASSWORD)
    old = login(rt.uow(), username="root.admin", password=PASSWORD, client="cli-test").token

    _assert_refused(
        run_cli(db_url, "user", "set-password", "root.admin", stdin="short"), "at least 8"
    )
    authenticate(rt.reader(), old)  # a refused change changes nothing

    out = run_cli(db_url, "user", "set-password", "root.admin", stdin=NEW_PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert NEW_PASSWORD not in out.stdout + out.stderr
    with pytest.raises(NotAuthenticated):
        authenticate(rt.reader(), old)
    with pytest.raises(NotAuthenticated):
        login(rt.uow(), username="root.admin", password=PASSWORD, client="cli-test")
    login(rt.uow(), username="root.admin", password=NEW_PASSWORD, client="cli-test")

    _assert_refused(run_cli(db_url, "user", "set-password", "nobody", stdin=NEW_PASSWORD), "nobody")


def test_deactivate_logs_the_user_out_and_shows_in_the_list(rt, db_url):
    _province(db_url)
    run_cli(db_url, "user", "create", "--admin", "root.admin", stdin=PASSWORD)
    token = login(rt.uow(), username="root.admin", password=PASSWORD, client="cli-test").token

    out = run_cli(db_url, "user", "deactivate", "root.admin")
    assert out.returncode == 0, out.stderr
    with pytest.raises(NotAuthenticated):
        authenticate(rt.reader(), token)
    with pytest.raises(NotAuthenticated):
        login(rt.uow(), username="root.admin", password=PASSWORD, client="cli-test")
    [listed] = json.loads(run_cli(db_url, "user", "list", "--json").stdout)
    assert listed["username"] == "root.admin" and listed["is_active"] is False
    assert "inactive" in run_cli(db_url, "user", "list").stdout
    _assert_refused(run_cli(db_url, "user", "deactivate", "nobody"), "nobody")


def test_org_create_and_list(rt, db_url):
    _province(db_url)
    out = run_cli(
        db_url, "org", "create", "TH", "天河区总工会", "--level", "county", "--parent", "GD"
    )
    assert out.returncode == 0, out.stderr
    _assert_refused(
        run_cli(db_url, "org", "create", "X", "某工会", "--level", "county", "--parent", "NOPE"),
        "no org unit 'NOPE'",
    )
    _assert_refused(
        run_cli(db_url, "org", "create", "Y", "某工会", "--level", "city", "--parent", "TH"),
        "below its parent",
    )
    _assert_refused(
        run_cli(db_url, "org", "create", "TH", "又一个", "--level", "county", "--parent", "GD"),
        "already exists",
    )
    _assert_refused(run_cli(db_url, "org", "create", "Z", "某", "--level", "galaxy"), "invalid")

    units = json.loads(run_cli(db_url, "org", "list", "--json").stdout)
    assert [(u["code"], u["level"], u["parent_id"] is None) for u in units] == [
        ("GD", "province", True),
        ("TH", "county", False),
    ]
    text = run_cli(db_url, "org", "list").stdout
    assert "天河区总工会" in text and "county" in text
    with rt.reader() as uow:
        assert uow.session.scalar(select(func.count(OrgUnit.id))) == 2


def test_demo_data_is_refused_in_production(rt, db_url):
    out = run_cli(db_url, "demo", env={"CASEWORK_ENV": "production"})
    _assert_refused(out, "production")
    assert _users(rt) == 0
    with rt.reader() as uow:
        assert uow.session.scalar(select(func.count(OrgUnit.id))) == 0
