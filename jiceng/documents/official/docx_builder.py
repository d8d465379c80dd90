"""A small builder for .docx documents in the official format of GB/T 9704-2012 (党政机关公文格式).

Usage::

    doc = OfficialDocument("上坝乡卫生院2026年儿童营养改善项目工作总结", issuer="上坝乡卫生院", date=dt.date(2026, 12, 3))
    doc.notice(provisional_notice(dt.date(2026, 11, 30)))   # only when the period is not closed
    doc.paragraph("2026年，在县卫生健康局的指导下，我院……现将全年工作总结如下：")
    doc.heading1("一、基本情况")
    doc.heading2("（一）营养包发放")
    doc.paragraph("全年共为1234名儿童发放营养包40210包……")
    doc.table(["指标", "本期", "目标", "上年同期"], [["营养包发放率", "88.35%", "85%", "86.25%"]])
    doc.image(charts.trend_chart(...), width_cm=15, caption="营养包发放率逐月变化")
    data = doc.render()                       # bytes of the .docx

Every generated file in Jiceng shares one contract, ``render(params) -> RenderedFile``
(:mod:`jiceng.documents.files`). A generator that writes an official document
builds an :class:`OfficialDocument` from its figures and ends with
``return doc.to_file("上坝乡2026年工作总结.docx")``, which returns exactly that.

Format (GB/T 9704-2012 and the usual Word set-up of it)
--------------------------------------------------------
- A4 (210 × 297 mm); margins top 37, bottom 35, left 28, right 26 mm: a type area of 156 × 225 mm.
- 22 lines of 28 characters. Lines: exactly 28.95 pt apart (579 twips; 22 × 579 ≤ 225 mm).
  Characters: 28 × 16 pt is 158 mm, wider than the 156 mm type area, so each character must be
  pulled in by about 0.2 pt. The section carries the usual Word grid, ``w:docGrid`` of type
  ``linesAndChars`` with ``linePitch`` 579 and a negative ``charSpace`` (15.79 pt pitch), so that
  页面设置 › 文档网格 in Word/WPS reads 每行28字、每页22行. But the *layout* does not rely on the
  grid: LibreOffice (7.4) gives every 16 pt character two grid cells when the cell is narrower
  than the character (14 characters a line in the PDF). So paragraphs switch ``snapToGrid`` off
  and 3号 text is condensed by 0.3 pt (``w:spacing w:val="-6"``), which gives 28 characters a
  line in Word, WPS and LibreOffice alike.
- Title 2号 (22 pt) 方正小标宋简体, centred, followed by one empty line. A line holds 20 title
  characters; break a longer title yourself with ``"\n"`` where the sense allows (one
  paragraph, a line break), so that it is not cut in the middle of a word.
- Body 3号 (16 pt) 仿宋_GB2312, justified, first line indented 2 characters. The body is the
  ``Normal`` style (shown as 正文 in a Chinese Word), so text an author types in Word or WPS gets
  the body format.
- First-level headings (一、) 3号 黑体, second-level (（一）) 3号 楷体_GB2312, both indented
  2 characters like the body, with outline levels 1 and 2 (navigation pane).
- Page numbers ``— 1 —`` in 4号 (14 pt) 宋体 through a ``PAGE`` field, about 7 mm below the type
  area: odd pages on the right, even pages on the left, each one character in from the edge
  (separate odd/even footers; ``w:evenAndOddHeaders`` in the settings).
- Issuing unit and date at the end. The date is written with Arabic numerals (2026年12月3日),
  which is what the 2012 edition prescribes; Chinese numerals are available (``chinese_date``).
  With ``sealed=True`` (default: the document is stamped before it goes out) the date stands four
  characters in from the right and the issuer is centred over it; with ``sealed=False`` the
  issuer stands two characters in from the right and the date starts two characters to the right
  of the issuer's first character (GB/T 9704-2012 7.3.5.1 and 7.3.5.2).

Fonts: we name the GB fonts, with the common fallback recorded
-----------------------------------------------------------------
The runs and styles name the fonts the standard names (方正小标宋简体, 仿宋_GB2312,
楷体_GB2312, 黑体, 宋体) in ``w:rFonts`` (``w:eastAsia`` and, so that digits and Latin letters
match the Chinese text, ``w:ascii``/``w:hAnsi`` too). Offices that check the format look at the
font box in Word/WPS, and their machines have these fonts, because every official document
needs them. On a machine without them, the font table (``word/fontTable.xml``) carries an
``w:altName`` for each: 宋体 for 方正小标宋简体, 仿宋 for 仿宋_GB2312, 楷体 for 楷体_GB2312, with
the GB2312 charset, which Word takes as a hint for the face to substitute (and, failing that,
still picks a Chinese face); LibreOffice goes through fontconfig (see
:mod:`jiceng.documents.official.pdf`). ``fonts="fallback"`` names
the fallback fonts directly instead, for users whose machines lack the GB fonts and who would
otherwise see a substituted name.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Literal

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, Twips
from lxml import etree

from jiceng.documents.files import RenderedFile

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# ---------------------------------------------------------------------------------------------
# Geometry
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
HEADER_DISTANCE = Mm(15)
# The page number's dash line sits 7 mm below the type area (35 - 7 = 28 mm above the page's
# lower edge); the footer distance is measured to the bottom of the 4号 line, about 2.5 mm lower.
FOOTER_DISTANCE = Mm(25.5)
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
LINE_PITCH_TWIPS = 579  # 28.95 pt: 22 lines fill the 225 mm type area (22 × 579 = 12738 ≤ 12756)
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, TABLE_PT, CAPTION_PT = 16, 22, 14, 12, 14

TYPE_AREA_WIDTH_TWIPS = PAGE_WIDTH.twips - MARGIN_LEFT.twips - MARGIN_RIGHT.twips
TYPE_AREA_HEIGHT_TWIPS = PAGE_HEIGHT.twips - MARGIN_TOP.twips - MARGIN_BOTTOM.twips
# w:charSpace is the change of the character pitch against the 16 pt default font, in 1/4096 pt.
# Two units of slack so that rounding in Word never drops the 28th character to the next line.
CHAR_SPACE = math.floor((TYPE_AREA_WIDTH_TWIPS / 20 / CHARS_PER_LINE - BODY_PT) * 4096) - 2
# What actually lays out 28 characters a line in Word, WPS *and* LibreOffice is run-level
# character spacing (w:spacing, whole twips; see the module docstring): the largest pitch that
# fits 28 characters is 315 twips (15.75 pt), less one twip because LibreOffice, with the
# character grid present, still sets only 27 at 315: 16 pt - 0.3 pt = 15.7 pt;
# 28 × 15.7 = 439.6 pt ≤ 442.25 pt < 29 × 15.7.
BODY_CHAR_SPACING_TWIPS = math.floor(TYPE_AREA_WIDTH_TWIPS / CHARS_PER_LINE) - BODY_PT * 20 - 1
CHAR_PITCH_TWIPS = BODY_PT * 20 + BODY_CHAR_SPACING_TWIPS  # 314 twips = 15.7 pt

# ---------------------------------------------------------------------------------------------
# Fonts
TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, PAGE_NUMBER_FONT = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
FALLBACK_FONTS = {"方正小标宋简体": "宋体", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体"}
# Font-table entries: name -> (altName or None, w:family). Charset 86 is GB2312.
_FONT_TABLE = {
    "方正小标宋简体": ("宋体", "script"),
    "仿宋_GB2312": ("仿宋", "modern"),
    "楷体_GB2312": ("楷体", "script"),
    "黑体": (None, "modern"),
    "宋体": (None, "auto"),
    "仿宋": (None, "modern"),
    "楷体": (None, "script"),
}

# Style names (what Word and WPS show) and ids.
STYLE_TITLE, STYLE_NOTICE, STYLE_HEADING1, STYLE_HEADING2 = "公文标题", "公文说明", "公文一级标题", "公文二级标题"
STYLE_TABLE, STYLE_TABLE_HEADER, STYLE_CAPTION, STYLE_FIGURE = "公文表格", "公文表头", "公文图表题", "公文图片"
STYLE_SIGNATURE, STYLE_PAGE_NUMBER = "公文落款", "公文页码"
_STYLE_IDS = {
    STYLE_TITLE: "GBTitle",
    STYLE_NOTICE: "GBNotice",
    STYLE_HEADING1: "GBHeading1",
    STYLE_HEADING2: "GBHeading2",
    STYLE_TABLE: "GBTable",
    STYLE_TABLE_HEADER: "GBTableHeader",
    STYLE_CAPTION: "GBCaption",
    STYLE_FIGURE: "GBFigure",
    STYLE_SIGNATURE: "GBSignature",
    STYLE_PAGE_NUMBER: "GBPageNumber",
}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SNAP_SUCCESSORS = (
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_RPR_SPACING_SUCCESSORS = (
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)
_CN_DIGITS = "〇一二三四五六七八九"


# ---------------------------------------------------------------------------------------------
# Text helpers


def cn_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (heading numbers 一、 and （一）)."""
    if not 1 <= n <= 99:
        raise ValueError(f"只支持1到99的序号：{n}")
    tens, ones = divmod(n, 10)
    text = ("" if tens <= 1 else _CN_DIGITS[tens]) + ("十" if tens else "")
    return text + (_CN_DIGITS[ones] if ones else "")


