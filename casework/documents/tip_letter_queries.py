"""Reading area-wide 提示函: the list of the letters issued by units of the caller's subtree
(JSON pages or CSV), one letter with its recipients and where each reply stands, and the letter
as PDF or DOCX.

A recipient's reply is ``answered`` once recorded; until then ``awaiting``, or ``overdue`` from
the day after the reply date (a deadline runs to the end of its last day, Asia/Shanghai). Every
recipient of a letter shares its reply date, so the counts of a page of letters are one grouped
query."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from casework.core.errors import InvalidInput
from casework.core.queries import Page, page_of
from casework.core.time import iso, local_date
from casework.core.uow import UnitOfWork
from casework.core.vocab import DOCUMENT_FORMATS, TIP_REPLY_LABELS_ZH
from casework.documents import render as renderer
from casework.documents.tip_letters import letter_content, visible_letter
from casework.models import OrgUnit, TipLetter, TipLetterRecipient
from casework.people.access import Actor
from casework.people.queries import unit_ref, visible_unit

MAX_CSV_ROWS = 5000


def reply_state(status: str, reply_due: dt.date, today: dt.date) -> str:
    """answered, awaiting, or overdue (awaited past the reply date)."""
    if status == "answered":
        return "answered"
    return "overdue" if today > reply_due else "awaiting"


def _counts(total: int, answered: int, reply_due: dt.date, today: dt.date) -> dict[str, int]:
    waiting = total - answered
    overdue = waiting if today > reply_due else 0
    return {
        "recipients": total,
        "answered": answered,
        "awaiting": waiting - overdue,
        "overdue": overdue,
    }


def letter_view(letter: TipLetter, unit: OrgUnit, answered: int, today: dt.date) -> dict[str, Any]:
    return {
        "id": letter.id,
        "number": letter.number,
        "year": letter.year,
        "title": letter.title,
        "scope": letter.scope,
        "addressee": letter.addressee,
        "issuer": unit_ref(unit),
        "issuer_name": letter.issuer_name,
        "issued_at": iso(letter.issued_at),
        "issued_by": letter.issued_by,
        "reply_due": iso(letter.reply_due),
        "reply_period": letter.reply_period,
        "overdue": today > letter.reply_due and answered < letter.recipient_count,
        "counts": _counts(letter.recipient_count, answered, letter.reply_due, today),
    }


def recipient_view(r: TipLetterRecipient, reply_due: dt.date, today: dt.date) -> dict[str, Any]:
    state = reply_state(r.reply_status, reply_due, today)
    return {
        "employer_id": r.employer_id,
        "employer_name": r.employer_name,
        "reply_status": state,
        "reply_status_label_zh": TIP_REPLY_LABELS_ZH[state],
        "replied_on": iso(r.replied_on),
        "on_time": (r.replied_on <= reply_due) if r.replied_on else None,
        "reply_summary": r.reply_summary,
        "recorded_by": r.recorded_by,
        "recorded_at": iso(r.recorded_at),
    }


def _answered(session: Session, letter_ids: list[int]) -> dict[int, int]:
    if not letter_ids:
        return {}
    rows = session.execute(
        select(
            TipLetterRecipient.letter_id,
            func.sum(case((TipLetterRecipient.reply_status == "answered", 1), else_=0)),
        )
        .where(TipLetterRecipient.letter_id.in_(letter_ids))
        .group_by(TipLetterRecipient.letter_id)
    )
    return {letter_id: int(n or 0) for letter_id, n in rows}


def _filters(
    session: Session, actor: Actor, org_unit_id: int | None, year: int | None
) -> list[ColumnElement[bool]]:
    root = actor.org_path
    if org_unit_id is not None:
        root = visible_unit(session, actor, org_unit_id).path
    conds: list[ColumnElement[bool]] = []
    if not (actor.is_system and org_unit_id is None):
        conds.append(OrgUnit.path.startswith(root))
    if year is not None:
        conds.append(TipLetter.year == year)
    return conds


def _present(session: Session, today: dt.date):
    def present(rows: list[Any]) -> list[dict[str, Any]]:
        answered = _answered(session, [letter.id for letter, _u in rows])
        return [letter_view(lt, u, answered.get(lt.id, 0), today) for lt, u in rows]

    return present


def _rows():
    return (
        select(TipLetter, OrgUnit)
        .join(OrgUnit, OrgUnit.id == TipLetter.issuer_unit_id)
        .order_by(TipLetter.issued_at.desc(), TipLetter.id.desc())
    )


def tip_letters(
    uow: UnitOfWork,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    year: int | None = None,
    page: int = 1,
    per_page: int = 20,
    today: dt.date | None = None,
) -> Page:
    """The area-wide 提示函 issued by units of ``org_unit_id``'s subtree (default: the caller's),
    newest first, each with its reply counts."""
    today = today or local_date()
    with uow:
        s = uow.session
        conds = _filters(s, actor, org_unit_id, year)
        return page_of(
            s,
            _rows().where(*conds),
            select(func.count(TipLetter.id))
            .join(OrgUnit, OrgUnit.id == TipLetter.issuer_unit_id)
            .where(*conds),
            page,
            per_page,
            _present(s, today),
        )


def tip_letters_for_export(
    uow: UnitOfWork,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    year: int | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Every letter the list would show (at most MAX_CSV_ROWS), for the CSV."""
    today = today or local_date()
    with uow:
        s = uow.session
        conds = _filters(s, actor, org_unit_id, year)
        rows = s.execute(_rows().where(*conds).limit(MAX_CSV_ROWS)).all()
        return _present(s, today)(rows)


