"""Helpers for the supervision tests: photos with EXIF, a filled checklist, the data directory in tmp."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from jiceng.supervision import actions
from jiceng.supervision.checklists import find_checklist
from tests.reporting.conftest import registers  # noqa: F401 (the work-summary test needs register data)

CHECKLIST = "NUT_VILLAGE_CLINIC"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def today() -> dt.date:
    return timezone.localdate()


def photo_bytes(width=3000, height=2000, gps=True) -> bytes:
    """A JPEG as a phone writes it: large, with an EXIF GPS position and a camera model."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "TestPhone 12"  # Model
    if gps:
        exif[0x8825] = {1: "N", 2: (26.0, 15.0, 30.0), 3: "E", 4: (107.0, 31.0, 12.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(name="现场.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, photo_bytes() if content is None else content, content_type=content_type)


def record_data(unmet=("B2", "B3"), **overrides) -> actions.RecordData:
    checklist = find_checklist(CHECKLIST)
    items = {
        item.code: actions.ItemInput(
            score=(item.score - 5) if item.code in unmet else item.score,
            met=item.code not in unmet,
            remark="温湿度记录10月缺12天" if item.code == "B2" and "B2" in unmet else "",
        )
        for item in checklist.items
    }
    values = {
        "checklist": CHECKLIST,
        "inspected_on": today(),
        "inspectors": "张院长、李管理员",
        "representative": "王村医",
        "items": items,
    }
    values.update(overrides)
    return actions.RecordData(**values)


def inspect(tree, photos=(), **overrides):
    return actions.record_inspection(
        record_data(**overrides), unit=tree.village_a1, acting_user=tree.township_reviewer, photos=photos
    )
