"""Charts as PNG bytes for official documents, drawn with matplotlib (Agg, no display) in a CJK
font found on the machine.

- :func:`trend_chart`: a rate month by month, this year against last year, with the target;
- :func:`bar_ranking_chart`: units ranked by a value, the bottom units highlighted, with the
  target.

Values are what the indicator module computed; a value that could not be computed is ``None``
and is left out (a gap in a line, ``无数据`` in a ranking), never drawn as 0.

The font: ``JICENG_CJK_FONT`` (a font file) if set, else the first installed of
:data:`PREFERRED_FAMILIES` (fontconfig's list on Linux, then matplotlib's own scan of the system
font folders, which also covers Windows), else any font fontconfig reports for Chinese. No CJK
font raises :class:`CJKFontMissing` with the fix, instead of drawing empty boxes (tofu).

matplotlib's settings are process-global, so drawing holds a lock (the web server runs threads).
"""

from __future__ import annotations

import functools
import io
import math
import os
import shutil
import subprocess
import threading
from collections.abc import Collection, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

# Families that carry the simplified-Chinese glyph forms, best first.
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "Noto Serif CJK SC",
    "SimSun",
)
_CHECK_TEXT = "发放率村卫生室"  # must all have glyphs in the chosen face

THIS_YEAR_COLOR, LAST_YEAR_COLOR, TARGET_COLOR = "#1f4e9c", "#9a9a9a", "#c0392b"
BAR_COLOR, LOW_COLOR = "#4a78c2", "#d9822b"
DPI = 200
_lock = threading.Lock()


class CJKFontMissing(RuntimeError):
    """No font with Chinese glyphs on this machine."""


def _has_glyphs(path: str, index: int = 0) -> bool:
    try:
        font = FT2Font(path, face_index=index)
        return all(font.get_char_index(ord(c)) for c in _CHECK_TEXT)
    except Exception:  # unreadable or unsupported font file
        return False


def _fc_list() -> list[tuple[str, list[str]]]:
    """``(file, families)`` for every font fontconfig says covers Chinese, regular faces first."""
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, "--format", "%{file}\t%{family}\t%{style}\n", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    entries = []
    for line in out.splitlines():
        file, _, rest = line.partition("\t")
        families, _, styles = rest.partition("\t")
        if file.strip():
            regular = any(s.strip() in ("Regular", "Book", "Normal") for s in styles.split(","))
            entries.append((not regular, file.strip(), [f.strip() for f in families.split(",") if f.strip()]))
    entries.sort(key=lambda e: e[0])  # stable: fontconfig's order within regular and the rest
    return [(file, families) for _, file, families in entries]


@functools.cache
def cjk_font() -> tuple[str, str]:
    """``(family, file)`` of the CJK font the charts use, registered with matplotlib."""
    explicit = os.environ.get("JICENG_CJK_FONT")
    candidates: list[str] = []
    if explicit:
        if not Path(explicit).is_file():
            raise CJKFontMissing(f"JICENG_CJK_FONT 指向的字体文件不存在：{explicit}")
        candidates.append(explicit)
    else:
        fc = _fc_list()
        for family in PREFERRED_FAMILIES:
            candidates += [file for file, families in fc if family in families]
        if not candidates:  # no fontconfig (Windows) or nothing it knows: scan the font folders
            by_name = {}
            for path in font_manager.findSystemFonts():
                try:
                    names = {font_manager.get_font(path).family_name}
                except Exception:  # unreadable font file
                    continue
                for name in names:
                    by_name.setdefault(name, path)
            candidates += [by_name[f] for f in PREFERRED_FAMILIES if f in by_name]
        candidates += [file for file, _ in fc]
    for path in dict.fromkeys(candidates):
        family = _register(path)
        if family:
            return family, path
    raise CJKFontMissing(
        "找不到中文字体，图表无法绘制。请安装 Noto CJK 字体（Debian/Ubuntu：apt-get install fonts-noto-cjk），"
        "或用环境变量 JICENG_CJK_FONT 指定一个中文字体文件。"
    )


def _register(path: str) -> str | None:
    """Add the font file to matplotlib and return the family of a face with Chinese glyphs,
    preferring a simplified-Chinese face in a collection (.ttc)."""
    try:
        font_manager.fontManager.addfont(path)
    except Exception:  # unreadable font file
        return None
    real = os.path.realpath(path)
    faces = [e for e in font_manager.fontManager.ttflist if os.path.realpath(e.fname) == real]
    faces.sort(key=lambda e: (e.name not in PREFERRED_FAMILIES, e.weight not in (400, "normal", "regular")))
    for face in faces:
        if _has_glyphs(face.fname, getattr(face, "index", 0)):
            return face.name
    return None


def _rc() -> dict:
    family, _ = cjk_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def _number(value: float, unit: str) -> str:
    """A value as the text writes it: rates with two decimals (88.35%), whole counts without."""
    if unit != "%" and float(value).is_integer():
        return f"{value:,.0f}{unit}"
    return f"{value:,.2f}{unit}"


