"""How far a long piece of work has got: phases with a count, reported to whoever is watching.

Code that can run long (an Excel import, a whole county's reports, a PDF) calls :func:`phase` and
:func:`advance`; a background job (:mod:`jiceng.jobs`) installs a reporter with :func:`watching`
and shows it as a progress bar. Outside a job both calls cost one context-variable look-up.

A phase covers a share of the whole bar (``span``): reading a file might be 0–15 %, checking
15–30 %, saving 30–100 %. ``total`` None: the count is not known in advance (rows being read).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Reporter(Protocol):
    def phase(self, label: str, total: int | None, span: tuple[float, float]) -> None: ...

    def advance(self, n: int) -> None: ...


_current: ContextVar[Reporter | None] = ContextVar("jiceng_progress", default=None)


def phase(label: str, total: int | None = None, span: tuple[float, float] = (0.0, 1.0)) -> None:
    """A new step begins: ``label`` in Chinese (读取文件, 检查, 保存), ``total`` items, its share of the bar."""
    reporter = _current.get()
    if reporter is not None:
        reporter.phase(label, total, span)


def advance(n: int = 1) -> None:
    """``n`` more items of the current phase are done."""
    reporter = _current.get()
    if reporter is not None:
        reporter.advance(n)


@contextmanager
def watching(reporter: Reporter) -> Iterator[Reporter]:
    """Report every :func:`phase` and :func:`advance` inside the block to ``reporter``."""
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)
