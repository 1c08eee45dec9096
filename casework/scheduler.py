"""The scheduler process (``casework scheduler``): APScheduler 3 BlockingScheduler running the
sweep (with the early warnings' disposition clocks), outbox delivery, an auditor of overdue
clocks and, nightly at 02:30 Asia/Shanghai, the early-warning reconciliation.
gunicorn workers never start one.

Running two by mistake is safe: the sweep and the outbox claim rows so each clock is acted on,
and each message sent, by one process only.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler

from casework.documents.tip_letters import tell_unanswered
from casework.escalation.sweep import overdue_unhandled, sweep
from casework.notices import outbox
from casework.referrals.sweep import chase_overdue
from casework.runtime import Runtime
from casework.warnings.service import reconcile, sweep_warnings

log = logging.getLogger("casework.scheduler")


def run_sweep(rt: Runtime) -> None:
    report = sweep(rt)
    if report.expired or report.reminders or report.failed:
        log.info("sweep: %s", report.as_dict())
    # After the clocks: referrals whose agency let its clock run out are chased (督办).
    chased = chase_overdue(rt)
    if chased.chased or chased.skipped:
        log.info("referral sweep: %s", chased.as_dict())
    letters = tell_unanswered(rt)  # area-wide 提示函 past their reply date
    if letters.told:
        log.info("tip letters: %s", letters.as_dict())
    warned = sweep_warnings(rt)  # early warnings past their disposition clock
    if warned.escalated:
        log.info("sweep: warnings %s", warned.as_dict())


def run_reconcile(rt: Runtime) -> None:
    """Nightly: the early-warning rules over the day's data; anything raised here was missed by
    the incremental path (logged as a warning by the reconciliation itself)."""
    report = reconcile(rt)
    log.info(
        "warnings reconciliation: %d employers checked, %d raised",
        report.employers,
        len(report.raised),
    )


def run_outbox(rt: Runtime) -> None:
    result = outbox.deliver(rt)
    if result["delivered"] or result["failed"]:
        log.info("outbox: %s", result)


def run_auditor(rt: Runtime) -> None:
    grace = dt.timedelta(seconds=2 * rt.settings.sweep_interval_seconds)
    late = overdue_unhandled(rt, dt.datetime.now(dt.UTC), grace)
    if late:
        log.error(
            "auditor: %d clocks are overdue by more than two sweep intervals and not handled", late
        )


def build_scheduler(rt: Runtime) -> BlockingScheduler:
    sched = BlockingScheduler(
        timezone="Asia/Shanghai",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    now = dt.datetime.now(dt.UTC)
    sched.add_job(
        run_sweep,
        "interval",
        args=[rt],
        seconds=rt.settings.sweep_interval_seconds,
        id="sweep",
        next_run_time=now,
    )
    sched.add_job(
        run_outbox,
        "interval",
        args=[rt],
        seconds=rt.settings.outbox_interval_seconds,
        id="outbox",
        next_run_time=now,
    )
    sched.add_job(
        run_reconcile,
        "cron",
        args=[rt],
        hour=2,
        minute=30,
        id="warnings_reconcile",
        misfire_grace_time=3600,
    )
    sched.add_job(
        run_auditor,
        "interval",
        args=[rt],
        seconds=max(60, rt.settings.sweep_interval_seconds),
        id="auditor",
    )
    return sched


def run_forever(rt: Runtime) -> None:
    sched = build_scheduler(rt)

    def stop(signum, _frame):
        log.info("scheduler: signal %s, shutting down", signum)
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "scheduler: sweep every %ss, outbox every %ss",
        rt.settings.sweep_interval_seconds,
        rt.settings.outbox_interval_seconds,
    )
    sched.start()
