"""Area-wide 提示函 (工会劳动法律监督提示函, 面向区域或行业): one letter a union body issues to many
employers of a sector or area at once — the 2024 最高检·全总 notice on 一函两书 allows a 提示函 to
be published to the employers of a region — with the recipient list and each one's reply tracked,
not tied to a case.

- **Who issues it:** a caseworker or supervisor, in the name of their own unit. Every recipient
  must be an employer placed under that unit or a unit below it.
- **Recipients:** explicit ``employer_ids`` and/or a selector — every employer under
  ``org_unit_id``'s subtree (a unit of the issuer's subtree), optionally only those with
  (``has_union``) or without a union. Employers carry no industry, so a sector is chosen by
  listing its employers; ``scope`` says in words whom the letter is for (天河区建筑施工企业).
  An employer named twice, or both by id and by the selector, receives the letter once
  (duplicates are dropped, not refused).
- **Number:** the next number of the issuing unit's 提示函 sequence, shared with the 提示函 issued
  on cases (天工提〔2026〕2号 for a unit marking kinds, its single sequence otherwise).
- **Reply date:** the single-case 提示函's rule (``supervision.tip_letter_reply``: 15 working days,
  configurable) counted on the working-day calendar from the day of issue, unless a date is
  given.
- **主送:** up to three recipients by name; more: 各有关用人单位, with the names as the 附件
  (主送单位名单), as GB/T 9704 allows a 统称 for many addressees.

Issuing is one unit of work: number, letter, recipients, content hash and one
``tip_letter_issued`` event in each recipient's hash-chained history, all or nothing. A reply
is recorded once per recipient (``tip_letter_replied`` in its history).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import workflows
from casework.clocks.calendar import load_calendar
from casework.core import signals
from casework.core.db import skip_locked
from casework.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from casework.core.time import local_date, local_year
from casework.core.uow import UnitOfWork, commit_or_conflict
from casework.core.vocab import (
    INT32_MAX,
    MAX_DOCUMENT_BODY,
    MAX_DOCUMENT_TITLE,
    MAX_TIP_RECIPIENTS,
    MAX_TIP_REPLY,
    MAX_TIP_SCOPE,
    TIP_NAMED_RECIPIENTS,
)
from casework.documents.content import DocumentContent, Reply, compact, paragraphs, period_text
from casework.documents.service import next_document_number
from casework.documents.templates import render_body
from casework.history import record_employer
from casework.models import Employer, OrgUnit, TipLetter, TipLetterRecipient
from casework.notices.service import notify_unit_supervisors, supervisors_by_unit
from casework.people.access import Actor, require
from casework.people.queries import visible_unit
from casework.runtime import Runtime
from workflows.documents import DOCUMENT_KINDS

KIND = DOCUMENT_KINDS["tip_letter"]
REPLY_RULE = ("supervision", "tip_letter_reply")
TEMPLATE = "tip_letter_area"  # templates/tip_letter_area.txt
ALL_ADDRESSEES = "各有关用人单位"
ATTACHMENT_TITLE = "主送单位名单"
MAX_MATTER = 2000
MAX_BASIS = 255  # tip_letters.citation


# -- what it says ----------------------------------------------------------------------------


def addressee_for(names: list[str]) -> str:
    """主送: the names (up to three, joined with 、) or the 统称 各有关用人单位."""
    if len(names) <= TIP_NAMED_RECIPIENTS:
        joined = "、".join(names)
        if len(joined) <= 200:
            return joined
    return ALL_ADDRESSEES


def letter_content(letter: TipLetter, issuer_code: str, names: list[str]) -> DocumentContent:
    """What the letter says (the same for the PDF, the DOCX and the hash): its rows alone."""
    listed = letter.addressee == ALL_ADDRESSEES
    return DocumentContent(
        kind=KIND.name,
        kind_label=KIND.label_zh,
        issuer_name=letter.issuer_name,
        issuer_code=issuer_code,
        number=letter.number,
        title=letter.title,
        addressee=letter.addressee,
        body=paragraphs(letter.body),
        citation=letter.citation,
        dated=local_date(letter.issued_at),
        reply=Reply(letter.reply_due, letter.reply_period, KIND.reply_ask_zh),
        recipients=tuple(names),
        attachment_title=ATTACHMENT_TITLE if listed else None,
    )


def reply_rule_days(uow: UnitOfWork) -> tuple[int, str]:
    """The single-case 提示函's reply period (days, unit), as a deployment configured it."""
    wf_name, rule_name = REPLY_RULE
    rule = workflows.get(wf_name).rule(rule_name)
    days = uow.settings.deadline_days.get(f"{wf_name}.{rule_name}", rule.days)
    return days, rule.unit


