"""``casework clock`` and ``casework link``: a user's lawful acts on a case from the command line.

Each acts as a named user (``--as USERNAME``), with that user's permissions, through the same
services as the API; the case history records that user. A case is named by its reference
(``WAG-2026-000001``). Refusals (the law allows no pause, a cap reached, not permitted) print
``error: ...`` with the reason and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from casework.cases.queries import case_by_ref
from casework.cases.service import link
from casework.cli.commands import ready_runtime
from casework.clocks.queries import all_clocks, clock_view
from casework.clocks.service import extend_clock, pause_clock, resume_clock
from casework.people.access import Actor, load_actor
from casework.people.queries import unit_by_code
from casework.runtime import Runtime


def _who_and_case(rt: Runtime, username: str, ref: str) -> tuple[Actor, int]:
    with rt.reader() as uow:
        return load_actor(uow.session, username), case_by_ref(uow.session, ref).id


def _clock(rt: Runtime, ref: str, rule: str) -> dict[str, Any]:
    """The case's latest clock of ``rule`` as the API shows it."""
    with rt.reader() as uow:
        case = case_by_ref(uow.session, ref)
        views = [clock_view(case, d) for d in all_clocks(uow.session, case.id) if d.rule == rule]
    return views[-1]


def _print_clock(ref: str, c: dict[str, Any], what: str, as_json: bool) -> None:
    if as_json:
        json.dump({"case": ref, "clock": c}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    unit = "working days" if c["unit"] == "working" else "calendar days"
    print(
        f"{ref} {c['rule']} ({c['label_zh']}): {what}; {c['status']}, "
        f"{c['days']} {unit} + {c['paused_days']} days paused + {c['extended_days']} days "
        f"extended, counted to {c['period_end']}, due {c['due']}"
    )


def cmd_clock(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    try:
        actor, case_id = _who_and_case(rt, args.as_user, args.case_ref)
        if args.clock_command == "extend":
            extend_clock(
                rt.uow(),
                case_id=case_id,
                rule=args.rule,
                days=args.days,
                basis=args.basis,
                approver=args.approver,
                note=args.note,
                actor=actor,
            )
            c = _clock(rt, args.case_ref, args.rule)
            who = f", approved by {c['extension_approver']}" if c["extension_approver"] else ""
            what = f"extended by {args.days} days ({c['extension_basis_label_zh']}{who})"
        elif args.clock_command == "pause":
            pause_clock(rt.uow(), case_id=case_id, rule=args.rule, reason=args.reason, actor=actor)
            c = _clock(rt, args.case_ref, args.rule)
            what = f"paused: {args.reason}"
        else:
            resume_clock(rt.uow(), case_id=case_id, rule=args.rule, reason=args.reason, actor=actor)
            c = _clock(rt, args.case_ref, args.rule)
            what = f"resumed: {args.reason}"
        _print_clock(args.case_ref, c, what, args.json)
    finally:
        rt.dispose()
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    try:
        actor, case_id = _who_and_case(rt, args.as_user, args.case_ref)
        unit_id = None
        if args.org:
            with rt.reader() as uow:
                unit_id = unit_by_code(uow.session, args.org).id
        child = link(
            rt.uow(),
            parent_id=case_id,
            actor=actor,
            workflow=args.workflow,
            summary=args.summary or "",
            org_unit_id=unit_id,
        )
        with rt.reader() as uow:
            opened = case_by_ref(uow.session, child.ref)
            out = {
                "case": opened.ref,
                "id": opened.id,
                "workflow": opened.workflow,
                "state": opened.state,
                "org_unit": opened.org_unit.code,
                "parent": args.case_ref,
            }
    finally:
        rt.dispose()
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(
            f"{out['case']} ({out['workflow']}, {out['state']}) opened at {out['org_unit']}, "
            f"linked to {out['parent']}"
        )
    return 0
