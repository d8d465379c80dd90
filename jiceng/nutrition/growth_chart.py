"""A small server-drawn SVG chart of a child's z-scores over follow-up visits (no JavaScript,
no external assets). The dashed line at −2 is the stunting / underweight / wasting cut-off."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 640, 240, 40, 16, 16, 34
Z_MIN, Z_MAX = -4.0, 3.0
SERIES = (
    ("haz", "身长/身高别年龄 HAZ", "#0b6e4f"),
    ("waz", "年龄别体重 WAZ", "#175cd3"),
    ("whz", "身长/身高别体重 WHZ", "#b54708"),
)


def _y(z: float) -> float:
    z = max(Z_MIN, min(Z_MAX, z))
    return PAD_TOP + (Z_MAX - z) / (Z_MAX - Z_MIN) * (HEIGHT - PAD_TOP - PAD_BOTTOM)


def zscore_chart_svg(cards) -> str:
    if not cards:
        return ""
    first, last = cards[0].visited_on, cards[-1].visited_on
    span = max((last - first).days, 1)

    def x(card) -> float:
        if len(cards) == 1:
            return (WIDTH + PAD_LEFT) / 2
        return PAD_LEFT + (card.visited_on - first).days / span * (WIDTH - PAD_LEFT - PAD_RIGHT)

    parts = [
        f'<svg class="growth-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Z评分变化" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11">'
    ]
    for z in range(int(Z_MIN), int(Z_MAX) + 1):
        y = _y(z)
        dash = ' stroke-dasharray="4 3" stroke="#b42318"' if z == -2 else ' stroke="#e4e7ec"'
        parts.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"{dash}/>')
        parts.append(f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#616e7c">{z:+d}</text>')
    for field, _label, colour in SERIES:
        points = [
            (x(c), _y(getattr(c, field)))
            for c in cards
            if getattr(c, field) is not None and not getattr(c, f"{field}_flag")
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>' for px, py in points]
    parts.append(f'<text x="{PAD_LEFT}" y="{HEIGHT - 8}" fill="#616e7c">{first:%Y-%m-%d}</text>')
    if len(cards) > 1:
        parts.append(
            f'<text x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 8}" text-anchor="end" fill="#616e7c">{last:%Y-%m-%d}</text>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="legend-item"><i style="background:{colour}"></i>{escape(label)}</span>'
        for _field, label, colour in SERIES
    )
    return (
        "".join(parts)
        + f'<div class="legend">{legend}<span class="legend-item"><i class="cut"></i>−2 界值</span></div>'
    )
