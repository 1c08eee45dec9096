"""One content model, two formats: a document as DOCX (python-docx) and as PDF (WeasyPrint).

Both follow GB/T 9704-2012: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a
156 × 225 mm type area), 22 lines of 28 characters; the 发文机关标志 in red with the red separator
line under the 发文字号; the title in 2号 (22 pt) 小标宋; the text in 3号 (16 pt) 仿宋 at a fixed
28.9 pt line pitch with a two-character first-line indent; headings "一、" in 黑体 and "（一）" in
楷体; the signature with 成文日期 in Arabic numerals, four characters in from the right; page
numbers "— 1 —" in 4号, odd pages right, even pages left.

- **DOCX** names the fonts Chinese offices have (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312) and
  sets them as the East-Asian font of every run (``w:eastAsia``), so Word and WPS use them.
- **PDF** uses fonts Debian has (fonts-noto-cjk): Noto Serif CJK SC for the 宋/仿宋/楷 roles, Noto
  Sans CJK SC for 黑体. WeasyPrint finds them through fontconfig and embeds subsets of them.
  Nothing is fetched: every URL the page might name is refused.

Pure: a :class:`~casework.documents.content.DocumentContent` in, bytes out (the PDF's page is a
template file, see :mod:`casework.documents.templates`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from casework.documents.content import DocumentContent, heading_level
from casework.documents.templates import render_layout

# GB/T 9704-2012 page and type area.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PITCH_PT = 28.9
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NUMBER_PT = 14  # 4号
RED = "FF0000"

# The fonts of Chinese offices (DOCX) and their Debian stand-ins (PDF).
DOCX_FONTS = {"title": "方正小标宋简体", "body": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312"}
PDF_FONTS = {"serif": "Noto Serif CJK SC", "sans": "Noto Sans CJK SC"}
LATIN_FONT = "Times New Roman"


def masthead_pt(name: str) -> float:
    """The 发文机关标志's size: large, but never wider than the type area (156 mm ≈ 442 pt)."""
    return round(min(36.0, 430.0 / max(len(name), 1)), 1)


# -- PDF -------------------------------------------------------------------------------------


