"""The GB/T 9704-2012 .docx builder: page, fonts, headings, page numbers, tables, images,
the issuer/date block, and XML that python-docx, lxml and LibreOffice all read."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from jiceng.documents.official import DOCX_MIMETYPE, OfficialDocument, cn_numeral, date_text, provisional_notice
from jiceng.documents.official import docx_builder as builder
from tests.documents.helpers import (
    DATE,
    FIGURES,
    HEADERS,
    ISSUER,
    OPENING,
    TITLE,
    effective_ppr,
    effective_rpr,
    reopen,
    sample_document,
    tiny_png,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture(scope="module")
def data() -> bytes:
    return sample_document(tiny_png()).render()


@pytest.fixture(scope="module")
def doc(data):
    return reopen(data)


def find(doc, text):
    return next(p for p in doc.paragraphs if p.text == text)


def mm(length) -> float:
    return length.emu / 36000


# -- page -----------------------------------------------------------------------------------


def test_page_is_a4_portrait_with_the_gb_margins(doc):
    (section,) = doc.sections
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert mm(section.page_width) == pytest.approx(210, abs=0.1)
    assert mm(section.page_height) == pytest.approx(297, abs=0.1)
    assert mm(section.top_margin) == pytest.approx(37, abs=0.1)
    assert mm(section.bottom_margin) == pytest.approx(35, abs=0.1)
    assert mm(section.left_margin) == pytest.approx(28, abs=0.1)
    assert mm(section.right_margin) == pytest.approx(26, abs=0.1)


def test_grid_of_22_lines_of_28_characters(doc):
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch = int(grid.get(qn("w:linePitch")))
    height = builder.TYPE_AREA_HEIGHT_TWIPS
    assert pitch == 579 and 22 * pitch <= height < 23 * pitch
    # Word's character grid: 16 pt plus charSpace/4096 pt, 28 to the 156 mm line.
    grid_pitch = (16 + int(grid.get(qn("w:charSpace"))) / 4096) * 20
    width = builder.TYPE_AREA_WIDTH_TWIPS
    assert 28 * grid_pitch <= width < 29 * grid_pitch
    # What lays out the line everywhere: 3号 condensed so that 28 fit and 29 do not.
    body = find(doc, OPENING)
    condensed = 320 + int(effective_rpr(doc, body, "w:spacing"))
    assert 28 * condensed <= width < 29 * condensed


# -- fonts and paragraphs -------------------------------------------------------------------


def test_title_is_2hao_xiaobiaosong_centred(doc):
    title = doc.paragraphs[0]
    assert title.text.split("\n") == [
        "上坝乡卫生院2026年",
        "儿童营养改善项目工作总结",
    ]  # 21 characters: two lines, between words
    assert title.style.name == "公文标题"
    assert effective_rpr(doc, title, "w:sz") == str(22 * 2)
    assert title.style.font.size == Pt(22)
    assert effective_rpr(doc, title, "w:rFonts", "w:eastAsia") == "方正小标宋简体"
    assert effective_ppr(doc, title, "w:jc") == "center"


def test_body_is_3hao_fangsong_justified_indented_two_characters(doc):
    for text in (OPENING, FIGURES):
        body = find(doc, text)
        assert body.style.name == "Normal"
        assert effective_rpr(doc, body, "w:sz") == "32"
        assert effective_rpr(doc, body, "w:rFonts", "w:eastAsia") == "仿宋_GB2312"
        assert effective_rpr(doc, body, "w:rFonts", "w:ascii") == "仿宋_GB2312"
        assert effective_ppr(doc, body, "w:jc") == "both"
        assert effective_ppr(doc, body, "w:ind", "w:firstLineChars") == "200"
        assert effective_ppr(doc, body, "w:spacing", "w:lineRule") == "exact"
        assert int(effective_ppr(doc, body, "w:spacing", "w:line")) == 579  # 28.95 pt
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.paragraph_format.line_spacing.pt == pytest.approx(28.95)
    assert normal.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY


def test_no_theme_font_overrides_the_named_fonts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = etree.fromstring(z.read("word/styles.xml"))
    defaults = styles.find(f"{{{W}}}docDefaults//{{{W}}}rFonts")
    assert not [a for a in defaults.attrib if a.endswith("Theme") or a.endswith("theme")]
    assert defaults.get(qn("w:eastAsia")) == "仿宋_GB2312"
    lang = styles.find(f"{{{W}}}docDefaults//{{{W}}}lang")
    assert lang.get(qn("w:eastAsia")) == "zh-CN"


def test_headings_heiti_and_kaiti_3hao_with_outline_levels(doc):
    h1, h2 = find(doc, "一、基本情况"), find(doc, "（一）营养包发放")
    assert h1.style.name == "公文一级标题" and h2.style.name == "公文二级标题"
    assert effective_rpr(doc, h1, "w:rFonts", "w:eastAsia") == "黑体"
    assert effective_rpr(doc, h2, "w:rFonts", "w:eastAsia") == "楷体_GB2312"
    for heading, level in ((h1, "0"), (h2, "1")):
        assert effective_rpr(doc, heading, "w:sz") == "32"
        assert effective_rpr(doc, heading, "w:b") in ("0", "false")
        assert effective_ppr(doc, heading, "w:outlineLvl") == level
        assert effective_ppr(doc, heading, "w:ind", "w:firstLineChars") == "200"
        assert heading.style.paragraph_format.keep_with_next


def test_fallback_fonts_can_be_named_instead(tmp_path):
    doc = reopen(sample_document(fonts="fallback").render())
    title, body = doc.paragraphs[0], find(doc, OPENING)
    assert effective_rpr(doc, title, "w:rFonts", "w:eastAsia") == "宋体"
    assert effective_rpr(doc, body, "w:rFonts", "w:eastAsia") == "仿宋"
    assert effective_rpr(doc, find(doc, "（一）营养包发放"), "w:rFonts", "w:eastAsia") == "楷体"
    assert effective_rpr(doc, find(doc, "一、基本情况"), "w:rFonts", "w:eastAsia") == "黑体"
    with pytest.raises(ValueError):
        OfficialDocument(TITLE, fonts="windows")


def test_font_table_names_each_gb_font_with_its_fallback(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        fonts = etree.fromstring(z.read("word/fontTable.xml"))
    alt = {
        f.get(qn("w:name")): (f.find(qn("w:altName")).get(qn("w:val")) if f.find(qn("w:altName")) is not None else None)
        for f in fonts.findall(qn("w:font"))
    }
    assert alt["方正小标宋简体"] == "宋体"
    assert alt["仿宋_GB2312"] == "仿宋"
    assert alt["楷体_GB2312"] == "楷体"
    assert "黑体" in alt and "宋体" in alt


# -- page numbers ---------------------------------------------------------------------------


def _footer_field(footer):
    (paragraph,) = footer.paragraphs
    instr = "".join(t.text for t in paragraph._p.iter(qn("w:instrText")))
    kinds = [f.get(qn("w:fldCharType")) for f in paragraph._p.iter(qn("w:fldChar"))]
    return paragraph, instr, kinds


def test_page_number_field_with_dashes_odd_right_even_left(doc):
    section = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    assert doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    assert not section.footer.is_linked_to_previous
    assert not section.even_page_footer.is_linked_to_previous
    for footer, align, side in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "w:rightChars"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "w:leftChars"),
    ):
        paragraph, instr, kinds = _footer_field(footer)
        assert instr.strip() == "PAGE"
        assert kinds == ["begin", "separate", "end"]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.text == "— 1 —"  # the field's cached result between the dashes
        assert effective_ppr(doc, paragraph, "w:jc") == ("right" if align == WD_ALIGN_PARAGRAPH.RIGHT else "left")
        assert effective_ppr(doc, paragraph, "w:ind", side) == "100"  # one character in from the edge
        for run in paragraph.runs:
            assert effective_rpr(doc, paragraph, "w:sz", run=run) == "28"  # 4号
            assert effective_rpr(doc, paragraph, "w:rFonts", "w:eastAsia", run=run) == "宋体"
            assert effective_rpr(doc, paragraph, "w:rFonts", "w:ascii", run=run) == "宋体"


# -- notice, table, image, closing block ----------------------------------------------------


def test_provisional_notice_sits_under_the_title_then_an_empty_line(doc):
    notice = provisional_notice(dt.date(2026, 11, 30))
    assert notice == "（数据截至11月30日，期间尚未结束，数字为临时数）"
    assert doc.paragraphs[1].text == notice
    assert doc.paragraphs[1].style.name == "公文说明"
    assert effective_ppr(doc, doc.paragraphs[1], "w:jc") == "center"
    assert doc.paragraphs[2].text == ""
    assert doc.paragraphs[3].text == OPENING


def test_without_notice_the_body_follows_the_empty_line(tmp_path):
    doc = reopen(sample_document(provisional=False).render())
    assert [p.text.replace("\n", "") for p in doc.paragraphs[:3]] == [TITLE, "", OPENING]


def test_table_with_header_row_and_dash_for_missing_values(doc):
    (table,) = doc.tables
    assert [c.text for c in table.rows[0].cells] == HEADERS
    assert [c.text for c in table.rows[2].cells] == ["有效服用率", "76.10%", "80%", "—"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    header_p = table.rows[0].cells[0].paragraphs[0]
    cell_p = table.rows[1].cells[1].paragraphs[0]
    assert effective_rpr(doc, header_p, "w:rFonts", "w:eastAsia") == "黑体"
    assert effective_rpr(doc, cell_p, "w:rFonts", "w:eastAsia") == "仿宋_GB2312"
    assert effective_rpr(doc, cell_p, "w:sz") == "24"  # 12 pt
    assert effective_ppr(doc, cell_p, "w:spacing", "w:lineRule") == "auto"
    assert find(doc, "表1　主要指标完成情况").style.name == "公文图表题"


def test_image_inline_with_numbered_caption(doc, data):
    assert len(doc.inline_shapes) == 1
    shape = doc.inline_shapes[0]
    assert shape.width.cm == pytest.approx(15, abs=0.01)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in z.namelist())
    caption = find(doc, "图1　营养包发放率逐月变化")
    assert effective_ppr(doc, caption, "w:jc") == "center"
    figure = caption._p.getprevious()
    assert figure.find(".//" + qn("w:drawing")) is not None
    # A picture in an exactly-spaced line would be clipped to 28.95 pt.
    assert figure.find(qn("w:pPr")).find(qn("w:pStyle")).get(qn("w:val")) == "GBFigure"
    assert doc.styles["公文图片"].paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE


def test_image_is_never_wider_than_the_type_area():
    doc = OfficialDocument(TITLE)
    doc.image(tiny_png(), width_cm=30)
    shape = reopen(doc.render()).inline_shapes[0]
    assert mm(shape.width) == pytest.approx(156, abs=0.1)


def test_issuer_and_date_close_the_document(doc):
    issuer, date = doc.paragraphs[-2], doc.paragraphs[-1]
    assert (issuer.text, date.text) == (ISSUER, "2026年12月3日")
    for p in (issuer, date):
        assert effective_ppr(doc, p, "w:jc") == "right"
        assert effective_ppr(doc, p, "w:ind", "w:firstLineChars") == "0"
    # Sealed (default): date four characters in from the right, issuer centred over it.
    assert effective_ppr(doc, date, "w:ind", "w:rightChars") == "400"
    assert effective_ppr(doc, issuer, "w:ind", "w:rightChars") == "425"  # 4 + (6.5 - 6) / 2
    assert doc.paragraphs[-3].text == "" and doc.paragraphs[-4].text == ""


def test_unsealed_issuer_two_in_and_date_two_right_of_its_start():
    doc = reopen(OfficialDocument(TITLE, issuer="上坝乡卫生院", date=DATE, sealed=False).render())
    issuer, date = doc.paragraphs[-2], doc.paragraphs[-1]
    # The date (6.5 characters) is longer than issuer - 2: date 2 in, issuer moved left to keep
    # the date's first character two to the right of the issuer's.
    assert effective_ppr(doc, date, "w:ind", "w:rightChars") == "200"
    assert effective_ppr(doc, issuer, "w:ind", "w:rightChars") == "450"
    doc = reopen(OfficialDocument(TITLE, issuer="某某县卫生健康局疾病预防控制科", date=DATE, sealed=False).render())
    assert effective_ppr(doc, doc.paragraphs[-2], "w:ind", "w:rightChars") == "200"
    assert effective_ppr(doc, doc.paragraphs[-1], "w:ind", "w:rightChars") == "850"  # 2 + 15 - 2 - 6.5


def test_render_twice_gives_one_closing_block_and_the_builder_goes_on():
    doc = sample_document()
    first = reopen(doc.render())
    doc.paragraph("补充一段。")
    second = reopen(doc.render())
    texts = [p.text for p in second.paragraphs]
    assert texts.count(ISSUER) == 1 and texts.count("2026年12月3日") == 1
    assert texts[-3] != "补充一段。" and "补充一段。" in texts
    assert len(second.paragraphs) == len(first.paragraphs) + 1


def test_to_file_is_the_shared_contract():
    rendered = OfficialDocument(TITLE, ISSUER, DATE).to_file("上坝乡2026年工作总结")
    filename, mimetype, content = rendered.filename, rendered.mimetype, rendered.content
    assert filename == "上坝乡2026年工作总结.docx"
    assert mimetype == DOCX_MIMETYPE
    assert content.startswith(b"PK")


# -- valid XML ------------------------------------------------------------------------------


def test_every_xml_part_parses_and_python_docx_reopens(data, doc):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(z.read(name))
    assert doc.core_properties.title == TITLE
    assert doc.core_properties.language == "zh-CN"


def test_schema_order_inside_run_and_paragraph_properties(data):
    """Word refuses elements out of schema order; check the sequences we write by hand."""
    rpr_order = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "color", "spacing", "sz", "szCs", "lang"]
    ppr_order = ["pStyle", "keepNext", "widowControl", "snapToGrid", "spacing", "ind", "jc", "outlineLvl", "rPr"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = [etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")]
    for root in parts:
        for kind, order in (("rPr", rpr_order), ("pPr", ppr_order)):
            for props in root.iter(qn(f"w:{kind}")):
                tags = [etree.QName(c).localname for c in props if etree.QName(c).localname in order]
                assert tags == sorted(tags, key=order.index), (kind, tags)


def test_text_with_control_characters_and_line_breaks():
    doc = OfficialDocument("标题\n第二行")
    last = doc.paragraph("第一段\x0b有控制符\n\n第二段")
    result = reopen(doc.render())
    assert result.paragraphs[0].text == "标题\n第二行"  # one paragraph, a line break
    assert [p.text for p in result.paragraphs[2:]] == ["第一段有控制符", "第二段"]
    assert last.text == "第二段"


# -- bad input ------------------------------------------------------------------------------


def test_bad_input_is_refused():
    doc = OfficialDocument(TITLE)
    with pytest.raises(ValueError, match="PNG"):
        doc.image(b"GIF89a....", 10)
    with pytest.raises(ValueError, match="第1行"):
        doc.table(["a", "b"], [["only one"]])
    with pytest.raises(ValueError):
        doc.table([], [])
    with pytest.raises(ValueError):
        OfficialDocument("  ")


# -- text helpers ---------------------------------------------------------------------------


def test_numerals_and_dates():
    assert [cn_numeral(n) for n in (1, 9, 10, 11, 20, 21, 99)] == ["一", "九", "十", "十一", "二十", "二十一", "九十九"]
    assert date_text(DATE) == "2026年12月3日"
    assert date_text(DATE, chinese=True) == "二〇二六年十二月三日"
    assert date_text(dt.date(2026, 1, 30), chinese=True) == "二〇二六年一月三十日"
    doc = reopen(OfficialDocument(TITLE, ISSUER, DATE, chinese_date=True).render())
    assert doc.paragraphs[-1].text == "二〇二六年十二月三日"
    with pytest.raises(ValueError):
        cn_numeral(0)