def _tick(value: float, unit: str) -> str:
    """An axis tick: no trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".") + unit


def _clean(values: Sequence[float | None]) -> list[float]:
    """``None`` (and NaN) become NaN, which matplotlib leaves out."""
    return [math.nan if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values]


def trend_chart(
    months: list[str],
    this_year: list[float | None],
    last_year: list[float | None],
    title: str,
    target: float | None = None,
    unit: str = "%",
    *,
    this_label: str = "本年",
    last_label: str = "上年",
) -> bytes:
    """Line chart, month by month: this year (solid, values labelled), last year (dashed grey),
    the target (red dashed line). ``None`` is a gap. Returns PNG bytes."""
    if not months:
        raise ValueError("trend_chart 需要至少一个月份")
    for name, series in (("this_year", this_year), ("last_year", last_year)):
        if series and len(series) != len(months):
            raise ValueError(f"{name} 有{len(series)}个值，月份有{len(months)}个")
    with _lock, matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(6.3, 3.3), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        x = list(range(len(months)))
        current = _clean(this_year) if this_year else []
        previous = _clean(last_year) if last_year else []
        if previous:
            ax.plot(x, previous, color=LAST_YEAR_COLOR, linestyle="--", marker="o", markersize=3, label=last_label)
        if current:
            ax.plot(x, current, color=THIS_YEAR_COLOR, linewidth=2, marker="o", markersize=4, label=this_label)
            for xi, v in zip(x, current, strict=True):
                if not math.isnan(v):
                    ax.annotate(
                        _number(v, unit),
                        (xi, v),
                        textcoords="offset points",
                        xytext=(0, 6),
                        ha="center",
                        fontsize=7,
                        color=THIS_YEAR_COLOR,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3},
                        zorder=4,
                    )
        if target is not None:
            ax.axhline(target, color=TARGET_COLOR, linestyle=":", linewidth=1.5, label=f"目标 {_tick(target, unit)}")
        ax.set_xticks(x, months)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick(v, unit)))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        values = [v for v in current + previous + ([target] if target is not None else []) if not math.isnan(v)]
        if values:
            low, high = min(values), max(values)
            pad = max((high - low) * 0.15, 1.0 if unit == "%" else abs(high) * 0.05 or 1.0)
            top = high + pad * 1.4
            if unit == "%" and high <= 100:
                top = min(top, 105.0)
            ax.set_ylim(max(low - pad, 0.0) if low >= 0 else low - pad, top)
        ax.set_title(title)
        if ax.get_legend_handles_labels()[0]:
            fig.legend(loc="outside lower center", frameon=False, fontsize=8, ncols=3)
        return _png(fig)


def bar_ranking_chart(
    names: list[str],
    values: list[float | None],
    target: float | None,
    title: str,
    *,
    unit: str = "%",
    highlight_bottom: int = 3,
    highlight: Collection[str] | None = None,
) -> bytes:
    """Horizontal bars, highest at the top; the ``highlight_bottom`` lowest units in orange, or, when the
    caller has ranked them (``jiceng.indicators.compute.lagging``), the units named in ``highlight``;
    the target as a red dashed line; units without a value at the end, marked 无数据.
    Returns PNG bytes."""
    if len(names) != len(values):
        raise ValueError(f"names 有{len(names)}个，values 有{len(values)}个")
    if not names:
        raise ValueError("bar_ranking_chart 需要至少一个单位")
    known = sorted(
        ((n, v) for n, v in zip(names, _clean(values), strict=True) if not math.isnan(v)),
        key=lambda item: -item[1],
    )
    missing = [n for n, v in zip(names, _clean(values), strict=True) if math.isnan(v)]
    if highlight is not None:
        low = set(highlight)
    else:
        low = (
            {n for n, _ in known[-highlight_bottom:]}
            if highlight_bottom > 0 and len(known) > highlight_bottom
            else set()
        )
    rows = [*known, *((n, math.nan) for n in missing)]
    with _lock, matplotlib.rc_context(_rc()):
        height = min(max(1.6 + 0.28 * len(rows), 2.4), 9.0)
        fig = Figure(figsize=(6.3, height), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        y = list(range(len(rows)))[::-1]  # first row at the top
        widths = [0.0 if math.isnan(v) else v for _, v in rows]
        colors = [LOW_COLOR if n in low else BAR_COLOR for n, _ in rows]
        ax.barh(y, widths, color=colors, height=0.62)
        top = max([v for _, v in known] + ([target] if target is not None else []) + [0.0])
        for yi, (_name, v) in zip(y, rows, strict=True):
            label = "无数据" if math.isnan(v) else _number(v, unit)
            ax.text(
                (0 if math.isnan(v) else v) + top * 0.01,
                yi,
                label,
                va="center",
                fontsize=7,
                color="#777777" if math.isnan(v) else "#333333",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
                zorder=4,
            )
        if target is not None:
            ax.axvline(
                target, color=TARGET_COLOR, linestyle="--", linewidth=1.2, zorder=3, label=f"目标 {_tick(target, unit)}"
            )
        ax.set_yticks(y, [n for n, _ in rows])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick(v, unit)))
        ax.set_xlim(0, (top or 1.0) * 1.12)
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(title)
        handles, labels = ax.get_legend_handles_labels()
        if low:
            from matplotlib.patches import Patch

            handles.append(Patch(color=LOW_COLOR))
            labels.append(f"末{len(low)}位")
        if handles:
            fig.legend(handles, labels, loc="outside lower center", frameon=False, fontsize=8, ncols=2)
        return _png(fig)
