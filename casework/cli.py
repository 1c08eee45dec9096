"""The ``casework`` command line. Uses the same services as the API; imports no Flask."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

import workflows

log = logging.getLogger("casework.cli")


def _runtime():
    from casework.runtime import build_runtime

    return build_runtime()


def cmd_init(args: argparse.Namespace) -> int:
    from casework.migrate import current_revision, upgrade

    rt = _runtime()
    before = current_revision(rt.engine)
    upgrade(rt.engine)
    after = current_revision(rt.engine)
    url = rt.engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"schema is up to date at revision {after} ({url})")
    else:
        print(f"schema upgraded {before or 'empty'} -> {after} ({url})")
    rt.dispose()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from casework.demo import DEFAULT_PASSWORD, load_demo

    rt = _runtime()
    if args.if_empty and not _database_is_empty(rt):
        print("database already has org units: demo data not loaded (--if-empty)")
        rt.dispose()
        return 0
    result = load_demo(rt.uow(), password=args.password)
    if result.changed:
        print(f"demo data loaded: {len(result.created)} rows created")
        for item in result.created:
            print(f"  + {item}")
        if args.password == DEFAULT_PASSWORD:
            print(
                f"WARNING: demo users have the password '{DEFAULT_PASSWORD}'. "
                "This is for demonstrations only: never use the demo data in production.",
                file=sys.stderr,
            )
    else:
        print("demo data already present: nothing to do")
    rt.dispose()
    return 0


def _database_is_empty(rt) -> bool:
    from sqlalchemy import select

    from casework.models import OrgUnit

    with rt.reader() as uow:
        return uow.session.scalars(select(OrgUnit.id).limit(1)).first() is None


def cmd_workflows(args: argparse.Namespace) -> int:
    defs = [wf.to_dict() for wf in workflows.REGISTRY.values()]
    if args.json:
        json.dump(defs, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    for d in defs:
        print(f"{d['name']} — {d['label_zh']} ({d['label_en']}), prefix {d['prefix']}, "
              f"competence {d['competence']}")
        for s in d["states"]:
            print(f"  state {s['name']:<26} {s['label_zh']}{'  [terminal]' if s['terminal'] else ''}")
        for t in d["transitions"]:
            lvl = f" min_level={t['min_level']}" if t["min_level"] else ""
            guards = f" guards={','.join(g['name'] for g in t['guards'])}" if t["guards"] else ""
            print(f"  {t['trigger']:<28} {'|'.join(t['source'])} -> {t['dest']}  "
                  f"{t['label_zh']}  roles={','.join(t['roles'])}{lvl}{guards}")
        for r in d["deadlines"]:
            print(f"  deadline {r['name']:<22} in {r['state']}: {r['days']} {r['unit']} days, "
                  f"{r['kind']}, on expiry {r['on_expiry']} — {r['citation']}")
        print()
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    try:
        wf = workflows.get(args.name)
    except KeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(wf.mermaid())
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from casework.history import verify_all

    rt = _runtime()
    with rt.uow() as uow:
        checked, problems = verify_all(uow.session, args.case_ref)
    rt.dispose()
    if args.case_ref and checked == 0:
        print(f"error: no case {args.case_ref}", file=sys.stderr)
        return 2
    if problems:
        for p in problems:
            print(f"BROKEN {p}")
        print(f"{len(problems)} of {checked} case histories fail verification", file=sys.stderr)
        return 1
    print(f"OK: {checked} case histories verified")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="casework", description="Worker-rights case engine.")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("init", help="create or upgrade the database schema (Alembic)")
    sp.set_defaults(func=cmd_init)

    sp = sub.add_parser("demo", help="load the demo org tree, employers and users (idempotent)")
    sp.add_argument("--password", default="casework-demo", help="password of the demo users")
    sp.add_argument(
        "--if-empty", action="store_true", help="only load when the database has no org units"
    )
    sp.set_defaults(func=cmd_demo)

    sp = sub.add_parser("workflows", help="print the workflow definitions")
    sp.add_argument("--json", action="store_true", help="machine-readable JSON")
    sp.set_defaults(func=cmd_workflows)

    sp = sub.add_parser("diagram", help="print a workflow as Mermaid stateDiagram-v2 text")
    sp.add_argument("name", help=f"one of: {', '.join(workflows.names())}")
    sp.set_defaults(func=cmd_diagram)

    sp = sub.add_parser("audit", help="audit the case histories")
    audit = sp.add_subparsers(dest="audit_command", required=True)
    av = audit.add_parser("verify", help="recompute the hash chains")
    av.add_argument("case_ref", nargs="?", help="one case reference, e.g. MED-2026-000123")
    av.set_defaults(func=cmd_audit_verify)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = build_parser().parse_args(argv)
    from casework.errors import DomainError
    from casework.settings import SettingsError

    try:
        return int(args.func(args) or 0)
    except (DomainError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