def date_text(date: dt.date, *, chinese: bool = False) -> str:
    """``2026年12月3日`` (GB/T 9704-2012: Arabic numerals, no leading zeros) or, with
    ``chinese=True``, ``二〇二六年十二月三日``."""
    if not chinese:
        return f"{date.year}年{date.month}月{date.day}日"
    year = "".join(_CN_DIGITS[int(d)] for d in str(date.year))
    return f"{year}年{cn_numeral(date.month)}月{cn_numeral(date.day)}日"


def provisional_notice(as_of: dt.date) -> str:
    """The line under the title of a document whose period has not ended."""
    return f"（数据截至{as_of.month}月{as_of.day}日，期间尚未结束，数字为临时数）"


def _clean(text: object) -> str:
    """Text safe for XML: characters XML 1.0 forbids are dropped, ``\\r\\n`` becomes ``\\n``."""
    return _XML_INVALID.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")


def _width_chars(text: str) -> float:
    """Width of ``text`` in full-width characters (Latin letters and digits count half)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "FWA" else 0.5 for c in text)


# ---------------------------------------------------------------------------------------------
# Low-level XML helpers


def _set_fonts(rPr, font: str) -> None:
    """Name ``font`` for East Asian, ASCII and other text; drop theme fonts, which win over names."""
    rFonts = rPr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rFonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rFonts.set(qn(f"w:{attr}"), font)
    rFonts.set(qn("w:hint"), "eastAsia")


def _set_size(rPr, points: float) -> None:
    """``w:sz`` and ``w:szCs`` (half-points); ``w:szCs`` follows ``w:sz`` in schema order."""
    half_points = str(round(points * 2))
    sz = rPr.get_or_add_sz()
    sz.set(qn("w:val"), half_points)
    old = rPr.find(qn("w:szCs"))
    if old is not None:
        rPr.remove(old)
    szCs = OxmlElement("w:szCs")
    szCs.set(qn("w:val"), half_points)
    sz.addnext(szCs)


def _set_char_spacing(rPr, twips: int) -> None:
    """``w:spacing`` in a run's properties: added (negative: removed) space after each character."""
    el = rPr.find(qn("w:spacing"))
    if el is None:
        el = OxmlElement("w:spacing")
        rPr.insert_element_before(el, *_RPR_SPACING_SUCCESSORS)
    el.set(qn("w:val"), str(twips))


