"""Checklists (检查表) as pack files: any YAML file under ``jiceng/packs/<programme>/`` with a top-level
``checklist:`` key, items grouped by topic (``topics:``), each with its score (分值) and what counts as a
finding when it is not met. A checklist is checked when it loads: a missing key, a duplicate code, a score
that is not a positive number or a level that does not exist is refused with the file and line.

The pipeline's pack loader (``jiceng.reporting.packs``) reads only the keys it knows, so a checklist file
can sit beside a programme's forms and indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from jiceng.orgunits.models import Level
from jiceng.reporting.packs import PACKS_DIR, PackError, _LineLoader, _where


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    topic: str
    text: str
    score: Decimal  # 分值: full marks for the item
    finding: str  # what is written as the finding when the item is not met


@dataclass(frozen=True)
class Checklist:
    code: str
    name: str
    programme: str
    inspected_level: str  # the level of the units it is for (village clinics)
    items: tuple[ChecklistItem, ...]
    reference: str = ""
    subject: str = ""  # what was checked, as the notice writes it (营养包项目工作)

    @property
    def max_score(self) -> Decimal:
        return sum((i.score for i in self.items), Decimal(0))

    def item(self, code: str) -> ChecklistItem:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    @property
    def topics(self) -> list[tuple[str, list[ChecklistItem]]]:
        grouped: dict[str, list[ChecklistItem]] = {}
        for item in self.items:
            grouped.setdefault(item.topic, []).append(item)
        return list(grouped.items())


def _score(value, where: str) -> Decimal:
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PackError(f"{where}：分值应为数字，收到 {value!r}") from None
    if not score.is_finite() or score <= 0 or score > 1000 or score != score.quantize(Decimal("0.1")):
        raise PackError(f"{where}：分值应为大于0、不超过1000、最多一位小数的数，收到 {value!r}")
    return score


def load_checklist_file(path: Path, programme: str) -> Checklist:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe loader subclass)
    meta = raw.get("checklist") or {}
    for key in ("code", "name", "inspected_level"):
        if not meta.get(key):
            raise PackError(f"{_where(path, meta) if meta else path.name}：检查表缺少 {key}")
    if meta["inspected_level"] not in Level.values:
        raise PackError(f"{_where(path, meta)}：inspected_level 应为 {'、'.join(Level.values)} 之一")
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for topic in raw.get("topics") or []:
        if not topic.get("name") or not topic.get("items"):
            raise PackError(f"{_where(path, topic)}：每个检查类别需要 name 和 items")
        for item in topic["items"]:
            where = _where(path, item)
            for key in ("code", "text", "score", "finding"):
                if item.get(key) in (None, ""):
                    raise PackError(f"{where}：检查项缺少 {key}")
            code = str(item["code"])
            if code in seen:
                raise PackError(f"{where}：检查项代码 {code} 重复")
            seen.add(code)
            items.append(
                ChecklistItem(
                    code, str(topic["name"]), str(item["text"]), _score(item["score"], where), str(item["finding"])
                )
            )
    if not items:
        raise PackError(f"{path.name}：检查表没有检查项")
    return Checklist(
        str(meta["code"]),
        str(meta["name"]),
        str(meta.get("programme") or programme),
        meta["inspected_level"],
        tuple(items),
        str(meta.get("reference", "")),
        str(meta.get("subject") or meta["name"]),
    )


def load_checklists(directory: Path) -> dict[str, Checklist]:
    found: dict[str, Checklist] = {}
    for path in sorted(directory.glob("*/*.yaml")):
        if not any(line.startswith("checklist:") for line in path.read_text(encoding="utf-8").splitlines()):
            continue
        checklist = load_checklist_file(path, path.parent.name)
        if checklist.code in found:
            raise PackError(f"{path.name}：检查表代码 {checklist.code} 与其他检查表重复")
        found[checklist.code] = checklist
    return found


@cache
def all_checklists() -> dict[str, Checklist]:
    return load_checklists(PACKS_DIR)


def find_checklist(code: str | None) -> Checklist | None:
    """The checklist with this code, or None (for codes that came from a user)."""
    return all_checklists().get(str(code or "").strip())
