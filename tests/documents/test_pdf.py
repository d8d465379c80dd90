"""PDF through LibreOffice: pages, and the layout of a real page (title centred in the type
area, body indented two characters, page numbers at the bottom on the outside edge).

LibreOffice (``libreoffice-writer-nogui``) and poppler (``poppler-utils``: pdfinfo, pdftoppm) are
test prerequisites: missing, they skip here and fail in CI (``CI=true``)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import subprocess

import pytest
from lxml import etree

from jiceng.documents.official import pdf
from tests.documents.helpers import missing_prerequisite, sample_document, tiny_png

DPI = 72
PX_PER_MM = DPI / 25.4


@pytest.fixture(scope="module")
def soffice():
    path = pdf.soffice_path()
    if path is None:
        missing_prerequisite("LibreOffice (apt-get install libreoffice-writer-nogui)")
    return path


@pytest.fixture(scope="module")
def poppler():
    if not (shutil.which("pdfinfo") and shutil.which("pdftoppm")):
        missing_prerequisite("poppler (apt-get install poppler-utils)")


@pytest.fixture(scope="module")
def rendered(soffice):
    data = pdf.to_pdf(sample_document(tiny_png(600, 300)).render())
    assert data is not None, "LibreOffice is installed but produced no PDF (see the log)"
    return data


def page_count(data: bytes) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_pdf_has_pages(rendered):
    assert rendered.startswith(b"%PDF")
    assert page_count(rendered) >= 2  # the sample runs onto a second page


def _page_ink(data: bytes, page: int, tmp_path):
    """One page rendered at 72 dpi: width and height in pixels and a grid of dark pixels."""
    from PIL import Image

    source = tmp_path / "doc.pdf"
    source.write_bytes(data)
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-gray", "-r", str(DPI), "-f", str(page), "-l", str(page), "-png", "-singlefile", source, prefix],
        check=True,
        timeout=60,
    )
    img = Image.open(f"{prefix}.png").convert("L")
    width, height = img.size
    pixels = img.load()
    return width, height, [[pixels[x, y] < 140 for x in range(width)] for y in range(height)]


def _rows_with_ink(grid, x0_mm, x1_mm, y0_mm, y1_mm):
    rows = []
    for y in range(int(y0_mm * PX_PER_MM), min(int(y1_mm * PX_PER_MM), len(grid))):
        xs = [x for x in range(int(x0_mm * PX_PER_MM), min(int(x1_mm * PX_PER_MM), len(grid[0]))) if grid[y][x]]
        if xs:
            rows.append((y / PX_PER_MM, xs[0] / PX_PER_MM, xs[-1] / PX_PER_MM))
    return rows


def _lines(rows):
    """Group consecutive inked pixel rows into text lines: (top, bottom, left, right) in mm."""
    lines, current = [], []
    for row in rows:
        if current and row[0] - current[-1][0] > 1.5:  # lines are 10 mm apart, glyphs ~6 mm high
            lines.append(current)
            current = []
        current.append(row)
    if current:
        lines.append(current)
    return [(ln[0][0], ln[-1][0], min(r[1] for r in ln), max(r[2] for r in ln)) for ln in lines]


def test_page_one_looks_like_an_official_document(rendered, poppler, tmp_path):
    width, height, grid = _page_ink(rendered, 1, tmp_path)
    assert width / PX_PER_MM == pytest.approx(210, abs=1.5) and height / PX_PER_MM == pytest.approx(297, abs=1.5)
    everything = _rows_with_ink(grid, 0, 210, 0, 297)
    # Nothing in the top margin or the side margins; text starts at the type area's top.
    assert min(r[0] for r in everything) >= 36
    body = [r for r in everything if r[0] < 297 - 35]
    assert min(r[1] for r in body) >= 28 - 1.0
    assert max(r[2] for r in body) <= 210 - 26 + 1.0
    lines = _lines(_rows_with_ink(grid, 0, 210, 36, 297 - 35))
    # Title: the first line, centred between the margins (28 mm left, 26 mm right).
    title = lines[0]
    assert (title[2] + title[3]) / 2 == pytest.approx(28 + 156 / 2, abs=3)
    # Body lines start at the left margin, first lines of paragraphs two characters in.
    lefts = [ln[2] for ln in lines[3:]]
    assert any(left == pytest.approx(28, abs=1.5) for left in lefts)
    assert any(left == pytest.approx(28 + 2 * 5.54, abs=1.5) for left in lefts)
    # Page number: below the type area, about 7 mm down, on the right (odd page).
    number = _lines(_rows_with_ink(grid, 0, 210, 297 - 35, 297))
    assert len(number) == 1
    top, bottom, left, right = number[0]
    assert 297 - 35 + 3 <= (top + bottom) / 2 <= 297 - 35 + 11
    assert left > 150 and right <= 210 - 26 + 0.5


def test_even_pages_number_on_the_left(rendered, poppler, tmp_path):
    _w, _h, grid = _page_ink(rendered, 2, tmp_path)
    number = _lines(_rows_with_ink(grid, 0, 210, 297 - 35, 297))
    assert len(number) == 1
    _top, _bottom, left, right = number[0]
    assert left >= 28 - 0.5 and right < 60


def test_no_libreoffice_gives_none_and_says_why(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("JICENG_SOFFICE", str(tmp_path / "no-soffice"))
    with caplog.at_level(logging.WARNING, logger=pdf.__name__):
        assert pdf.to_pdf(b"PK") is None
    assert "not installed" in caplog.text


def _fake_soffice(tmp_path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in for soffice")
def test_a_hanging_libreoffice_is_stopped(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("JICENG_SOFFICE", _fake_soffice(tmp_path, "sleep 30"))
    with caplog.at_level(logging.ERROR, logger=pdf.__name__):
        assert pdf.to_pdf(b"PK", timeout=1) is None
    assert "did not finish within 1 s" in caplog.text


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in for soffice")
def test_a_failing_libreoffice_gives_none(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv(
        "JICENG_SOFFICE", _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 1")
    )
    with caplog.at_level(logging.ERROR, logger=pdf.__name__):
        assert pdf.to_pdf(b"not a docx") is None
    assert "could not be loaded" in caplog.text


def test_fontconfig_file_puts_stand_ins_after_the_named_fonts():
    root = etree.fromstring(pdf.fontconfig_file().encode())
    aliases = {a.findtext("family"): [f.text for f in a.find("accept")] for a in root.findall("alias")}
    assert aliases["仿宋_GB2312"][-1] == "Noto Serif CJK SC"
    assert aliases["黑体"][-1] == "Noto Sans CJK SC"
    assert {"方正小标宋简体", "楷体_GB2312", "宋体"} <= aliases.keys()
    assert root.find("include").text == "/etc/fonts/fonts.conf"
