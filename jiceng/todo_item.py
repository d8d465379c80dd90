"""One line of a person's to-do list on the home page.

A leaf module: every area (reporting, nutrition, stock, ...) builds these in its own ``todo.items_for`` and
``jiceng.web.todo.todo_for`` gathers them, so the type lives below all of them and imports nothing of the apps.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TodoItem:
    title: str
    detail: str
    url: str
    urgent: bool = False