# -- checks ----------------------------------------------------------------------------------


def _text(field: str, value: Any, limit: int, zh: str, *, required: bool = True) -> str | None:
    text = value.strip() if isinstance(value, str) else None
    if not text:
        if required:
            raise InvalidInput(field, f"必须填写{zh}", f"{field} is required")
        return None
    if len(text) > limit:
        raise InvalidInput(field, f"{zh}不超过{limit}字", f"at most {limit} characters")
    return text


def _ids(value: Any) -> list[int]:
    """The explicit recipients, duplicates dropped (first mention kept)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInput("employer_ids", "主送单位须为用人单位编号列表", "must be a list of ids")
    out: dict[int, None] = {}
    for v in value:
        if type(v) is not int or not 1 <= v <= INT32_MAX:
            raise InvalidInput(
                "employer_ids", "用人单位编号须为正整数", "ids are positive integers"
            )
        out[v] = None
    if len(out) > MAX_TIP_RECIPIENTS:
        raise InvalidInput(
            "employer_ids",
            f"一份提示函最多主送{MAX_TIP_RECIPIENTS}家用人单位",
            f"at most {MAX_TIP_RECIPIENTS} employers",
        )
    return list(out)


def _reply_due(value: Any, today: dt.date) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput("reply_due", "答复期限必须是日期", "must be a date")
    if value < today:
        raise InvalidInput(
            "reply_due",
            f"答复期限不能早于今天（{today.isoformat()}）",
            f"must not be before today ({today.isoformat()}, Asia/Shanghai)",
        )
    return value


def _issuer(session: Session, actor: Actor) -> OrgUnit:
    require(actor, "issue_tip_letter")
    unit = session.get(OrgUnit, actor.org_unit_id) if actor.org_unit_id else None
    if unit is None:
        raise NotPermitted(
            "提示函以本单位名义发出，当前用户不属于任何工会组织",
            "a tip letter is issued in the name of the actor's own unit; the actor has none",
            act="issue_tip_letter",
        )
    return unit


def _locked_employers(session: Session, stmt: Any) -> list[Employer]:
    """Employers of ``stmt``, their rows locked (their history chains are appended to) and read
    afresh, in id order (two letters to overlapping lists never deadlock)."""
    return list(
        session.scalars(
            stmt.order_by(Employer.id)
            .with_for_update(of=Employer)
            .execution_options(populate_existing=True)
        ).unique()
    )


def _recipients(
    session: Session,
    actor: Actor,
    issuer: OrgUnit,
    employer_ids: list[int],
    org_unit_id: Any,
    has_union: Any,
) -> list[Employer]:
    """The employers the letter goes to, each once, all under the issuing unit."""
    if not employer_ids and org_unit_id is None:
        raise InvalidInput(
            "employer_ids",
            "请指定主送的用人单位（employer_ids）或辖区（org_unit_id）",
            "name the employers (employer_ids) or the area (org_unit_id)",
        )
    if has_union is not None and not isinstance(has_union, bool):
        raise InvalidInput("has_union", "须为 true 或 false", "must be true or false")
    chosen: dict[int, Employer] = {}
    within = select(OrgUnit.id).where(OrgUnit.path.startswith(issuer.path))
    if employer_ids:
        found = _locked_employers(
            session,
            select(Employer).where(Employer.id.in_(employer_ids), Employer.org_unit_id.in_(within)),
        )
        missing = sorted(set(employer_ids) - {e.id for e in found})
        if missing:
            shown = "、".join(str(i) for i in missing[:10]) + ("等" if len(missing) > 10 else "")
            raise NotFound(
                f"用人单位不存在或不在{issuer.name}辖区内：{shown}",
                f"employers not found under the issuing unit: {', '.join(map(str, missing[:10]))}",
                employer_ids=missing[:10],
            )
        chosen.update((e.id, e) for e in found)
    if org_unit_id is not None:
        if type(org_unit_id) is not int or not 1 <= org_unit_id <= INT32_MAX:
            raise InvalidInput("org_unit_id", "辖区须为组织编号", "must be an org unit id")
        root = visible_unit(session, actor, org_unit_id)
        if not root.path.startswith(issuer.path):  # pragma: no cover - the issuer is the actor's
            raise NotFound("组织不存在", f"no org unit {org_unit_id}")
        stmt = select(Employer).where(
            Employer.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(root.path)))
        )
        if has_union is not None:
            stmt = stmt.where(Employer.has_union.is_(has_union))
        stmt = stmt.limit(MAX_TIP_RECIPIENTS + 1)
        chosen.update((e.id, e) for e in _locked_employers(session, stmt))
    if not chosen:
        raise InvalidInput(
            "org_unit_id", "所选范围内没有用人单位", "no employer is placed in the chosen area"
        )
    if len(chosen) > MAX_TIP_RECIPIENTS:
        raise InvalidInput(
            "org_unit_id",
            f"一份提示函最多主送{MAX_TIP_RECIPIENTS}家用人单位，请缩小范围",
            f"at most {MAX_TIP_RECIPIENTS} employers; narrow the area",
        )
    return sorted(chosen.values(), key=lambda e: (e.name, e.id))


def _body_from_template(
    uow: UnitOfWork,
    issuer: OrgUnit,
    *,
    scope: str,
    matter: str | None,
    citation: str,
    reply: Reply,
    count: int,
    number: str,
    title: str,
    today: dt.date,
) -> str:
    context = {
        "kind": KIND.name,
        "kind_label": KIND.label_zh,
        "title": title,
        "number": number,
        "issuer": {"name": issuer.name, "code": issuer.code},
        "scope": scope,
        "matter": (matter or "").rstrip("。；;，, "),
        "recipient_count": count,
        "citation": compact(citation),
        "reply": {"due": reply.due, "period": reply.period, "ask": reply.ask},
        "today": today,
    }
    text = render_body(TEMPLATE, issuer.code, context, uow.settings.document_templates)
    return "\n".join(paragraphs(text))


# -- acts ------------------------------------------------------------------------------------


def issue_tip_letter(
    uow: UnitOfWork,
    *,
    actor: Actor,
    scope: str,
    employer_ids: Iterable[int] | None = None,
    org_unit_id: int | None = None,
    has_union: bool | None = None,
    matter: str | None = None,
    body: str | None = None,
    title: str | None = None,
    basis: str | None = None,
    reply_due: dt.date | None = None,
    now: dt.datetime | None = None,
) -> TipLetter:
    """Issue an area-wide 提示函 in the name of the actor's unit to the employers named and/or
    selected, and commit. ``body`` (one paragraph a line) defaults to the template
    ``tip_letter_area.txt`` filled in with ``scope`` and ``matter`` (one of the two is needed).

    Raises NotPermitted (not a caseworker or supervisor), NotFound (an employer or the area
    outside the issuing unit), InvalidInput (scope, employer_ids, org_unit_id, has_union,
    matter, body, title, basis, reply_due) and TemplateBroken."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    with uow:
        s = uow.session
        issuer = _issuer(s, actor)
        scope_text = _text("scope", scope, MAX_TIP_SCOPE, "发送范围（如某区建筑施工企业）")
        title_text = _text("title", title, MAX_DOCUMENT_TITLE, "标题", required=False)
        matter_text = _text("matter", matter, MAX_MATTER, "提示事项", required=False)
        body_text = _text("body", body, MAX_DOCUMENT_BODY, "正文", required=False)
        if body_text is not None:
            body_text = "\n".join(paragraphs(body_text))
        if matter_text is None and body_text is None:
            raise InvalidInput(
                "matter", "请填写提示事项（或正文）", "give the matter (or the whole body)"
            )
        basis_text = _text("basis", basis, MAX_BASIS, "法律依据", required=False)
        due = _reply_due(reply_due, today)
        ids = _ids(list(employer_ids) if employer_ids is not None else None)
        employers = _recipients(s, actor, issuer, ids, org_unit_id, has_union)

        days, unit = reply_rule_days(uow)
        by_rule = load_calendar(s).due(today, days, unit).due
        if due is None or due == by_rule:
            due, period = by_rule, period_text(days, unit)
        else:
            period = None
        citation = basis_text or uow.settings.region.document_citation(KIND.name, KIND.citation)
        title_text = title_text or KIND.label_zh
        number = next_document_number(s, issuer, local_year(now), KIND)
        names = [e.name for e in employers]
        if body_text is None:
            body_text = _body_from_template(
                uow,
                issuer,
                scope=scope_text,  # type: ignore[arg-type]
                matter=matter_text,
                citation=citation,
                reply=Reply(due, period, KIND.reply_ask_zh),
                count=len(employers),
                number=number,
                title=title_text,
                today=today,
            )
        letter = TipLetter(
            issuer_unit_id=issuer.id,
            issuer_name=issuer.name,
            number=number,
            year=local_year(now),
            title=title_text,
            scope=scope_text,
            addressee=addressee_for(names),
            body=body_text,
            citation=citation,
            reply_due=due,
            reply_period=period,
            issued_at=now,
            issued_by_id=actor.user_id,
            issued_by=actor.username,
            recipient_count=len(employers),
            content_hash="",
        )
        letter.content_hash = letter_content(letter, issuer.code, names).sha256()
        s.add(letter)
        s.flush()
        s.add_all(
            TipLetterRecipient(
                letter_id=letter.id,
                employer_id=e.id,
                employer_name=e.name,
                reply_status="awaiting",
            )
            for e in employers
        )
        event = {
            "tip_letter_id": letter.id,
            "number": number,
            "issuer": issuer.code,
            "reply_due": due.isoformat(),
            "content_hash": letter.content_hash,
            "recipients": len(employers),
        }
        for e in employers:
            record_employer(uow, e, "tip_letter_issued", by=actor, data=event, at=now)
        # The letter is the disposition an open early warning asks for (the warnings slice
        # disposes of those its issuer could dispose of, in this transaction).
        signals.emit(
            uow,
            signals.AREA_TIP_LETTER,
            employer_id=employers[0].id,
            employer_ids=tuple(e.id for e in employers),
            at=now,
            actor=actor,
            data={"number": number, "tip_letter_id": letter.id},
        )
        commit_or_conflict(uow)
        return letter


