"""Official-format documents (GB/T 9704-2012 党政机关公文格式): the .docx builder, chart images
rendered with a CJK font, and PDF conversion through LibreOffice when it is installed.

This package knows nothing about the data. A generator (the work summary, the quarterly
analysis) computes its figures elsewhere and hands text, tables and chart images to
:class:`~jiceng.documents.official.docx_builder.OfficialDocument`.

``charts`` imports matplotlib lazily, so importing this package does not need it.
"""

from jiceng.documents.official.docx_builder import (
    DOCX_MIMETYPE,
    OfficialDocument,
    cn_numeral,
    date_text,
    provisional_notice,
)

__all__ = ["DOCX_MIMETYPE", "OfficialDocument", "cn_numeral", "date_text", "provisional_notice"]
