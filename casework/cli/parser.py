"""The ``casework`` argument parser and entry point."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import workflows
from casework.cli import commands
from casework.cli.serve import cmd_serve
from casework.core.errors import DomainError
from casework.core.settings import SettingsError


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

    sp = sub.add_parser("workflows", help="print the workflow definitions")
    sp.add_argument("--json", action="store_true", help="machine-readable JSON")
    sp.add_argument("--markdown", action="store_true", help="the reference page docs/workflows.md")
    sp.set_defaults(func=commands.cmd_workflows)

    sp = sub.add_parser("diagram", help="print a workflow as Mermaid stateDiagram-v2 text")
    sp.add_argument("name", help=f"one of: {', '.join(workflows.names())}")
    sp.set_defaults(func=commands.cmd_diagram)

    sp = sub.add_parser("audit", help="audit the case histories")
    audit = sp.add_subparsers(dest="audit_command", required=True)
    av = audit.add_parser("verify", help="recompute the hash chains")
    av.add_argument("case_ref", nargs="?", help="one case reference, e.g. MED-2026-000123")
    av.set_defaults(func=commands.cmd_audit_verify)

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

    sp = sub.add_parser("explain", help="every clock of a case, with the arithmetic")
    sp.add_argument("case_ref")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=commands.cmd_explain)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (DomainError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
