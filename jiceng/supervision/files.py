"""Photos and evidence files: checked, cleaned and kept under the data directory.

A photo is opened with Pillow (a file that is not an image is refused), turned upright by its EXIF
orientation, shrunk to at most :data:`PHOTO_MAX_SIDE` pixels and saved again as JPEG *without* any EXIF
(so the GPS position a phone writes into a picture never leaves the clinic). Other evidence (a scanned
letter) may be a PDF only. Anything larger than :data:`MAX_UPLOAD_BYTES` is refused before it is read.
Files are stored as ``<data dir>/supervision/<county code>/<yyyy>/<random>.jpg``; the database keeps the
relative path, and pages serve a file only to someone who may see the record or finding it belongs to.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from jiceng.errors import DomainError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # a phone photo is 2–6 MB
MAX_FILES = 6  # photos or files with one record or one reply
PHOTO_MAX_SIDE = 1600
MAX_PIXELS = 50_000_000  # a larger picture is refused (a decompression bomb or not a photo)
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class Prepared:
    kind: str  # photo | file
    content: bytes
    name: str
    content_type: str
    suffix: str


def data_root() -> Path:
    return Path(settings.DATA_DIR) / "supervision"


def _name(upload) -> str:
    name = Path(str(getattr(upload, "name", "") or "upload")).name
    name = "".join(ch for ch in name if ch.isprintable())[:120]
    return name or "upload"


def prepare(upload) -> Prepared:
    """Check one uploaded file and return what will be stored; a refusal names the file, nothing is kept."""
    name = _name(upload)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise DomainError(
            {"photos": [f"{name}：文件大小 {size / 1024 / 1024:.1f} MB 超过上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB"]}
        )
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError({"photos": [f"{name}：文件大小超过上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB"]})
    if not data:
        raise DomainError({"photos": [f"{name}：文件是空的"]})
    if data.startswith(PDF_MAGIC):
        return Prepared("file", data, name, "application/pdf", ".pdf")
    return Prepared("photo", _clean_photo(data, name), name, "image/jpeg", ".jpg")


def _clean_photo(data: bytes, name: str) -> bytes:
    refused = DomainError({"photos": [f"{name}：不是可识别的图片（请上传 JPG、PNG 照片或 PDF 文件）"]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise DomainError({"photos": [f"{name}：图片像素过大（{probe.width}×{probe.height}）"]})
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=82, optimize=True)  # no exif= : nothing of the original
                return out.getvalue()
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise refused from None


def prepare_all(uploads) -> list[Prepared]:
    uploads = [u for u in uploads or [] if u]
    if len(uploads) > MAX_FILES:
        raise DomainError({"photos": [f"一次最多上传 {MAX_FILES} 个文件，收到 {len(uploads)} 个"]})
    return [prepare(u) for u in uploads]


def store(prepared: Prepared, county_code: str) -> str:
    """Write the file and return its path relative to the data directory."""
    year = timezone.localdate().year
    folder = data_root() / county_code / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{secrets.token_hex(16)}{prepared.suffix}"
    (folder / filename).write_bytes(prepared.content)
    return f"supervision/{county_code}/{year}/{filename}"


def absolute(relative: str) -> Path:
    path = (Path(settings.DATA_DIR) / relative).resolve()
    if not path.is_relative_to(data_root().resolve()):
        raise FileNotFoundError(relative)
    return path
