"""Fill jiceng/locale/en/LC_MESSAGES/django.po from the table in scripts/en_terms.tsv, then compile.

Run after `jiceng makemessages -l en`:  python scripts/translate_en.py
"""

from __future__ import annotations

import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "jiceng" / "locale" / "en" / "LC_MESSAGES" / "django.po"
TERMS = ROOT / "scripts" / "en_terms.tsv"


def main() -> None:
    table = {}
    for line in TERMS.read_text(encoding="utf-8").splitlines():
        if "\t" in line and not line.startswith("#"):
            zh, en = line.split("\t", 1)
            table[zh] = en
    text = PO.read_text(encoding="utf-8")
    text = text.replace(
        '"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"'
    )

    def fill(match: re.Match) -> str:
        msgid = match.group(1)
        return f'msgid "{msgid}"\nmsgstr "{table[msgid]}"' if msgid in table else match.group(0)

    text = re.sub(r'msgid "((?:[^"\\]|\\.)+)"\nmsgstr ""', fill, text)
    text = text.replace("#, fuzzy\n", "")
    PO.write_text(text, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)


if __name__ == "__main__":
    main()
