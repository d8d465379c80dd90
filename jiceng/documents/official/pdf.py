"""PDF from a .docx through LibreOffice (``soffice --headless --convert-to pdf``), when it is
installed. LibreOffice is an optional prerequisite (Debian: ``libreoffice-writer-nogui``):
without it :func:`to_pdf` returns ``None`` and logs why, and the caller offers the .docx only.

Each conversion runs in its own temporary directory with its own LibreOffice user profile, so
conversions can run side by side and never touch the profile of a user on the machine.

Fonts. The document names the GB/T 9704 fonts (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体,
宋体), which a Linux server rarely has. Left to itself LibreOffice then sets everything in one
sans-serif face (often the Japanese variant of Noto Sans CJK). The conversion therefore runs with
a fontconfig file that includes the system configuration and adds, *after* each named font
(``<accept>``: a font that is installed still wins), the faces that stand in for it: the Windows
and common Linux names of the same style, then Noto Serif CJK SC for the 宋/仿宋/楷 faces and
Noto Sans CJK SC for 黑体 (Debian: ``fonts-noto-cjk``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120  # seconds; a first start of LibreOffice with a fresh profile takes a few
PDF_MIMETYPE = "application/pdf"

_WINDOWS_CANDIDATES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)
_SERIF, _SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"
# Named font -> the faces that may stand in for it, best first.
FONT_STAND_INS: dict[str, tuple[str, ...]] = {
    "方正小标宋简体": ("方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "SimSun", "宋体", "Source Han Serif SC", _SERIF),
    "仿宋_GB2312": ("FangSong_GB2312", "FangSong", "仿宋", "Source Han Serif SC", _SERIF),
    "仿宋": ("FangSong", "仿宋_GB2312", "Source Han Serif SC", _SERIF),
    "楷体_GB2312": ("KaiTi_GB2312", "KaiTi", "楷体", "AR PL UKai CN", "AR PL KaitiM GB", _SERIF),
    "楷体": ("KaiTi", "楷体_GB2312", "AR PL UKai CN", "AR PL KaitiM GB", _SERIF),
    "黑体": ("SimHei", "Source Han Sans SC", "WenQuanYi Zen Hei", _SANS),
    "宋体": ("SimSun", "Source Han Serif SC", "AR PL UMing CN", _SERIF),
}


def soffice_path() -> str | None:
    """The LibreOffice executable, or ``None``. ``JICENG_SOFFICE`` may name it explicitly."""
    explicit = os.environ.get("JICENG_SOFFICE")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if os.name == "nt":
        for candidate in _WINDOWS_CANDIDATES:
            if Path(candidate).is_file():
                return candidate
    return None


def fontconfig_file() -> str:
    """The text of the fontconfig file used for conversions (see the module docstring)."""
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        "<fontconfig>",
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
    ]
    for family, stand_ins in FONT_STAND_INS.items():
        lines.append('  <alias binding="same">')
        lines.append(f"    <family>{escape(family)}</family>")
        lines.append("    <accept>" + "".join(f"<family>{escape(s)}</family>" for s in stand_ins) + "</accept>")
        lines.append("  </alias>")
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def to_pdf(docx_bytes: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> bytes | None:
    """The PDF of a .docx, or ``None`` (with the reason logged) when LibreOffice is not installed,
    fails or takes longer than ``timeout`` seconds."""
    exe = soffice_path()
    if exe is None:
        logger.warning("PDF not produced: LibreOffice (soffice) is not installed (Debian: libreoffice-writer-nogui)")
        return None
    with tempfile.TemporaryDirectory(prefix="jiceng-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        env = dict(os.environ)
        if os.name == "posix" and Path("/etc/fonts/fonts.conf").is_file():
            conf = work / "fonts.conf"
            conf.write_text(fontconfig_file(), encoding="utf-8")
            env["FONTCONFIG_FILE"] = str(conf)
        command = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work),
            str(source),
        ]
        posix = os.name == "posix"
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=work,
                start_new_session=posix,  # its own process group, so a timeout can end all of it
            )
        except OSError as exc:
            logger.error("PDF not produced: LibreOffice could not be started (%s): %s", exe, exc)
            return None
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            if posix:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.communicate()
            logger.error("PDF not produced: LibreOffice did not finish within %s s", timeout)
            return None
        target = work / "document.pdf"
        if process.returncode != 0 or not target.is_file():
            logger.error(
                "PDF not produced: LibreOffice exited with %s: %s",
                process.returncode,
                (stderr or stdout).decode("utf-8", "replace").strip()[:500],
            )
            return None
        data = target.read_bytes()
        if not data.startswith(b"%PDF"):
            logger.error("PDF not produced: LibreOffice wrote something that is not a PDF")
            return None
        return data
