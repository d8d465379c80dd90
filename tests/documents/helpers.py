"""Helpers for the official-document tests: a sample document and effective-format lookups."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from docx import Document
from docx.oxml.ns import qn

from jiceng.documents.official import OfficialDocument, provisional_notice

TITLE = "上坝乡卫生院2026年儿童营养改善项目工作总结"
ISSUER = "上坝乡卫生院"
DATE = dt.date(2026, 12, 3)
OPENING = "2026年，在县卫生健康局的指导下，我院认真贯彻落实儿童营养改善项目工作要求。现将全年工作总结如下："
FIGURES = "全年共为1234名儿童发放营养包40210包，营养包发放率为88.35%，较上年提高2.10个百分点，达到项目目标（85%以上）。"
HEADERS = ["指标", "本期", "目标", "上年同期"]
ROWS = [["营养包发放率", "88.35%", "85%", "86.25%"], ["有效服用率", "76.10%", "80%", None]]


def missing_prerequisite(what: str):
    """Outside CI a missing prerequisite skips; with CI=true it fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"prerequisite missing in CI: {what}")
    pytest.skip(f"prerequisite missing: {what}")


def sample_document(png: bytes | None = None, *, provisional: bool = True, **options) -> OfficialDocument:
    doc = OfficialDocument(TITLE, issuer=ISSUER, date=DATE, **options)
    doc.paragraph(OPENING)
    doc.heading1("一、基本情况")
    doc.heading2("（一）营养包发放")
    doc.paragraph(FIGURES)
    doc.table(HEADERS, ROWS, caption="主要指标完成情况")
    if png is not None:
        doc.image(png, width_cm=15, caption="营养包发放率逐月变化")
    doc.heading1("二、主要做法")
    for _ in range(8):
        doc.paragraph("共举办培训3期，培训村医86人次；开展健康教育活动12场次，覆盖2300余人次。")
    if provisional:  # added last on purpose: a notice still goes under the title
        doc.notice(provisional_notice(dt.date(2026, 11, 30)))
    return doc


def reopen(data: bytes):
    return Document(io.BytesIO(data))


def _sources(document, paragraph, kind: str) -> list:
    """``w:rPr`` or ``w:pPr`` elements from the most specific to the least: direct formatting,
    the paragraph's style chain, the document defaults."""
    sources = []
    style = paragraph.style
    while style is not None:
        sources.append(style.element.find(qn(f"w:{kind}")))
        style = style.base_style
    defaults = document.styles.element.find(qn("w:docDefaults"))
    sources.append(defaults.find(f"{qn(f'w:{kind}Default')}/{qn(f'w:{kind}')}"))
    return [s for s in sources if s is not None]


def _lookup(sources, tag: str, attr: str):
    for props in sources:
        el = props.find(qn(tag))
        if el is not None and el.get(qn(attr)) is not None:
            return el.get(qn(attr))
    return None


def effective_rpr(document, paragraph, tag: str, attr: str = "w:val", run=None):
    """The value a run of ``paragraph`` gets for ``rPr/tag/@attr`` (run, style chain, defaults)."""
    run = run if run is not None else paragraph.runs[0]
    direct = [run._r.rPr] if run._r.rPr is not None else []
    return _lookup(direct + _sources(document, paragraph, "rPr"), tag, attr)


def effective_ppr(document, paragraph, tag: str, attr: str = "w:val"):
    """The value ``paragraph`` gets for ``pPr/tag/@attr`` (direct, style chain, defaults)."""
    direct = [paragraph._p.pPr] if paragraph._p.pPr is not None else []
    return _lookup(direct + _sources(document, paragraph, "pPr"), tag, attr)


def tiny_png(width: int = 40, height: int = 20) -> bytes:
    """A valid grey PNG, without matplotlib or Pillow."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
