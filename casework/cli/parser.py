"""The ``casework`` argument parser and entry point."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence

import workflows
from casework.cli import acts, admin, commands
from casework.cli import warnings as warnings_cli
from casework.cli.serve import cmd_serve
from casework.core.errors import DomainError
from casework.core.settings import SettingsError
from casework.core.vocab import (
    CODE_PATTERN,
    EXTENSION_BASES,
    LEVELS,
    MAX_DISPLAY_NAME,
    MAX_ORG_CODE,
    MAX_ORG_NAME,
    MAX_USERNAME,
    ROLES,
)
from casework.people.service import MIN_PASSWORD

PASSWORD_HELP = (
    f"The password ({MIN_PASSWORD}+ characters) is asked twice at the prompt or, when standard "
    "input is not a terminal, read from its first line; never from an argument."
)


def _code(what: str, longest: int) -> Callable[[str], str]:
    """An argument type for a code or username (the API's rule)."""

    def parse(value: str) -> str:
        if len(value) > longest or not re.match(CODE_PATTERN, value):
            raise argparse.ArgumentTypeError(
                f"{what} must be 1 to {longest} letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        return value

    return parse


def _text(what: str, longest: int) -> Callable[[str], str]:
    """An argument type for a name: not blank, at most ``longest`` characters."""

    def parse(value: str) -> str:
        value = value.strip()
        if not value or len(value) > longest:
            raise argparse.ArgumentTypeError(f"{what} must be 1 to {longest} characters")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="casework", description="Worker-rights case engine.")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("init", help="create or upgrade the database schema (Alembic)")
    sp.set_defaults(func=commands.cmd_init)

    sp = sub.add_parser("demo", help="load the demo org tree, employers and users (idempotent)")
    sp.add_argument("--password", default="casework-demo", help="password of the demo users")
    sp.add_argument(
        "--if-empty", action="store_true", help="only load when the database has no org units"
    )
    sp.set_defaults(func=commands.cmd_demo)

    sp = sub.add_parser("org", help="org units (union bodies): create the tree, list it")
    org = sp.add_subparsers(dest="org_command", required=True)
    oc = org.add_parser("create", help="create an org unit (the first one has no --parent)")
    oc.add_argument("code", type=_code("CODE", MAX_ORG_CODE), help="unique code, e.g. GD or TH-SP")
    oc.add_argument("name", type=_text("NAME", MAX_ORG_NAME), help="e.g. 广东省总工会")
    oc.add_argument("--level", required=True, choices=LEVELS, help="below the parent's level")
    oc.add_argument("--parent", type=_code("--parent", MAX_ORG_CODE), help="the parent's code")
    oc.set_defaults(func=admin.cmd_org_create)
    ol = org.add_parser("list", help="every org unit, in tree order")
    ol.add_argument("--json", action="store_true")
    ol.set_defaults(func=admin.cmd_org_list)

    sp = sub.add_parser(
        "user", help="users: create (the first admin too), list, password, deactivate"
    )
    usr = sp.add_subparsers(dest="user_command", required=True)
    uc = usr.add_parser(
        "create",
        help="create a user; --admin: an admin at the top unit (or at --org)",
        description="Create a user. " + PASSWORD_HELP,
    )
    uc.add_argument("username", type=_code("USERNAME", MAX_USERNAME))
    uc.add_argument(
        "--admin", action="store_true", help="role admin, at the top unit unless --org is given"
    )
    uc.add_argument("--org", type=_code("--org", MAX_ORG_CODE), help="the user's unit code")
    uc.add_argument("--role", action="append", choices=ROLES, help="a role (repeat for several)")
    uc.add_argument(
        "--display-name",
        type=_text("--display-name", MAX_DISPLAY_NAME),
        help="the name shown to others (default: the username)",
    )
    uc.set_defaults(func=admin.cmd_user_create)
    ul = usr.add_parser("list", help="every user: unit, roles, active or not")
    ul.add_argument("--json", action="store_true")
    ul.set_defaults(func=admin.cmd_user_list)
    up = usr.add_parser(
        "set-password",
        help="set a user's password (their tokens are revoked)",
        description="Set a user's password; every token they hold is revoked. " + PASSWORD_HELP,
    )
    up.add_argument("username")
    up.set_defaults(func=admin.cmd_user_set_password)
    ud = usr.add_parser("deactivate", help="stop a user logging in (their tokens are revoked)")
    ud.add_argument("username")
    ud.set_defaults(func=admin.cmd_user_deactivate)

    sp = sub.add_parser("workflows", help="print the workflow definitions")
    sp.add_argument("--json", action="store_true", help="machine-readable JSON")
    sp.add_argument("--markdown", action="store_true", help="the reference page docs/workflows.md")
    sp.set_defaults(func=commands.cmd_workflows)

    sp = sub.add_parser("diagram", help="print a workflow as Mermaid stateDiagram-v2 text")
    sp.add_argument("name", help=f"one of: {', '.join(workflows.names())}")
    sp.set_defaults(func=commands.cmd_diagram)

    sp = sub.add_parser("audit", help="audit the case histories")
    audit = sp.add_subparsers(dest="audit_command", required=True)
    av = audit.add_parser("verify", help="recompute the keyed hash chains")
    av.add_argument("case_ref", nargs="?", help="one case reference, e.g. MED-2026-000123")
    av.add_argument(
        "--strict", action="store_true", help="fail on unkeyed chains (written before keys) too"
    )
    av.set_defaults(func=commands.cmd_audit_verify)
    ar = audit.add_parser(
        "rekey", help="re-sign every chain with CASEWORK_HISTORY_KEY (after a key rotation)"
    )
    ar.add_argument(
        "--legacy",
        action="store_true",
        help="also re-sign unkeyed chains (written before keys) that verify",
    )
    ar.add_argument("--batch", type=int, default=100, help="cases per batch (default 100)")
    ar.set_defaults(func=commands.cmd_audit_rekey)

    sp = sub.add_parser("sweep", help="one pass of the escalation sweep")
    sp.add_argument("--now", help="act as if it were this time (ISO 8601; default now)")
    sp.add_argument("--dry-run", action="store_true", help="list what would happen, change nothing")
    sp.add_argument("--json", action="store_true")
    sp.add_argument(
        "--batch", type=int, default=100, help="clocks claimed per transaction (default 100)"
    )
    sp.set_defaults(func=commands.cmd_sweep)

    sp = sub.add_parser("scheduler", help="run the scheduler process (sweep, outbox, auditor)")
    sp.set_defaults(func=commands.cmd_scheduler)

    sp = sub.add_parser("serve", help="run gunicorn and the scheduler together (Ctrl-C stops both)")
    sp.add_argument(
        "--bind", help="HOST:PORT to listen on (default: $CASEWORK_BIND, else 127.0.0.1:8000)"
    )
    sp.add_argument(
        "--workers", type=int, help="gunicorn workers (default: $CASEWORK_WORKERS, else 2)"
    )
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("calendar", help="the official working-day calendar")
    calsub = sp.add_subparsers(dest="calendar_command", required=True)
    cs = calsub.add_parser(
        "set", help="make one day a working day or a holiday (wins over the package)"
    )
    cs.add_argument("date", help="YYYY-MM-DD")
    kind = cs.add_mutually_exclusive_group(required=True)
    kind.add_argument("--workday", dest="workday", action="store_true")
    kind.add_argument("--holiday", dest="workday", action="store_false")
    cs.add_argument("--name", help="e.g. 春节 or 调休上班")
    cs.set_defaults(func=commands.cmd_calendar)
    cu = calsub.add_parser(
        "unset",
        help="remove an administrator's entry for one day (the package's schedule, else "
        "Monday-Friday, applies again)",
    )
    cu.add_argument("date", help="YYYY-MM-DD")
    cu.set_defaults(func=commands.cmd_calendar)
    ci = calsub.add_parser(
        "import", help="import a year's schedule (CSV date,is_workday,name or JSON)"
    )
    ci.add_argument("file")
    ci.set_defaults(func=commands.cmd_calendar)
    cw = calsub.add_parser("show", help="a year's holidays and make-up working days")
    cw.add_argument("year", type=int)
    cw.add_argument("--json", action="store_true")
    cw.set_defaults(func=commands.cmd_calendar)

    sp = sub.add_parser("deadline", help="compute a deadline with the official calendar")
    sp.add_argument(
        "--start", required=True, help="YYYY-MM-DD, the day of the starting event (not counted)"
    )
    sp.add_argument("--days", required=True, type=int)
    sp.add_argument("--unit", required=True, choices=["calendar", "working"])
    sp.add_argument(
        "--json", action="store_true", help='print {"due": ..., "calendar_verified": ...}'
    )
    sp.set_defaults(func=commands.cmd_deadline)

    sp = sub.add_parser(
        "clock",
        help="pause, resume or extend a case's clock where its law allows (as a user)",
        description="A user's lawful acts on a running clock. Only rules whose law allows it "
        "accept a pause or an extension; a refusal gives the legal reason and exits 2.",
    )
    clk = sp.add_subparsers(dest="clock_command", required=True)
    bases = ", ".join(f"{code} ({label})" for code, label in EXTENSION_BASES.items())
    ce = clk.add_parser("extend", help="extend a clock: the parties' consent or an approval")
    cp = clk.add_parser("pause", help="pause a clock whose law lets it stand still")
    cr = clk.add_parser("resume", help="resume a clock a user paused")
    for c in (ce, cp, cr):
        c.add_argument("case_ref", help="the case reference, e.g. MED-2026-000123")
        c.add_argument("rule", help="the clock's rule, e.g. mediation_period (casework explain)")
        c.add_argument(
            "--as", dest="as_user", required=True, metavar="USERNAME", help="the user acting"
        )
        c.add_argument("--json", action="store_true", help="print the clock as JSON")
        c.set_defaults(func=acts.cmd_clock)
    ce.add_argument("--days", required=True, type=int, help="days to add (the rule's unit)")
    ce.add_argument(
        "--basis",
        required=True,
        choices=[*EXTENSION_BASES, *EXTENSION_BASES.values()],
        help=f"the legal basis, code or 中文: {bases}",
    )
    ce.add_argument(
        "--approver",
        type=_text("--approver", MAX_DISPLAY_NAME),
        help="officer_approval: the officer who approved (name and post)",
    )
    ce.add_argument("--note", help="parties_consent: who consented and how (required)")
    for c in (cp, cr):
        c.add_argument("--reason", required=True, help="why (recorded in the case history)")

    sp = sub.add_parser(
        "link",
        help="open the linked or parallel case a case's workflow allows (as a user)",
        description="Open a child case in a process the parent's workflow spawns, e.g. the "
        "parallel 一函两书 supervision case of a wage-arrears case.",
    )
    sp.add_argument("case_ref", help="the parent case reference, e.g. WAG-2026-000001")
    sp.add_argument("--workflow", required=True, choices=workflows.names())
    sp.add_argument("--summary", help="案情摘要 (default: the parent's)")
    sp.add_argument(
        "--org", type=_code("--org", MAX_ORG_CODE), help="the unit to hold it (default: parent's)"
    )
    sp.add_argument(
        "--as", dest="as_user", required=True, metavar="USERNAME", help="the user acting"
    )
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=acts.cmd_link)

    sp = sub.add_parser("document", help="documents issued on cases")
    docs = sp.add_subparsers(dest="document_command", required=True)
    dr = docs.add_parser(
        "render",
        help="write a document as PDF or DOCX (GB/T 9704 layout)",
        description="Render the document numbered NUMBER (its 发文字号, e.g. 天工提〔2026〕1号) "
        "of case REF to a file, as the download of the API gives it.",
    )
    dr.add_argument("case_ref", metavar="REF", help="the case reference, e.g. SUP-2026-000001")
    dr.add_argument("number", metavar="NUMBER", help="the 发文字号, e.g. 天工提〔2026〕1号")
    dr.add_argument("--format", dest="fmt", required=True, choices=["pdf", "docx"])
    dr.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it")
    dr.set_defaults(func=commands.cmd_document_render)

    sp = sub.add_parser("tip-letter", help="area-wide 提示函 (one letter to many employers)")
    tips = sp.add_subparsers(dest="tip_letter_command", required=True)
    tr = tips.add_parser(
        "render",
        help="write an area-wide 提示函 as PDF or DOCX (GB/T 9704 layout)",
        description="Render the area-wide 提示函 with id ID to a file, as the API's download "
        "gives it (主送 各有关用人单位 and the recipient list as its 附件 when there are many).",
    )
    tr.add_argument("letter_id", metavar="ID", type=int, help="the letter's id")
    tr.add_argument("--format", dest="fmt", required=True, choices=["pdf", "docx"])
    tr.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it")
    tr.set_defaults(func=commands.cmd_tip_letter_render)

    sp = sub.add_parser("explain", help="every clock of a case, with the arithmetic")
    sp.add_argument("case_ref")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=commands.cmd_explain)

    warnings_cli.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (DomainError, SettingsError, commands.CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
