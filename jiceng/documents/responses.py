"""The one way a page hands out a generated file (:class:`jiceng.documents.files.RenderedFile`).

``file_response`` names the file for every browser (RFC 6266/5987 ``filename*=UTF-8''…`` with an ASCII
fallback), makes it an attachment that is never cached or sniffed, and writes the export to the audit trail
unless the renderer already did — so an export is logged exactly once.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import HttpResponse

from jiceng.audit.recorder import record
from jiceng.documents.files import RenderedFile


def ascii_filename(filename: str) -> str:
    """A plain-ASCII stand-in for clients that ignore ``filename*``: "上坝乡_2026-10_月报表.xlsx" → "2026-10.xlsx"."""
    path = PurePosixPath(filename)
    suffix = re.sub(r"[^A-Za-z0-9.]", "", path.suffix)
    stem = re.sub(r"[^A-Za-z0-9.-]+", "_", path.stem).strip("_.-")
    return f"{stem or 'download'}{suffix}"


def content_disposition(filename: str) -> str:
    return f"attachment; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    request,
    rendered: RenderedFile,
    *,
    audit_action: str | None = None,
    unit=None,
    audit_details: dict | None = None,
) -> HttpResponse:
    """The download of ``rendered``. With ``audit_action``, the export is logged (who, unit, file, rows,
    ``audit_details``) unless the renderer logged it already; personal data never leaves unlogged."""
    if not rendered.audited:
        if audit_action:
            record(
                actor=request.user,
                action=audit_action,
                object_type="export",
                object_repr=rendered.filename,
                unit=unit,
                after={"file": rendered.filename, "rows": rendered.rows, **(audit_details or {})},
            )
        elif rendered.personal_data:
            raise ValueError(f"{rendered.filename}: personal data leaves the system only with an audit row")
    response = HttpResponse(rendered.content, content_type=rendered.mimetype)
    response["Content-Disposition"] = content_disposition(rendered.filename)
    response["Content-Length"] = str(len(rendered.content))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