def _set_snap_to_grid(pPr, snap: bool) -> None:
    el = pPr.find(qn("w:snapToGrid"))
    if el is None:
        el = OxmlElement("w:snapToGrid")
        pPr.insert_element_before(el, *_SNAP_SUCCESSORS)
    el.set(qn("w:val"), "1" if snap else "0")


def _set_indent(pPr, *, first_line_chars: float = 0, right_chars: float = 0, left_chars: float = 0) -> None:
    """Indents in characters, written both as ``…Chars`` (hundredths of a character; Word and WPS
    use these with the character grid) and in twips (for readers that ignore ``…Chars``)."""
    ind = pPr.get_or_add_ind()
    for attr, chars in (("firstLine", first_line_chars), ("right", right_chars), ("left", left_chars)):
        ind.set(qn(f"w:{attr}Chars"), str(round(chars * 100)))
        ind.set(qn(f"w:{attr}"), str(round(chars * CHAR_PITCH_TWIPS)))


def _add_field(paragraph, instruction: str, placeholder: str, font: str, size_pt: float) -> None:
    """A complex field (``w:fldChar`` begin / ``w:instrText`` / separate / result / end)."""

    def run():
        r = paragraph.add_run()
        _set_fonts(r._r.get_or_add_rPr(), font)
        _set_size(r._r.get_or_add_rPr(), size_pt)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run()._r.append(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run()._r.append(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run()._r.append(separate)
    run().text = placeholder
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run()._r.append(end)


# ---------------------------------------------------------------------------------------------
# The document


TITLE_LINE_UNITS = 20  # 2号 (22 pt) characters in the 156 mm type area
# where a title may break (标题回行): after a place or an institution, after a time, before what it is about
_BREAK_AFTER = (
    "街道",
    "县",
    "乡",
    "镇",
    "区",
    "市",
    "省",
    "州",
    "中心",
    "卫生院",
    "卫生室",
    "局",
    "年度",
    "半年",
    "季度",
    "年",
    "月",
)
_BREAK_BEFORE = (
    "关于",
    "工作总结",
    "工作",
    "实施",
    "考核",
    "情况",
    "季度分析",
    "分析",
    "总结",
    "报告",
    "通知",
    "营养包",
    "儿童",
    "妇幼",
    "基本公共卫生",
)


def _units(text: str) -> float:
    """A line's width in 2号 characters: a Chinese character is one, a digit or Latin letter about half."""
    return sum(0.55 if ch.isascii() else 1.0 for ch in text)


def title_lines(title: str, width: float = TITLE_LINE_UNITS) -> list[str]:
    """The lines of a title (GB/T 9704 7.3.1: 回行时要做到词意完整，排列对称): lines the caller broke with
    "\n" are kept; a longer title is broken only where a word ends (after 县、2026年、第三季度 …, before
    关于、工作总结 …), into as few and as even lines as fit; never inside a word or a number."""
    given = [line.strip() for line in title.split("\n") if line.strip()]
    if len(given) > 1 or _units(title) <= width:
        return given
    text = given[0]
    cuts = set()
    for i in range(1, len(text)):
        before, after = text[:i], text[i:]
        if before[-1].isascii() and after[0].isascii() and before[-1].isalnum() and after[0].isalnum():
            continue  # inside a number or a Latin word
        if before.endswith(_BREAK_AFTER) or after.startswith(_BREAK_BEFORE):
            cuts.add(i)
    best: tuple | None = None
    for count in (2, 3):
        for chosen in _combinations(sorted(cuts), count - 1):
            bounds = [0, *chosen, len(text)]
            lines = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
            widths = [_units(line) for line in lines]
            if max(widths) > width:
                continue
            score = (count, max(widths) - min(widths), -widths[0])
            if best is None or score < best[0]:
                best = (score, lines)
        if best is not None:
            return best[1]
    return [text]  # no break keeps words whole within the width: the line wraps where Word puts it


def _combinations(items: list[int], k: int):
    from itertools import combinations

    return combinations(items, k)


class OfficialDocument:
    """A GB/T 9704-2012 document: title, optional notices under it, body paragraphs, headings,
    tables and images, and the issuer/date block that :meth:`render` adds at the end."""

    def __init__(
        self,
        title: str,
        issuer: str | None = None,
        date: dt.date | str | None = None,
        *,
        sealed: bool = True,
        chinese_date: bool = False,
        fonts: Literal["gb", "fallback"] = "gb",
    ):
        if fonts not in ("gb", "fallback"):
            raise ValueError(f"fonts must be 'gb' or 'fallback', not {fonts!r}")
        title = _clean(title).strip()
        if not title:
            raise ValueError("公文标题不能为空")
        self.title = title
        self.issuer = _clean(issuer).strip() if issuer else None
        self.date_text = date_text(date, chinese=chinese_date) if isinstance(date, dt.date) else date
        self.sealed = sealed
        self._font = (lambda name: FALLBACK_FONTS.get(name, name)) if fonts == "fallback" else (lambda name: name)
        self._figures = 0
        self._tables = 0

        self._doc = Document()
        self._set_up_page()
        self._set_up_settings()
        self._set_up_styles()
        self._set_up_font_table()
        self._set_up_footers()
        self._set_up_properties()

        title_paragraph = self._doc.add_paragraph(style=STYLE_TITLE)
        for i, line in enumerate(title_lines(title)):
            if i:
                title_paragraph.add_run().add_break()
            title_paragraph.add_run(line.strip())
        # 标题下空一行: an empty body line; notices go in before it.
        self._after_title = self._doc.add_paragraph()

    # -- public API ---------------------------------------------------------------------------

    @property
    def document(self):
        """The underlying python-docx ``Document``, for anything this API does not cover."""
        return self._doc

    def notice(self, text: str):
        """A centred line in 楷体 under the title, e.g. :func:`provisional_notice`. Notices stay
        under the title whenever they are added."""
        paragraph = self._doc.add_paragraph(_clean(text).strip(), style=STYLE_NOTICE)
        self._after_title._p.addprevious(paragraph._p)
        return paragraph

    def paragraph(self, text: str):
        """Body text (3号 仿宋, first line indented two characters). A line break in ``text``
        starts a new paragraph; empty lines are dropped. Returns the last paragraph."""
        paragraph = None
        for line in _clean(text).split("\n"):
            if line.strip():
                paragraph = self._doc.add_paragraph(line.strip())
        return paragraph

    def heading1(self, text: str):
        """First-level heading, e.g. ``一、基本情况`` (3号 黑体)."""
        return self._doc.add_paragraph(_clean(text).strip(), style=STYLE_HEADING1)

    def heading2(self, text: str):
        """Second-level heading, e.g. ``（一）营养包发放`` (3号 楷体)."""
        return self._doc.add_paragraph(_clean(text).strip(), style=STYLE_HEADING2)

    def page_break(self) -> None:
        self._doc.add_page_break()

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        caption: str | None = None,
        widths_cm: Sequence[float] | None = None,
    ):
        """A ruled table in 12 pt: header row in 黑体 (repeated on every page), first column
        left-aligned, the others centred. ``None`` cells show ``—`` (a figure that cannot be
        computed is never shown as 0). With ``caption`` a numbered title ``表1　…`` goes above."""
        headers = [_clean(h) for h in headers]
        rows = [list(row) for row in rows]
        if not headers:
            raise ValueError("表格至少需要一列")
        for n, row in enumerate(rows, start=1):
            if len(row) != len(headers):
                raise ValueError(f"表格第{n}行有{len(row)}列，表头有{len(headers)}列")
        if caption:
            self._tables += 1
            p = self._doc.add_paragraph(f"表{self._tables}　{_clean(caption).strip()}", style=STYLE_CAPTION)
            p.paragraph_format.keep_with_next = True

        columns = len(headers)
        total = TYPE_AREA_WIDTH_TWIPS
        if widths_cm:
            if len(widths_cm) != columns:
                raise ValueError("widths_cm 的个数应与列数相同")
            widths = [Cm(w).twips for w in widths_cm]
        elif columns == 1:
            widths = [total]
        else:
            first = round(total * (0.34 if columns > 2 else 0.5))
            rest = (total - first) // (columns - 1)
            widths = [first] + [rest] * (columns - 1)

        table = self._doc.add_table(rows=1 + len(rows), cols=columns)
        table.style = self._doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for i, width in enumerate(widths):
            table.columns[i].width = Twips(width)
        for r, values in enumerate([headers, *rows]):
            row = table.rows[r]
            trPr = row._tr.get_or_add_trPr()
            trPr.append(OxmlElement("w:cantSplit"))
            if r == 0:
                trPr.append(OxmlElement("w:tblHeader"))
            for c, value in enumerate(values):
                cell = row.cells[c]
                cell.width = Twips(widths[c])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.style = self._doc.styles[STYLE_TABLE_HEADER if r == 0 else STYLE_TABLE]
                if r and c == 0:
                    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
                p.add_run("—" if value is None else _clean(value))
        return table

    def image(self, png_bytes: bytes, width_cm: float = 15.0, caption: str | None = None):
        """A PNG (e.g. from :mod:`~jiceng.documents.official.charts`) centred on its own line,
        at most the type area's width, with a numbered caption ``图1　…`` below it."""
        if not isinstance(png_bytes, bytes | bytearray) or not png_bytes.startswith(_PNG_MAGIC):
            raise ValueError("image() expects the bytes of a PNG file")
        width = min(Cm(width_cm), Twips(TYPE_AREA_WIDTH_TWIPS))
        paragraph = self._doc.add_paragraph(style=STYLE_FIGURE)
        paragraph.add_run().add_picture(io.BytesIO(bytes(png_bytes)), width=width)
        if caption:
            paragraph.paragraph_format.keep_with_next = True
            self._figures += 1
            self._doc.add_paragraph(f"图{self._figures}　{_clean(caption).strip()}", style=STYLE_CAPTION)
        return paragraph

    def render(self) -> bytes:
        """The .docx as bytes, with the issuer/date block at the end. The builder is unchanged,
        so it can go on and render again."""
        added = self._closing_block()
        try:
            buffer = io.BytesIO()
            self._doc.save(buffer)
            return buffer.getvalue()
        finally:
            for p in added:
                p._p.getparent().remove(p._p)

    def to_file(self, filename: str) -> RenderedFile:
        """The shared ``render(params)`` contract (:class:`jiceng.documents.files.RenderedFile`)."""
        if not filename.lower().endswith(".docx"):
            filename += ".docx"
        return RenderedFile(filename, DOCX_MIMETYPE, self.render())

    # -- construction -------------------------------------------------------------------------

    def _closing_block(self) -> list:
        if not self.issuer and not self.date_text:
            return []
        added = [self._doc.add_paragraph() for _ in range(2 if self.sealed else 1)]
        issuer_w = _width_chars(self.issuer or "")
        date_w = _width_chars(self.date_text or "")
        if self.sealed:  # date 4 characters in from the right, issuer centred over the date
            date_right = 4.0
            issuer_right = max(0.0, date_right + (date_w - issuer_w) / 2)
        else:  # issuer 2 in from the right, date starting 2 characters right of the issuer's start
            issuer_right, date_right = 2.0, issuer_w - date_w
            if date_right < 2:
                date_right, issuer_right = 2.0, 4.0 + date_w - issuer_w
        for text, right in ((self.issuer, issuer_right), (self.date_text, date_right)):
            if text:
                p = self._doc.add_paragraph(text, style=STYLE_SIGNATURE)
                p.paragraph_format.keep_with_next = text == self.issuer
                _set_indent(p._p.get_or_add_pPr(), right_chars=right)
                added.append(p)
        return added

    def _set_up_page(self) -> None:
        section = self._doc.sections[0]
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
        section.header_distance, section.footer_distance = HEADER_DISTANCE, FOOTER_DISTANCE
        section.gutter = 0
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
        grid.set(qn("w:charSpace"), str(CHAR_SPACE))

    def _set_up_settings(self) -> None:
        settings = self._doc.settings
        settings.odd_and_even_pages_header_footer = True  # w:evenAndOddHeaders
        lang = settings.element.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")

    def _set_up_styles(self) -> None:
        styles = self._doc.styles
        # Document defaults: no theme fonts (a theme font wins over a named font), Chinese.
        defaults = styles.element.find(qn("w:docDefaults"))
        rPr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        _set_fonts(rPr, self._font(BODY_FONT))
        _set_size(rPr, BODY_PT)
        lang = rPr.find(qn("w:lang"))
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")

        # Normal (正文) is the body style.
        normal = styles["Normal"]
        self._format(
            normal,
            font=BODY_FONT,
            size=BODY_PT,
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            first_line_chars=2,
            char_spacing=BODY_CHAR_SPACING_TWIPS,
        )
        normal.paragraph_format.widow_control = True

        self._style(STYLE_TITLE, font=TITLE_FONT, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, char_spacing=0)
        self._style(STYLE_NOTICE, font=HEADING2_FONT, size=BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
        h1 = self._style(STYLE_HEADING1, font=HEADING1_FONT, size=BODY_PT, first_line_chars=2, outline=0)
        h2 = self._style(STYLE_HEADING2, font=HEADING2_FONT, size=BODY_PT, first_line_chars=2, outline=1)
        for heading in (h1, h2):
            heading.paragraph_format.keep_with_next = True
        self._style(STYLE_SIGNATURE, font=BODY_FONT, size=BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
        single = {"line": None, "align": WD_ALIGN_PARAGRAPH.CENTER, "char_spacing": 0}
        self._style(STYLE_TABLE, font=BODY_FONT, size=TABLE_PT, **single)
        self._style(STYLE_TABLE_HEADER, font=HEADING1_FONT, size=TABLE_PT, **single)
        self._style(STYLE_CAPTION, font=HEADING2_FONT, size=CAPTION_PT, **single)
        self._style(STYLE_FIGURE, font=BODY_FONT, size=BODY_PT, **single)
        self._style(STYLE_PAGE_NUMBER, font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_PT, **single)
        for name in (STYLE_TABLE, STYLE_TABLE_HEADER, STYLE_CAPTION, STYLE_FIGURE):
            styles[name].paragraph_format.space_before = Pt(3)
            styles[name].paragraph_format.space_after = Pt(3)

    def _style(self, name: str, **fmt):
        style = self._doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = _STYLE_IDS[name]
        style.base_style = self._doc.styles["Normal"]
        style.next_paragraph_style = self._doc.styles["Normal"]
        style.quick_style = True
        self._format(style, **fmt)
        return style

    def _format(
        self,
        style,
        *,
        font: str,
        size: float,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_chars: float = 0,
        line: int | None = LINE_PITCH_TWIPS,
        char_spacing: int | None = None,
        outline: int | None = None,
    ) -> None:
        rPr = style.element.get_or_add_rPr()
        _set_fonts(rPr, self._font(font))
        _set_size(rPr, size)
        if char_spacing is not None:
            _set_char_spacing(rPr, char_spacing)
        style.font.bold = False
        style.font.italic = False
        pf = style.paragraph_format
        pf.alignment = align
        pf.space_before = pf.space_after = Pt(0)
        if line is None:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            pf.line_spacing = Twips(line)
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pPr = style.element.get_or_add_pPr()
        _set_indent(pPr, first_line_chars=first_line_chars)
        _set_snap_to_grid(pPr, False)
        if outline is not None:
            pPr.get_or_add_outlineLvl().set(qn("w:val"), str(outline))

    def _set_up_font_table(self) -> None:
        part = next(r.target_part for r in self._doc.part.rels.values() if r.reltype.endswith("/fontTable"))
        root = etree.fromstring(part.blob)
        present = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
        for name, (alt, family) in _FONT_TABLE.items():
            name = self._font(name)
            if name in present:
                continue
            present.add(name)
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            if alt and alt != name:
                etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alt)
            etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")
            etree.SubElement(font, qn("w:family")).set(qn("w:val"), family)
            etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _set_up_footers(self) -> None:
        section = self._doc.sections[0]
        for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.style = self._doc.styles[STYLE_PAGE_NUMBER]
            # Odd pages: right, one character in; even pages: left, one character in.
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
            pPr = paragraph._p.get_or_add_pPr()
            _set_indent(pPr, right_chars=1 if odd else 0, left_chars=0 if odd else 1)
            font = self._font(PAGE_NUMBER_FONT)
            for piece in ("— ", None, " —"):
                if piece is None:
                    _add_field(paragraph, "PAGE", "1", font, PAGE_NUMBER_PT)
                else:
                    run = paragraph.add_run(piece)
                    _set_fonts(run._r.get_or_add_rPr(), font)
                    _set_size(run._r.get_or_add_rPr(), PAGE_NUMBER_PT)

    def _set_up_properties(self) -> None:
        props = self._doc.core_properties
        props.title = self.title.replace("\n", "")
        props.author = props.last_modified_by = self.issuer or ""
        props.language = "zh-CN"
        props.comments = props.keywords = props.subject = ""
        props.revision = 1
        now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
        props.created = props.modified = now