LIST_CSV_HEADERS = (
    "发文字号",
    "发文单位",
    "标题",
    "发送范围",
    "主送",
    "发文日期",
    "答复期限",
    "主送单位数",
    "已答复",
    "待答复",
    "逾期未答复",
)


def _cell(value: Any) -> Any:
    """Keep a spreadsheet from reading text as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def tip_letters_csv(items: list[dict[str, Any]]) -> str:
    """The list as CSV text with zh-CN headers (the caller adds the BOM: ``utf-8-sig``)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(LIST_CSV_HEADERS)
    for i in items:
        c = i["counts"]
        w.writerow(
            [
                _cell(v)
                for v in (
                    i["number"],
                    i["issuer_name"],
                    i["title"],
                    i["scope"],
                    i["addressee"],
                    i["issued_at"][:10] if i["issued_at"] else None,
                    i["reply_due"],
                    c["recipients"],
                    c["answered"],
                    c["awaiting"],
                    c["overdue"],
                )
            ]
        )
    return buf.getvalue()


def _recipients(session: Session, letter_id: int) -> list[TipLetterRecipient]:
    return list(
        session.scalars(
            select(TipLetterRecipient)
            .where(TipLetterRecipient.letter_id == letter_id)
            .order_by(TipLetterRecipient.id)  # the order of issue: by name, as printed
        )
    )


def tip_letter(
    uow: UnitOfWork, *, actor: Actor, letter_id: int, today: dt.date | None = None
) -> dict[str, Any]:
    """One letter the caller sees, with its text and every recipient's reply."""
    today = today or local_date()
    with uow:
        s = uow.session
        letter = visible_letter(s, actor, letter_id)
        recipients = _recipients(s, letter.id)
        answered = sum(1 for r in recipients if r.reply_status == "answered")
        return {
            **letter_view(letter, letter.issuer, answered, today),
            "body": letter.body,
            "citation": letter.citation,
            "content_hash": letter.content_hash,
            "recipients": [recipient_view(r, letter.reply_due, today) for r in recipients],
        }


def _format(fmt: str) -> str:
    if fmt not in DOCUMENT_FORMATS:
        known = ", ".join(DOCUMENT_FORMATS)
        raise InvalidInput("format", f"文件格式可选：{known}", f"one of {known}")
    return fmt


def _rendered(uow: UnitOfWork, letter: TipLetter, fmt: str) -> tuple[str, str, bytes]:
    names = [r.employer_name for r in _recipients(uow.session, letter.id)]
    content = letter_content(letter, letter.issuer.code, names)
    data = renderer.render(content, fmt, override_dir=uow.settings.document_templates)
    return f"{letter.number}.{fmt}", DOCUMENT_FORMATS[fmt], data


def tip_letter_file(
    uow: UnitOfWork, *, actor: Actor, letter_id: int, fmt: str
) -> tuple[str, str, bytes]:
    """A letter the caller sees as (file name, media type, bytes)."""
    fmt = _format(fmt)
    with uow:
        return _rendered(uow, visible_letter(uow.session, actor, letter_id), fmt)


def verify_tip_letters(uow: UnitOfWork) -> tuple[int, list[str]]:
    """Letters whose rows no longer say what was issued: the hash of the rows now (text and
    recipient list) against the hash stored at issue."""
    with uow:
        s = uow.session
        names: dict[int, list[str]] = {}
        for letter_id, name in s.execute(
            select(TipLetterRecipient.letter_id, TipLetterRecipient.employer_name).order_by(
                TipLetterRecipient.letter_id, TipLetterRecipient.id
            )
        ):
            names.setdefault(letter_id, []).append(name)
        problems, checked = [], 0
        for letter, code in s.execute(
            select(TipLetter, OrgUnit.code)
            .join(OrgUnit, OrgUnit.id == TipLetter.issuer_unit_id)
            .order_by(TipLetter.id)
        ):
            checked += 1
            if letter_content(letter, code, names.get(letter.id, [])).sha256() != (
                letter.content_hash
            ):
                problems.append(f"tip letter {letter.number}: changed after it was issued")
        return checked, problems