class OfflineFetcher(URLFetcher):
    """Refuses every URL a page names (images, stylesheets, fonts by URL): a document is drawn
    from its content and the local fonts only. WeasyPrint logs the refusal and renders on."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"documents are rendered offline; refused to fetch {url[:80]}")


def layout_context(content: DocumentContent) -> dict[str, Any]:
    """What ``_layout.html`` gets: the content, its parts, the page geometry and the fonts."""
    return {
        "doc": content,
        "paragraphs": [(p, heading_level(p)) for p in content.body],
        "reply_sentence": content.reply.sentence() if content.reply else None,
        "masthead_pt": masthead_pt(content.issuer_name),
        "margins": MARGINS_MM,
        "line_pitch_pt": LINE_PITCH_PT,
        "body_pt": BODY_PT,
        "title_pt": TITLE_PT,
        "page_number_pt": PAGE_NUMBER_PT,
        "fonts": PDF_FONTS,
    }


def to_pdf(content: DocumentContent, *, override_dir: Path | None = None) -> bytes:
    """The document as PDF bytes, fonts embedded, nothing fetched."""
    html = render_layout(content.issuer_code, layout_context(content), override_dir)
    return HTML(string=html, url_fetcher=OfflineFetcher(), base_url=None).write_pdf()


# -- DOCX ------------------------------------------------------------------------------------


def _fonts(run_or_style: Any, east_asia: str) -> None:
    """Latin and East-Asian font of a run or style (w:rFonts with w:eastAsia)."""
    run_or_style.font.name = LATIN_FONT
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _exact(paragraph: Any, pitch: float = LINE_PITCH_PT) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(pitch)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _para(
    doc: Any,
    text: str,
    *,
    font: str = DOCX_FONTS["body"],
    size: float = BODY_PT,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars: int = 0,
    right_chars: int = 0,
    color: str | None = None,
    bold: bool = False,
    pitch: float = LINE_PITCH_PT,
) -> Any:
    p = doc.add_paragraph()
    _exact(p, pitch)
    p.alignment = align
    ind = p.paragraph_format
    if indent_chars:
        ind.first_line_indent = Pt(size * indent_chars)
        # Word counts the indent in characters too (w:firstLineChars, hundredths).
        p._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(indent_chars * 100))
    if right_chars:
        ind.right_indent = Pt(BODY_PT * right_chars)
    if text:
        run = p.add_run(text)
        _fonts(run, font)
        run.font.size = Pt(size)
        run.font.bold = bold
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
    return p


def _border(paragraph: Any, side: str, color: str, size_eighths: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    bdr.append(line)


def _page_number(footer: Any, align: Any) -> None:
    """ "— N —" with a PAGE field, 4号 宋体."""
    p = footer.paragraphs[0]
    p.alignment = align
    p.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
    p.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)

    def text(value: str) -> None:
        run = p.add_run(value)
        _fonts(run, "宋体")
        run.font.size = Pt(PAGE_NUMBER_PT)

    text("— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("end", None)):
        run = p.add_run()
        _fonts(run, "宋体")
        run.font.size = Pt(PAGE_NUMBER_PT)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = instr
            run._r.append(code)
    text(" —")


def _page_setup(doc: Any) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(21)  # the page number 7 mm below the type area
    # 22 lines × 28 characters: the document grid Word and WPS lay the text on.
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    width_pt = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) * 72 / 25.4
    char_space = round((width_pt / CHARS_PER_LINE - BODY_PT) * 4096)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))
    grid.set(qn("w:charSpace"), str(char_space))
    # Page numbers: odd pages on the right, even pages on the left.
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def _normal_style(doc: Any) -> None:
    style = doc.styles["Normal"]
    _fonts(style, DOCX_FONTS["body"])
    style.font.size = Pt(BODY_PT)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PITCH_PT)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def to_docx(content: DocumentContent) -> bytes:
    """The document as DOCX bytes (opens in Word and WPS)."""
    doc = DocxDocument()
    _page_setup(doc)
    _normal_style(doc)
    center = WD_ALIGN_PARAGRAPH.CENTER
    if content.draft:
        for footer_or_header in (doc.sections[0].header, doc.sections[0].even_page_header):
            p = footer_or_header.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = p.add_run("草稿 · 未发出")
            _fonts(run, DOCX_FONTS["h1"])
            run.font.size = Pt(BODY_PT)
            run.font.color.rgb = RGBColor.from_string("808080")
    # 版头
    size = masthead_pt(content.issuer_name)
    _para(
        doc,
        content.issuer_name,
        font=DOCX_FONTS["title"],
        size=size,
        align=center,
        color=RED,
        pitch=max(size * 1.3, LINE_PITCH_PT),
    )
    _para(doc, "")
    number = _para(doc, content.number_text, align=center)
    _border(number, "bottom", RED, 12)
    _para(doc, "")
    # 主体
    _para(
        doc,
        content.title,
        font=DOCX_FONTS["title"],
        size=TITLE_PT,
        align=center,
        pitch=max(TITLE_PT * 1.5, LINE_PITCH_PT),
    )
    _para(doc, "")
    _para(doc, f"{content.addressee}：", align=WD_ALIGN_PARAGRAPH.LEFT)
    for text in content.body_with_reply:
        level = heading_level(text)
        font = {1: DOCX_FONTS["h1"], 2: DOCX_FONTS["h2"]}.get(level, DOCX_FONTS["body"])
        _para(doc, text, font=font, indent_chars=2)
    if content.attachment_note:
        _para(doc, "")
        _para(doc, content.attachment_note, align=WD_ALIGN_PARAGRAPH.LEFT, indent_chars=2)
    _para(doc, "")
    _para(doc, "")
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, content.issuer_name, align=right, right_chars=2)
    _para(doc, content.date_text, align=right, right_chars=4)
    if content.attachment_title:
        # 附件: a page of its own before the 版记; "附件" in 黑体 top left, the title centred.
        label = _para(doc, "附件", font=DOCX_FONTS["h1"], align=WD_ALIGN_PARAGRAPH.LEFT)
        label.paragraph_format.page_break_before = True
        _para(doc, "")
        _para(
            doc,
            content.attachment_title,
            font=DOCX_FONTS["title"],
            size=TITLE_PT,
            align=center,
            pitch=max(TITLE_PT * 1.5, LINE_PITCH_PT),
        )
        _para(doc, "")
        for row in content.attachment_rows:
            _para(doc, row, align=WD_ALIGN_PARAGRAPH.LEFT, indent_chars=2)
    # 版记
    _para(doc, "")
    if content.copy_to:
        cc = _para(doc, f"抄送：{'，'.join(content.copy_to)}。", size=14, indent_chars=1)
        _border(cc, "top", "000000", 4)
    printed = _para(doc, f"{content.issuer_name}　　{content.date_text}印发", size=14)
    if not content.copy_to:
        _border(printed, "top", "000000", 8)
    _border(printed, "bottom", "000000", 8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render(content: DocumentContent, fmt: str, *, override_dir: Path | None = None) -> bytes:
    """``fmt`` is ``pdf`` or ``docx``."""
    if fmt == "pdf":
        return to_pdf(content, override_dir=override_dir)
    if fmt == "docx":
        return to_docx(content)
    raise ValueError(f"unknown document format {fmt!r}")
