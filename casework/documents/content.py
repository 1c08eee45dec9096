"""The content of a document, one model for both formats (DOCX and PDF), and its hash.

GB/T 9704-2012 parts, top to bottom: 版头 (发文机关标志 in red, 发文字号, the red separator line),
主体 (标题, 主送机关, 正文, 落款 with the issuing unit and 成文日期), 版记 (抄送, 印发机关 and
印发日期). A draft has no number and carries a visible 草稿 mark.

The hash is SHA-256 over a canonical serialisation (JSON, keys sorted, no whitespace, UTF-8) of
what the document says: number, kind, issuer (its code), addressee, title, body, legal basis,
成文日期 and reply date. It is stored on the row and in the ``document_issued`` history event at
issue; ``casework audit verify`` recomputes it from the row, so an edit of an issued document
shows (and the keyed history chain guards the recorded hash).

Pure: no session, no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

# 标题层次 (GB/T 9704 7.3.3): 一、 (黑体), （一） (楷体), 1. and （1） (仿宋, like the text).
HEADING_1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING_2 = re.compile(r"^（[一二三四五六七八九十]+）")

CN_DIGITS = "〇一二三四五六七八九"


def cn_date(d: dt.date) -> str:
    """成文日期 in Arabic numerals, unpadded (GB/T 9704 7.3.5.1): 2026年11月22日."""
    return f"{d.year}年{d.month}月{d.day}日"


def period_text(days: int, unit: str) -> str:
    """ "15个工作日" or "7日" (a calendar-day period is written 日)."""
    return f"{days}个工作日" if unit == "working" else f"{days}日"


def paragraphs(body: str) -> tuple[str, ...]:
    """The 正文's paragraphs: one a line, blank lines and surrounding spaces dropped."""
    return tuple(line.strip() for line in body.replace("\r\n", "\n").split("\n") if line.strip())


def heading_level(paragraph: str) -> int:
    """1 for a heading line "一、…", 2 for "（一）…", 0 for body text (a numbered paragraph that
    runs on as a sentence, "一、调解事项：…，…。", is text, not a heading)."""
    if len(paragraph) > 40 or "，" in paragraph or "。" in paragraph:
        return 0
    if HEADING_1.match(paragraph):
        return 1
    if HEADING_2.match(paragraph):
        return 2
    return 0


CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={CJK})\s+(?={CJK}|[0-9])|(?<=[0-9])\s+(?={CJK})")


def compact(text: str) -> str:
    """Spaces between two Chinese characters dropped ("工会法 第二十三条" → "工会法第二十三条"):
    printed in running text they would be stretched by justification."""
    return _CJK_GAP.sub("", text)


@dataclass(frozen=True)
class Reply:
    """The reply asked for: by ``due`` (a date), within ``period`` ("15个工作日", or None when
    the date was set by hand and no rule counts it), doing ``ask`` ("书面答复")."""

    due: dt.date
    period: str | None
    ask: str

    def sentence(self) -> str:
        within = f"（{self.period}内）" if self.period else ""
        return f"请于{cn_date(self.due)}前{within}{self.ask}。"


@dataclass(frozen=True)
class DocumentContent:
    kind: str
    kind_label: str
    # The issuing unit: full name (发文机关标志 and 落款) and code.
    issuer_name: str
    issuer_code: str
    number: str | None  # None: a draft, not numbered yet
    title: str
    addressee: str  # 主送机关
    body: tuple[str, ...]  # 正文 paragraphs
    citation: str  # legal basis, as stored with the document
    dated: dt.date  # 成文日期
    reply: Reply | None = None
    draft: bool = False
    copy_to: tuple[str, ...] = field(default_factory=tuple)  # 抄送
    # An area-wide letter's recipients (hashed when given); with ``attachment_title`` they are
    # printed as its 附件 (GB/T 9704 7.3.4 and 7.4): 附件说明 under the 正文, the list on a page
    # of its own before the 版记.
    recipients: tuple[str, ...] = field(default_factory=tuple)
    attachment_title: str | None = None

    @property
    def date_text(self) -> str:
        return cn_date(self.dated)

    @property
    def number_text(self) -> str:
        return self.number or "（草稿，发出时编号）"

    @property
    def attachment_note(self) -> str | None:
        """附件说明: "附件：主送单位名单"."""
        return f"附件：{self.attachment_title}" if self.attachment_title else None

    @property
    def attachment_rows(self) -> tuple[str, ...]:
        """The 附件's lines: "1. 广州市某建筑劳务有限公司" ..."""
        if not self.attachment_title:
            return ()
        return tuple(f"{i}. {name}" for i, name in enumerate(self.recipients, 1))

    @property
    def body_with_reply(self) -> tuple[str, ...]:
        """The 正文 as printed: the written paragraphs, then the reply requested, if any."""
        return self.body + ((self.reply.sentence(),) if self.reply else ())

    def canonical(self) -> bytes:
        """What the document says, serialised one way only (for the hash)."""
        data = {
            "number": self.number,
            "kind": self.kind,
            # The unit by its code: renaming a unit later is not an edit of its documents.
            "issuer": self.issuer_code,
            "addressee": self.addressee,
            "title": self.title,
            "body": list(self.body),
            "citation": self.citation,
            "dated": self.dated.isoformat(),
            "reply_due": self.reply.due.isoformat() if self.reply else None,
        }
        if self.recipients:  # an area-wide letter: whom it went to is part of what it says
            data["recipients"] = list(self.recipients)
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
            "utf-8"
        )

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def texts(self) -> list[str]:
        """Every piece of text printed, in reading order (tests and the DOCX check use it)."""
        return [
            self.issuer_name,
            self.number_text,
            self.title,
            f"{self.addressee}：",
            *self.body_with_reply,
            *((self.attachment_note,) if self.attachment_note else ()),
            self.issuer_name,
            self.date_text,
            *self.attachment_texts,
        ]

    @property
    def attachment_texts(self) -> tuple[str, ...]:
        """The 附件 page: "附件", its title, the rows (nothing without an attachment)."""
        if not self.attachment_title:
            return ()
        return ("附件", self.attachment_title, *self.attachment_rows)
