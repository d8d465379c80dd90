"""The one contract of a generated file (an export, a template, a document): what a renderer returns.

A leaf module (standard library only), so renderers at any layer build it and the pages, API and CLI all
read it the same way; :func:`jiceng.documents.responses.file_response` turns it into a download.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedFile:
    filename: str  # as the user sees it, Chinese allowed, never URL-quoted ("上坝乡_2026-10_月报表.xlsx")
    mimetype: str
    content: bytes
    personal_data: bool = False  # names, ID numbers, phones: never cached, never unaudited
    rows: int | None = None  # data rows in the file, for the audit trail (None: not a table)
    audited: bool = False  # the renderer has already written the export's audit row

    def __post_init__(self):
        if not self.filename or "/" in self.filename or "\\" in self.filename:
            raise ValueError(f"not a file name: {self.filename!r}")
