"""Chart images: PNG bytes drawn in a CJK font (no empty boxes), gaps for missing values."""

from __future__ import annotations

import struct
import warnings

import pytest

from jiceng.documents.official import charts
from tests.documents.helpers import missing_prerequisite

MONTHS = [f"{m}月" for m in range(1, 13)]
THIS_YEAR = [80.1, 82.5, 84.0, 85.2, 86.9, None, 88.35, 87.9, 89.1, 90.2, 91.0, None]
LAST_YEAR = [78.0, 79.5, 81.0, 82.0, 83.3, 84.0, 85.0, 85.5, 86.0, 86.2, 86.25, 86.3]
VILLAGES = ["上坝村", "下坝村", "石门村", "青龙村", "白杨村", "河口村", "新华村"]
VALUES = [92.5, 88.1, 76.4, 95.0, None, 81.2, 69.9]


@pytest.fixture(scope="module")
def font():
    try:
        return charts.cjk_font()
    except charts.CJKFontMissing:
        missing_prerequisite("a CJK font (apt-get install fonts-noto-cjk)")


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def test_the_chart_font_has_every_glyph_the_charts_write(font):
    from matplotlib.ft2font import FT2Font

    family, path = font
    assert "CJK" in family or "Hei" in family or "Han" in family or "YaHei" in family
    face = next(e for e in charts.font_manager.fontManager.ttflist if e.fname == path and e.name == family)
    ft = FT2Font(path, face_index=face.index)
    text = "".join(MONTHS + VILLAGES) + "营养包发放率逐月变化各村排名目标本年上年无数据末位"
    missing = [c for c in set(text) if not ft.get_char_index(ord(c))]
    assert not missing


def test_trend_chart_is_a_png_at_print_resolution(font):
    data = charts.trend_chart(MONTHS, THIS_YEAR, LAST_YEAR, "营养包发放率逐月变化", target=85.0)
    width, height = png_size(data)
    assert width >= 1200 and height >= 600  # 6.3 × 3.3 in at 200 dpi


def test_trend_chart_without_last_year_target_or_any_value(font):
    assert png_size(charts.trend_chart(MONTHS[:3], [50.0, None, 60.0], [], "随访率"))
    assert png_size(charts.trend_chart(MONTHS[:3], [None, None, None], [None] * 3, "随访率", target=None))
    assert png_size(charts.trend_chart(["一季度", "二季度"], [120.0, 340.0], [100.0, 90.0], "培训人次", unit="人次"))


def test_bar_ranking_chart_grows_with_the_number_of_units(font):
    few = charts.bar_ranking_chart(VILLAGES[:3], VALUES[:3], 85.0, "各村营养包发放率")
    many = charts.bar_ranking_chart(VILLAGES * 3, VALUES * 3, 85.0, "各村营养包发放率")
    assert png_size(many)[1] > png_size(few)[1]
    assert png_size(charts.bar_ranking_chart(["甲村"], [None], None, "无数据的村"))


def test_no_stray_state_between_charts(font):
    """The same input gives the same picture (no leftover pyplot state)."""
    a = charts.bar_ranking_chart(VILLAGES, VALUES, 85.0, "排名")
    charts.trend_chart(MONTHS, THIS_YEAR, LAST_YEAR, "趋势", 85.0)
    b = charts.bar_ranking_chart(VILLAGES, VALUES, 85.0, "排名")
    assert a == b


def test_chinese_text_is_drawn_not_boxes(font):
    """matplotlib warns "Glyph … missing from font(s)" for every character it draws as an empty
    box; drawing both charts with Chinese everywhere must not warn."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.trend_chart(MONTHS, THIS_YEAR, LAST_YEAR, "营养包发放率逐月变化（2026年与2025年）", target=85.0)
        charts.bar_ranking_chart(VILLAGES, VALUES, 85.0, "各村营养包发放率排名")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    # …and the check would catch a box: a private-use character has no glyph.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.bar_ranking_chart(["\ue000"], [1.0], None, "排名")
    assert [w for w in caught if "missing from font" in str(w.message)]


def test_bad_input():
    with pytest.raises(ValueError):
        charts.trend_chart([], [], [], "空")
    with pytest.raises(ValueError):
        charts.trend_chart(MONTHS, THIS_YEAR[:3], [], "长度不符")
    with pytest.raises(ValueError):
        charts.bar_ranking_chart(["甲村", "乙村"], [1.0], None, "长度不符")


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("JICENG_CJK_FONT", str(tmp_path / "none.ttf"))
    charts.cjk_font.cache_clear()
    try:
        with pytest.raises(charts.CJKFontMissing, match="JICENG_CJK_FONT"):
            charts.cjk_font()
    finally:
        monkeypatch.delenv("JICENG_CJK_FONT")
        charts.cjk_font.cache_clear()