def visible_letter(session: Session, actor: Actor, letter_id: int) -> TipLetter:
    """A letter issued by a unit of the actor's subtree; any other is NotFound."""
    letter = session.get(TipLetter, letter_id) if 1 <= letter_id <= INT32_MAX else None
    if letter is None or not actor.covers_path(letter.issuer.path):
        raise NotFound("提示函不存在", f"no tip letter {letter_id}")
    return letter


def _may_record(actor: Actor, letter: TipLetter) -> None:
    """A caseworker of the issuing unit, or a supervisor whose subtree holds it."""
    require(actor, "record_tip_reply")
    own = "caseworker" in actor.roles and actor.org_unit_id == letter.issuer_unit_id
    above = "supervisor" in actor.roles and actor.covers_path(letter.issuer.path)
    if not (own or above or actor.is_system):
        raise NotPermitted(
            "只有发函单位的办案人员或上级主管可以登记用人单位的答复",
            "only the issuing unit's caseworkers or a supervisor above it record replies",
            act="record_tip_reply",
        )


def record_reply(
    uow: UnitOfWork,
    *,
    actor: Actor,
    letter_id: int,
    employer_id: int,
    replied_on: dt.date,
    summary: str,
    now: dt.datetime | None = None,
) -> TipLetterRecipient:
    """Record a recipient's reply (the date it came and what it says), once per recipient; a
    second reply for the same employer is a Conflict (409)."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    with uow:
        s = uow.session
        letter = visible_letter(s, actor, letter_id)
        _may_record(actor, letter)
        if not isinstance(replied_on, dt.date) or isinstance(replied_on, dt.datetime):
            raise InvalidInput("replied_on", "答复日期必须是日期", "must be a date")
        issued_on = local_date(letter.issued_at)
        if replied_on < issued_on or replied_on > today:
            raise InvalidInput(
                "replied_on",
                f"答复日期须在发函之日（{issued_on.isoformat()}）与今天之间",
                f"must be between the day of issue ({issued_on.isoformat()}) and today",
            )
        text = _text("summary", summary, MAX_TIP_REPLY, "答复内容摘要")
        rec = s.scalars(
            select(TipLetterRecipient)
            .where(
                TipLetterRecipient.letter_id == letter.id,
                TipLetterRecipient.employer_id == employer_id,
            )
            .with_for_update()
        ).first()
        if rec is None:
            raise InvalidInput(
                "employer_id",
                f"该用人单位不在提示函{letter.number}的主送名单中",
                f"employer {employer_id} is not a recipient of this letter",
            )
        if rec.reply_status == "answered":
            raise Conflict(
                f"{rec.employer_name}对{letter.number}的答复已于{rec.replied_on}登记",
                f"the reply of employer {employer_id} was already recorded",
                replied_on=rec.replied_on.isoformat() if rec.replied_on else None,
            )
        employer = s.scalars(
            select(Employer)
            .where(Employer.id == employer_id)
            .with_for_update(of=Employer)
            .execution_options(populate_existing=True)
        ).one()
        rec.reply_status = "answered"
        rec.replied_on = replied_on
        rec.reply_summary = text
        rec.recorded_by_id = actor.user_id
        rec.recorded_by = actor.username
        rec.recorded_at = now
        record_employer(
            uow,
            employer,
            "tip_letter_replied",
            by=actor,
            data={
                "tip_letter_id": letter.id,
                "number": letter.number,
                "replied_on": replied_on.isoformat(),
                "on_time": replied_on <= letter.reply_due,
            },
            at=now,
        )
        commit_or_conflict(uow)
        return rec


# -- the reply date passed -------------------------------------------------------------------


@dataclass
class UnansweredReport:
    checked: int = 0  # letters past their reply date, looked at once each
    told: int = 0  # of which with recipients that had not answered: their issuers were told
    notifications: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"checked": self.checked, "told": self.told, "notifications": self.notifications}


def tell_unanswered(
    rt: Runtime, *, now: dt.datetime | None = None, batch: int = 200
) -> UnansweredReport:
    """One pass of the sweep: every area-wide 提示函 whose reply date has passed (from the day
    after it) is checked once; when recipients have not answered, the issuing unit's supervisors
    (the unit itself when it has none) are told which letter and how many — an overdue recipient
    is the union's to follow up, e.g. with a supervision case and an 意见书. Claimed in batches
    with SKIP LOCKED, so two sweepers never tell twice."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    report = UnansweredReport()
    while True:
        with rt.uow() as uow:
            s = uow.session
            letters = s.scalars(
                skip_locked(
                    select(TipLetter)
                    .where(TipLetter.replies_checked_at.is_(None), TipLetter.reply_due < today)
                    .order_by(TipLetter.reply_due, TipLetter.id)
                    .limit(batch),
                    s,
                    of=TipLetter,  # not the issuing unit it joins
                )
            ).all()
            if not letters:
                return report
            ids = [t.id for t in letters]
            waiting = dict(
                s.execute(
                    select(TipLetterRecipient.letter_id, func.count(TipLetterRecipient.id))
                    .where(
                        TipLetterRecipient.letter_id.in_(ids),
                        TipLetterRecipient.reply_status == "awaiting",
                    )
                    .group_by(TipLetterRecipient.letter_id)
                ).all()
            )
            supervisors_by_unit(s, {t.issuer_unit_id for t in letters if waiting.get(t.id)})
            for t in letters:
                n = waiting.get(t.id, 0)
                report.checked += 1
                if not n:
                    continue
                report.told += 1
                report.notifications += notify_unit_supervisors(
                    s,
                    t.issuer,
                    None,
                    kind="tip_letter_overdue",
                    title=f"提示函 {t.number} 答复期限已过",
                    body=f"提示函 {t.number}（{t.scope}）的答复期限 {t.reply_due.isoformat()} "
                    f"已过，{n} 家用人单位未答复（共 {t.recipient_count} 家）。"
                    "请跟进：可对未答复的用人单位立案监督并发出意见书。",
                    key=f"tip_letter:{t.id}:overdue",
                    data={"tip_letter_id": t.id, "number": t.number, "awaiting": n},
                )
            s.execute(update(TipLetter).where(TipLetter.id.in_(ids)).values(replies_checked_at=now))
            uow.commit()
        if len(letters) < batch:
            return report
