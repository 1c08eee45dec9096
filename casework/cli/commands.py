"""One function per ``casework`` command. Each builds the runtime, calls the same services and
queries as the API, prints, and returns the exit code."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from sqlalchemy import select

import workflows
from casework.cases.queries import case_by_ref
from casework.cli.reference import workflows_markdown
from casework.clocks import calendar as cal
from casework.clocks.queries import all_clocks, clock_view
from casework.core.health import check_database
from casework.core.migrate import current_revision, has_column, upgrade
from casework.core.settings import Settings, load_settings
from casework.core.time import SHANGHAI
from casework.demo import DEFAULT_PASSWORD, DEMO_JURISDICTION, load_demo
from casework.documents.queries import document_file_by_number, verify_documents
from casework.documents.tip_letter_queries import tip_letter_file, verify_tip_letters
from casework.documents.tip_letters import tell_unanswered
from casework.escalation.sweep import sweep
from casework.history import rekey_all, unkeyed_cases, verify_all, verify_employers
from casework.models import OrgUnit
from casework.people.access import SYSTEM_ACTOR
from casework.referrals.sweep import chase_overdue
from casework.runtime import Runtime, build_runtime
from casework.scheduler import run_forever

log = logging.getLogger("casework.cli")


class CommandError(RuntimeError):
    """A command refuses its input: ``main`` prints the message on one line and exits 2."""


def _runtime(settings: Settings | None = None) -> Runtime:
    return build_runtime(settings)


def ready_runtime() -> Runtime:
    """The runtime of a command that writes people or units: the schema must be there first."""
    rt = _runtime()
    ok, detail = check_database(rt.engine)
    if not ok:
        rt.dispose()
        raise CommandError(f"the database is not ready ({detail}): run `casework init` first")
    return rt


def cmd_init(args: argparse.Namespace) -> int:
    rt = _runtime()
    before = current_revision(rt.engine)
    # The upgrade that adds case_events.key_id leaves the chains written before keys unkeyed:
    # re-sign them right after it, each once it has verified. (Later, an unkeyed chain is no
    # longer a leftover of the upgrade: `casework audit rekey --legacy` after a look at it.)
    rekey_legacy = not has_column(rt.engine, "case_events", "key_id")
    upgrade(rt.engine)
    after = current_revision(rt.engine)
    with rt.uow() as uow:
        added = cal.seed_from_package(uow.session)
        uow.commit()
    if added:
        print(f"calendar: {added} official holidays, make-up working days and years seeded")
    url = rt.engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"schema is up to date at revision {after} ({url})")
    else:
        print(f"schema upgraded {before or 'empty'} -> {after} ({url})")
    if rekey_legacy:
        report = rekey_all(rt.uow, legacy=True)
        if report.rekeyed or report.refused:
            print(
                f"history: re-keyed {report.rekeyed} legacy case histories with key {report.key_id}"
            )
        for p in report.refused:
            print(f"REFUSED {p} (left unkeyed: see casework audit verify)", file=sys.stderr)
    rt.dispose()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.env == "production":
        raise CommandError(
            "casework demo refuses to run with CASEWORK_ENV=production: the demo users share a "
            "published password. Create users with `casework user create` instead."
        )
    rt = _runtime(settings)
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
    if settings.jurisdiction != DEMO_JURISDICTION:
        print(
            f"NOTE: the demo org tree is in {DEMO_JURISDICTION}; set "
            f"CASEWORK_JURISDICTION={DEMO_JURISDICTION} (make run does) so that its documents and "
            f"clocks cite that province's rules (now: {settings.jurisdiction})",
            file=sys.stderr,
        )
    rt.dispose()
    return 0


def _database_is_empty(rt: Runtime) -> bool:
    with rt.reader() as uow:
        return uow.session.scalars(select(OrgUnit.id).limit(1)).first() is None


# -- org units and users (what a fresh production database needs first) -----------------------


def cmd_workflows(args: argparse.Namespace) -> int:
    defs = [wf.to_dict() for wf in workflows.REGISTRY.values()]
    if args.json:
        json.dump(defs, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if args.markdown:
        sys.stdout.write(workflows_markdown())
        return 0
    for d in defs:
        print(
            f"{d['name']} — {d['label_zh']} ({d['label_en']}), prefix {d['prefix']}, "
            f"competence {d['competence']}"
        )
        for s in d["states"]:
            print(
                f"  state {s['name']:<26} {s['label_zh']}{'  [terminal]' if s['terminal'] else ''}"
            )
        for t in d["transitions"]:
            lvl = f" min_level={t['min_level']}" if t["min_level"] else ""
            guards = f" guards={','.join(g['name'] for g in t['guards'])}" if t["guards"] else ""
            print(
                f"  {t['trigger']:<28} {'|'.join(t['source'])} -> {t['dest']}  "
                f"{t['label_zh']}  roles={','.join(t['roles'])}{lvl}{guards}"
            )
        for r in d["deadlines"]:
            print(
                f"  deadline {r['name']:<22} in {r['state']}: {r['days']} {r['unit']} days, "
                f"{r['kind']}, on expiry {r['on_expiry']} — {r['citation']}"
            )
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


UNKEYED_HINT = (
    "written before history keys (plain SHA-256), so anyone with write access to the database "
    "could have re-hashed it; re-key it with casework audit rekey --legacy"
)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    rt = _runtime()
    with rt.reader() as uow:
        checked, problems = verify_all(uow, args.case_ref)
        broken = {p.case_ref for p in problems}
        unkeyed = [ref for ref in unkeyed_cases(uow, args.case_ref) if ref not in broken]
        # The employers' own histories (early warnings and their dispositions), unless one case
        # was asked for.
        employers, employer_problems = (0, []) if args.case_ref else verify_employers(uow)
    documents, altered = verify_documents(rt.reader(), args.case_ref)
    if args.case_ref is None:  # the area-wide 提示函 belong to no case
        letters, letters_altered = verify_tip_letters(rt.reader())
        documents += letters
        altered += letters_altered
    rt.dispose()
    if args.case_ref and checked == 0:
        print(f"error: no case {args.case_ref}", file=sys.stderr)
        return 2
    for p in (*problems, *employer_problems):
        print(f"BROKEN {p}")
    for line in altered:
        print(f"ALTERED {line}")
    for ref in unkeyed:
        print(f"UNKEYED {ref}: intact, but {UNKEYED_HINT}")
    if employer_problems:
        print(
            f"{len(employer_problems)} of {employers} employer histories fail verification",
            file=sys.stderr,
        )
    if problems:
        print(f"{len(problems)} of {checked} case histories fail verification", file=sys.stderr)
        return 1
    if altered:
        print(
            f"{len(altered)} of {documents} issued documents differ from what was issued",
            file=sys.stderr,
        )
        return 1
    if employer_problems:
        return 1
    if unkeyed and args.strict:
        print(f"{len(unkeyed)} of {checked} case histories are unkeyed (--strict)", file=sys.stderr)
        return 1
    note = f" ({len(unkeyed)} unkeyed)" if unkeyed else ""
    print(f"OK: {checked} case histories verified{note}, {documents} issued documents intact")
    if employers:
        print(f"OK: {employers} employer histories verified")
    return 0


def cmd_audit_rekey(args: argparse.Namespace) -> int:
    if args.batch < 1:
        print("error: --batch must be at least 1", file=sys.stderr)
        return 2
    rt = _runtime()
    report = rekey_all(rt.uow, legacy=args.legacy, batch=args.batch)
    rt.dispose()
    for p in report.refused:
        print(f"REFUSED {p} (not re-keyed: the chain does not verify)")
    for ref in report.unkeyed:
        print(f"UNKEYED {ref}: not re-keyed: {UNKEYED_HINT}")
    print(f"re-keyed {report.rekeyed} case histories with key {report.key_id}")
    if report.employers_rekeyed:
        print(f"re-keyed {report.employers_rekeyed} employer histories with key {report.key_id}")
    return 1 if report.refused or report.unkeyed else 0


def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.UTC)
    try:
        now = dt.datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(
            f"error: --now must be ISO 8601, e.g. 2026-03-01T09:00:00+08:00 (got {value!r})"
        ) from None
    if now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)
    return now.astimezone(dt.UTC)


def cmd_sweep(args: argparse.Namespace) -> int:
    rt = _runtime()
    now = _parse_now(args.now)
    report = sweep(rt, now=now, dry_run=args.dry_run, batch=args.batch)
    # After the clock sweep: referrals whose agency let its clock run out are chased (督办).
    chased = None if args.dry_run else chase_overdue(rt, now=report.now, batch=args.batch)
    # And area-wide 提示函 past their reply date: their issuers are told who did not answer.
    letters = None if args.dry_run else tell_unanswered(rt, now=report.now, batch=args.batch)
    rt.dispose()
    if args.json:
        out = report.as_dict()
        if chased is not None:
            out["referrals"] = chased.as_dict()
        if letters is not None:
            out["tip_letters"] = letters.as_dict()
        json.dump(out, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if args.dry_run:
        print(
            f"dry run at {report.now.isoformat()}: {len(report.planned)} clocks due, "
            "nothing changed"
        )
        for p in report.planned:
            print(
                f"  {p['case']:<18} {p['rule']:<24} due {p['due']}  -> {p['action']}  "
                f"({p['citation']})"
            )
        return 0
    print(
        f"sweep at {report.now.isoformat()}: {report.expired} expired "
        f"({report.escalated} escalated, {report.at_ceiling} at ceiling, {report.fired} fired, "
        f"{report.notified} notifications), {report.reminders} reminders, "
        f"{report.skipped} skipped, "
        f"{report.failed} failed"
    )
    assert chased is not None and letters is not None
    print(
        f"referrals: {chased.chased} overdue chased (督办), {chased.notified} notifications, "
        f"{chased.skipped} batches left to another sweeper"
    )
    print(
        f"tip letters: {letters.checked} past their reply date, {letters.told} with recipients "
        f"that did not answer, {letters.notifications} notifications"
    )
    return 1 if report.failed else 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    logging.getLogger("casework").setLevel(logging.INFO)
    rt = _runtime()
    run_forever(rt)
    rt.dispose()
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    rt = _runtime()
    try:
        if args.calendar_command == "set":
            day = cal.parse_day(args.date)
            with rt.uow() as uow:
                cal.set_day(uow.session, day, is_workday=args.workday, name=args.name)
                uow.commit()
            print(
                f"{day.isoformat()} is now a {'working day' if args.workday else 'holiday'} "
                f"({args.name or ''})"
            )
        elif args.calendar_command == "unset":
            day = cal.parse_day(args.date)
            with rt.uow() as uow:
                official = cal.unset_day(uow.session, day)
                uow.commit()
                fallback = (
                    f"the published schedule again: "
                    f"{'working day' if official.is_workday else 'holiday'} ({official.name})"
                    if official is not None
                    else "Monday-Friday again"
                )
            print(f"{day.isoformat()}: administrator's entry removed; {fallback}")
        elif args.calendar_command == "import":
            content = Path(args.file).read_text(encoding="utf-8")
            rows = cal.parse_schedule(content, args.file)
            with rt.uow() as uow:
                years = cal.import_schedule(uow.session, rows)
                uow.commit()
            print(f"imported {len(rows)} days; years now verified: {', '.join(map(str, years))}")
        else:
            with rt.reader() as uow:
                listing = cal.year_listing(uow.session, args.year)
            if args.json:
                json.dump(listing, sys.stdout, ensure_ascii=False, indent=2)
                sys.stdout.write("\n")
            else:
                flag = (
                    "verified"
                    if listing["calendar_verified"]
                    else "NOT verified (Mon-Fri fallback)"
                )
                print(f"{args.year}: {listing['working_days']} working days, {flag}")
                for d in listing["days"]:
                    kind = "上班" if d["is_workday"] else "休息"
                    print(
                        f"  {d['date']} 周{'一二三四五六日'[d['weekday'] - 1]} {kind} "
                        f"{d['name']} [{d['source']}]"
                    )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        rt.dispose()
    return 0


def cmd_deadline(args: argparse.Namespace) -> int:
    try:
        start = dt.date.fromisoformat(args.start)
    except ValueError:
        print("error: --start must be YYYY-MM-DD", file=sys.stderr)
        return 2
    if args.days < 0 or args.days > 3650:
        print("error: --days must be between 0 and 3650", file=sys.stderr)
        return 2
    rt = _runtime()
    try:
        with rt.reader() as uow:
            due = cal.load_calendar(uow.session).due(start, args.days, args.unit)
    finally:
        rt.dispose()
    if args.json:
        json.dump(due.as_dict(), sys.stdout)
        sys.stdout.write("\n")
    else:
        unit = "working days" if args.unit == "working" else "calendar days"
        note = "" if due.calendar_verified else "  (calendar NOT verified: Mon-Fri assumed)"
        print(f"{args.days} {unit} after {start.isoformat()}: due {due.due.isoformat()}{note}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    rt = _runtime()
    with rt.reader() as uow:
        case = case_by_ref(uow.session, args.case_ref)
        calendar = cal.load_calendar(uow.session)
        clocks = [clock_view(case, d) for d in all_clocks(uow.session, case.id)]
        for c in clocks:
            if c["paused"]:
                # What is left is counted to the end as counted, not to the moved due date.
                since, end = (dt.date.fromisoformat(c[k]) for k in ("paused_since", "period_end"))
                c["days_left"] = calendar.elapsed(since, end, c["unit"])
        wf = workflows.get(case.workflow)
        header = (
            f"{case.ref} {wf.label_zh} state={case.state} ({wf.state(case.state).label_zh}) "
            f"owner={case.org_unit.code} {case.org_unit.name} "
            f"escalation_level={case.escalation_level}"
        )
    rt.dispose()
    if args.json:
        json.dump(
            {"case": args.case_ref, "clocks": clocks}, sys.stdout, ensure_ascii=False, indent=2
        )
        sys.stdout.write("\n")
        return 0
    print(header)
    if not clocks:
        print("  no clocks")
    for c in clocks:
        unit = "working days" if c["unit"] == "working" else "calendar days"
        moved = " (not a working day)" if c["period_end"] != c["due"] else ""
        print(f"  [{c['status']}] {c['rule']} {c['label_zh']} — {c['citation']}")
        print(
            f"      {c['days']} {unit} from {c['started_on']} (start day not counted)"
            f" + {c['paused_days']} days paused + {c['extended_days']} days extended:"
            f" counted to {c['period_end']}{moved}"
            f" -> due {c['due']} (expires end of day, Asia/Shanghai)"
            f"{'' if c['calendar_verified'] else '  calendar NOT verified'}; "
            f"on expiry: {c['on_expiry']}"
        )
        if c["paused"]:
            print(
                f"      paused since {c['paused_since']}: {c['pause_reason']}; "
                f"{c['days_left']} {unit} left after {c['paused_since']}, counted again from "
                "the day it resumes"
            )
        if c["extension_basis"]:
            who = f", approved by {c['extension_approver']}" if c["extension_approver"] else ""
            note = f": {c['extension_note']}" if c["extension_note"] else ""
            print(
                f"      extended on the basis {c['extension_basis_label_zh']} "
                f"({c['extension_basis']}){who}{note}"
            )
    return 0


def cmd_document_render(args: argparse.Namespace) -> int:
    """Write one issued document of a case as PDF or DOCX."""
    rt = _runtime()
    try:
        name, _media_type, data = document_file_by_number(
            rt.reader(), case_ref=args.case_ref, number=args.number, fmt=args.fmt
        )
    finally:
        rt.dispose()
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"{args.case_ref} {args.number}: wrote {len(data)} bytes of {args.fmt} to {args.output}")
    return 0


def cmd_tip_letter_render(args: argparse.Namespace) -> int:
    """Write one area-wide 提示函 as PDF or DOCX."""
    rt = _runtime()
    try:
        name, _media_type, data = tip_letter_file(
            rt.reader(), actor=SYSTEM_ACTOR, letter_id=args.letter_id, fmt=args.fmt
        )
    finally:
        rt.dispose()
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"{name.rsplit('.', 1)[0]}: wrote {len(data)} bytes of {args.fmt} to {args.output}")
    return 0
