"""The rectification notice (整改通知书) as a GB/T 9704 .docx, built with the official-document builder:
number, the unit, every finding with its checklist item and the inspection photos, the deadline and
the issuer. Same contract as every generated file: ``render_notice(notice) -> RenderedFile``."""

from __future__ import annotations

import io

from PIL import Image

from jiceng.documents.files import RenderedFile
from jiceng.documents.official import OfficialDocument, cn_numeral, date_text
from jiceng.supervision import files
from jiceng.supervision.bulletins import issuer_name, title_lines
from jiceng.supervision.checklists import find_checklist
from jiceng.supervision.models import Attachment, Notice

PHOTOS_PER_FINDING = 2


def points(value) -> str:
    """90.0 → 90, 87.5 → 87.5."""
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"


def _png(path: str) -> bytes | None:
    try:
        with Image.open(files.absolute(path)) as image:
            image.thumbnail((900, 900))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG")
            return out.getvalue()
    except (OSError, ValueError):
        return None  # a photo missing from the disk is left out, never a broken document


def build_notice(notice: Notice) -> OfficialDocument:
    findings = list(notice.findings.select_related("record").order_by("id"))
    issuer = issuer_name(notice.issued_by, notice.issuer_unit)
    doc = OfficialDocument(
        title_lines(f"关于{notice.unit.display_name}", "限期整改的通知"), issuer=issuer, date=notice.issued_on
    )
    doc.notice(notice.number_text)
    doc.paragraph(f"{notice.unit.display_name}：").paragraph_format.first_line_indent = 0
    records = {f.record for f in findings if f.record is not None}
    if records:
        rec = sorted(records, key=lambda r: r.inspected_on)[0]
        checklist = find_checklist(rec.checklist)
        what = checklist.subject if checklist else "相关工作"
        doc.paragraph(
            f"{date_text(rec.inspected_on)}，{issuer}对你单位{what}进行了督导检查"
            f"（检查人员：{rec.inspectors}；得分{points(rec.score)}分，满分{points(rec.max_score)}分），"
            f"发现问题{len(findings)}个。现将有关问题通知如下，请认真整改。"
        )
    else:
        doc.paragraph(f"经{issuer}核查，你单位存在以下{len(findings)}个问题，现通知如下，请认真整改。")
    doc.heading1("一、存在的问题")
    photos_by_record: dict[int, list[Attachment]] = {}
    for n, finding in enumerate(findings, start=1):
        item = ""
        if finding.record is not None and finding.item_code:
            checklist = find_checklist(finding.record.checklist)
            try:
                item = f"（检查项{finding.item_code}：{checklist.item(finding.item_code).text}）" if checklist else ""
            except KeyError:
                item = ""
        doc.paragraph(f"（{cn_numeral(n)}）{finding.description}{item}")
    for rec in records:
        photos_by_record[rec.pk] = [a for a in rec.attachments.all() if a.kind == Attachment.Kind.PHOTO]
    photos = [p for ps in photos_by_record.values() for p in ps][: PHOTOS_PER_FINDING * max(1, len(findings))]
    for photo in photos:
        png = _png(photo.path)
        if png is not None:
            doc.image(png, width_cm=10, caption=f"检查现场照片（{notice.unit.display_name}）")
    doc.heading1("二、整改要求")
    doc.paragraph(
        f"请你单位于{date_text(notice.deadline)}前完成整改，并将整改情况（附照片等佐证材料）"
        f"通过基层卫健通反馈{issuer}。{issuer}将对整改情况进行复查，复查合格后予以销号；"
        "逾期未整改或整改不到位的，将予以通报，并依照有关规定处理。"
    )
    doc.paragraph(f"联系人：{notice.issuer_name}")
    return doc


def render_notice(notice: Notice) -> RenderedFile:
    filename = f"{notice.unit.name}_整改通知书_{notice.year}-{notice.number}.docx"
    return build_notice(notice).to_file(filename)
