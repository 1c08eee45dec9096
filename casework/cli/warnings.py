"""``casework warnings``: the early warning from the command line — the nightly reconciliation
(the scheduler runs it at 02:30; run it by hand after an outage), one pass of the disposition
clocks, and the rules' settings (an administrator's, over the defaults and the rules file)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from casework.cli.commands import _parse_now, ready_runtime
from casework.core.errors import DomainError
from casework.core.vocab import WARNING_LEVELS
from casework.people.access import SYSTEM_ACTOR
from casework.warnings.rules import SPECS, level_label
from casework.warnings.service import all_rules, reconcile, set_rule, sweep_warnings


def cmd_reconcile(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    now = _parse_now(args.now)
    report = reconcile(rt, now=now)
    rt.dispose()
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    print(
        f"reconciliation at {now.isoformat()}: {report.employers} employers checked, "
        f"{len(report.raised)} warnings raised that the incremental path missed"
    )
    for r in report.raised:
        print(f"  RAISED warning {r['warning_id']}: employer {r['employer_id']} {r['rule']}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    report = sweep_warnings(rt, now=_parse_now(args.now))
    rt.dispose()
    print(f"warnings sweep: {report.escalated} escalated, {report.skipped} skipped")
    return 0


def _print_rule(cfg: Any) -> None:
    state = "on " if cfg.enabled else "off"
    params = ", ".join(f"{k}={v}" for k, v in cfg.params.items()) or "-"
    print(
        f"{cfg.code:<24} {state} {cfg.level:<6} {level_label(cfg.level)}  {params}  "
        f"{SPECS[cfg.code].label_zh}"
    )


def cmd_rules(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    with rt.reader() as uow:
        rules = all_rules(uow.session, rt.settings.warning_rules_file)
    rt.dispose()
    for cfg in rules:
        _print_rule(cfg)
    return 0


def _param(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise SystemExit(f"error: --param takes NAME=VALUE (got {text!r})")
    return name, int(value) if value.isdigit() else value


def cmd_rule(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    enabled = True if args.enable else (False if args.disable else None)
    try:
        cfg = set_rule(
            rt.uow(),
            actor=SYSTEM_ACTOR,
            code=args.code,
            enabled=enabled,
            level=args.level,
            params=dict(_param(p) for p in args.param or ()),
        )
    except DomainError as exc:
        print(f"error: {exc.message_zh} ({exc.message_en})", file=sys.stderr)
        return 2
    finally:
        rt.dispose()
    _print_rule(cfg)
    return 0


def add_parser(sub: Any) -> None:
    sp = sub.add_parser("warnings", help="labour-relations early warning (劳动关系预警)")
    ws = sp.add_subparsers(dest="warnings_command", required=True)
    wr = ws.add_parser(
        "reconcile", help="evaluate every rule over recent data (the nightly reconciliation)"
    )
    wr.add_argument("--now", help="act as if it were this time (ISO 8601; default now)")
    wr.add_argument("--json", action="store_true")
    wr.set_defaults(func=cmd_reconcile)
    wsw = ws.add_parser("sweep", help="escalate warnings past their disposition clock")
    wsw.add_argument("--now", help="act as if it were this time (ISO 8601; default now)")
    wsw.set_defaults(func=cmd_sweep)
    wl = ws.add_parser("rules", help="the rules in force: on/off, level, thresholds")
    wl.set_defaults(func=cmd_rules)
    wc = ws.add_parser("rule", help="change one rule (over the defaults and the rules file)")
    wc.add_argument("code", choices=list(SPECS))
    on = wc.add_mutually_exclusive_group()
    on.add_argument("--enable", action="store_true")
    on.add_argument("--disable", action="store_true")
    wc.add_argument("--level", choices=list(WARNING_LEVELS))
    wc.add_argument("--param", action="append", help="NAME=VALUE, e.g. calls=5 (repeatable)")
    wc.set_defaults(func=cmd_rule)
