"""Checks an author's text against the data: a figure the data no longer supports is flagged."""

from __future__ import annotations

import re
from dataclasses import dataclass

# numbers a reader takes as figures: rates, and counts followed by a unit of people, packs or events
FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(%|‰|个百分点|包|人次|名|场次|期|份)")


@dataclass(frozen=True)
class Flag:
    section: str
    figure: str
    message: str


def figures_in(text: str) -> list[str]:
    return [m.group(0).replace(" ", "") for m in FIGURE.finditer(text or "")]


def unsupported_figures(
    sections: dict[str, str], current: dict[str, str], previous: dict[str, str] | None = None
) -> list[Flag]:
    """Figures in the text that match no figure computed from the data now.

    ``current``/``previous`` map figure keys to the figures as the writer wrote them now / when the text was
    generated; a figure that was right then and is not now is reported as changed."""
    supported = {_bare(v) for v in current.values()}
    was = {_bare(v): k for k, v in (previous or {}).items()}
    flags = []
    for key, text in sections.items():
        for figure in figures_in(text):
            number = _bare(figure)
            if number in supported or _is_small_count(figure):
                continue
            if number in was and was[number] in current:
                message = f"数据已更新：{figure} 现为 {current[was[number]]}"
            else:
                message = f"“{figure}”与当前数据不符，无法由数据支持"
            flags.append(Flag(key, figure, message))
    return flags


def _bare(text: str) -> str:
    match = re.match(r"\d+(?:\.\d+)?", text.replace(" ", ""))
    return match.group(0) if match else text


def _is_small_count(figure: str) -> bool:
    """Counts of report forms and problem items (e.g. "迟报3份") come from lists, not the figure table."""
    return figure.endswith("份") or figure.endswith("期") and len(figure) <= 3
