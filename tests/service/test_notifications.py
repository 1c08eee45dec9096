"""Due-soon reminders, and webhook delivery through the outbox to a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from zoneinfo import ZoneInfo

from sqlalchemy import select

from casework.cases.service import open_case
from casework.escalation.sweep import overdue_unhandled, sweep
from casework.models import Notification, OutboxMessage
from casework.notices import outbox
from casework.runtime import Runtime

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def test_one_due_soon_reminder_per_clock(rt, demo):
    case = open_case(
        rt.uow(),
        actor=demo.actor("caseworker.shipai"),
        workflow="wage_arrears",
        employer_id=demo.employer("建筑").id,
        now=at(2025, 3, 3),
    )  # verification: 3 working days -> Thu 6 Mar
    assert sweep(rt, now=at(2025, 3, 4, 8)).reminders == 0
    assert sweep(rt, now=at(2025, 3, 5, 8)).reminders == 1  # one working day before the due day
    assert sweep(rt, now=at(2025, 3, 5, 18)).reminders == 0
    with rt.reader() as uow:
        notes = list(
            uow.session.scalars(
                select(Notification).where(
                    Notification.case_id == case.id, Notification.kind == "due_soon"
                )
            )
        )
    assert (
        len(notes) == 1
        and notes[0].org_unit_id == demo.unit("TH-SP").id
        and "2025-03-06" in notes[0].title
    )


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    fail_first = 0

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Receiver.fail_first > 0:
            _Receiver.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        _Receiver.received.append((self.headers["X-Casework-Event-Id"], body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_escalations_reach_the_webhook_after_commit_with_retries(rt, demo):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received, _Receiver.fail_first = [], 1
    hooked = Runtime(
        settings=rt.settings.with_overrides(
            webhook_url=f"http://127.0.0.1:{server.server_port}/hook"
        ),
        engine=rt.engine,
        session_factory=rt.session_factory,
        read_session_factory=rt.read_session_factory,
        vault=rt.vault,
        history_keys=rt.history_keys,
    )
    try:
        case = open_case(
            hooked.uow(),
            actor=demo.actor("hotline"),
            workflow="hotline",
            employer_id=demo.employer("科技").id,
            now=at(2025, 3, 3),
        )
        sweep(hooked, now=at(2025, 3, 5))
        t = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        first = outbox.deliver(hooked, now=t)
        assert first == {"delivered": 0, "failed": 1} and _Receiver.received == []
        assert outbox.deliver(hooked, now=t) == {"delivered": 0, "failed": 0}  # backing off
        again = outbox.deliver(hooked, now=t + dt.timedelta(seconds=6))
        assert again == {"delivered": 1, "failed": 0}
        [(event_id, body)] = _Receiver.received
        assert body["event_id"] == event_id and body["topic"] == "case.escalated"
        assert (body["case_ref"], body["from_unit"], body["to_unit"]) == (
            case.ref,
            "TH-SP-ACME",
            "TH-SP",
        )
        assert outbox.deliver(hooked, now=t + dt.timedelta(hours=2)) == {
            "delivered": 0,
            "failed": 0,
        }  # never twice
        with rt.reader() as uow:
            msg = uow.session.scalars(select(OutboxMessage)).one()
        assert msg.attempts == 2 and msg.delivered_at is not None
    finally:
        server.shutdown()


def test_the_auditor_counts_clocks_left_overdue_past_the_grace(rt, demo):

    open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow="hotline",
        employer_id=demo.employer("科技").id,
        now=at(2025, 3, 3),
    )  # due end of 4 Mar
    grace = dt.timedelta(seconds=60)
    assert overdue_unhandled(rt, at(2025, 3, 4, 23), grace) == 0
    assert overdue_unhandled(rt, at(2025, 3, 5, 1), grace) == 1  # nobody swept it
    sweep(rt, now=at(2025, 3, 5, 1))
    assert overdue_unhandled(rt, at(2025, 3, 5, 2), grace) == 0


class _SlowReceiver(BaseHTTPRequestHandler):
    delay = 1.5

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(_SlowReceiver.delay)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_slow_receivers_never_hold_up_a_writer(rt, demo):
    """The reproduction (hardening, item 8): webhooks were POSTed inside a write transaction, so
    on SQLite three slow receivers made an unrelated write wait 5.5 s. Now delivery claims and
    commits, sends with no transaction open, then records: a write during the sends is prompt."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hooked = Runtime(
        settings=rt.settings.with_overrides(
            webhook_url=f"http://127.0.0.1:{server.server_port}/hook"
        ),
        engine=rt.engine,
        session_factory=rt.session_factory,
        read_session_factory=rt.read_session_factory,
        vault=rt.vault,
        history_keys=rt.history_keys,
    )
    try:
        with hooked.uow() as uow:
            for i in range(3):
                outbox.enqueue_webhook(uow.session, hooked.settings, "test.slow", {"n": i})
            uow.commit()
        sending = threading.Thread(target=outbox.deliver, args=(hooked,))
        sending.start()
        time.sleep(0.5)  # the sends are under way
        started = time.monotonic()
        case = open_case(
            rt.uow(),
            actor=demo.actor("caseworker.shipai"),
            workflow="wage_arrears",
            employer_id=demo.employer("建筑").id,
        )
        waited = time.monotonic() - started
        sending.join(timeout=30)
        assert case.id and waited < 1.0, f"an unrelated write waited {waited:.1f} s"
        with rt.reader() as uow:
            delivered = uow.session.scalars(select(OutboxMessage.delivered_at)).all()
        assert len(delivered) == 3 and all(d is not None for d in delivered)
    finally:
        server.shutdown()
