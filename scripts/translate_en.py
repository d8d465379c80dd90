"""Fill jiceng/locale/en/LC_MESSAGES/django.po from the table in scripts/en_terms.tsv, then compile.

Run after `jiceng makemessages -l en`:  python scripts/translate_en.py

The table is the source of truth: every entry whose msgid is in the table gets the table's English,
whether the msgid is on one line or wrapped over several, and a fuzzy guess from makemessages is
replaced (and its fuzzy flag dropped) only then; fuzzy entries not in the table stay fuzzy, so they
are not compiled. Plural entries: the English column may hold "singular<TAB>plural" for msgstr[0]
and msgstr[1]; one English form fills both.
"""

from __future__ import annotations

import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "jiceng" / "locale" / "en" / "LC_MESSAGES" / "django.po"
TERMS = ROOT / "scripts" / "en_terms.tsv"

FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def unquote(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def quote(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def fill_entry(block: str, table: dict[str, str]) -> str:
    fields: dict[str, str] = {}
    key = None
    for line in block.split("\n"):
        match = FIELD.match(line)
        if match:
            key = match.group(1)
            fields[key] = unquote(match.group(2))
        elif line.startswith('"') and key:
            fields[key] += unquote(line[1:-1])
        elif line.startswith("#~"):
            return block
    msgid = fields.get("msgid")
    if not msgid or msgid not in table:
        return block
    english = table[msgid]
    head = []
    for line in block.split("\n"):
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        head.append(line)
    # keep comments, msgctxt, msgid and msgid_plural lines; rebuild msgstr
    kept, in_msgstr = [], False
    for line in head:
        if line.startswith("msgstr"):
            in_msgstr = True
        elif not line.startswith('"'):
            in_msgstr = False
        if not in_msgstr:
            kept.append(line)
    if "msgid_plural" in fields:
        singular, _, plural = english.partition("\t")
        kept.append(f'msgstr[0] "{quote(singular)}"')
        kept.append(f'msgstr[1] "{quote(plural or singular)}"')
    else:
        kept.append(f'msgstr "{quote(english)}"')
    return "\n".join(kept)


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
    header, sep, rest = text.partition('msgid ""\nmsgstr ""\n"')
    text = header.replace("#, fuzzy\n", "") + sep + rest
    text = "\n\n".join(fill_entry(block, table) for block in text.rstrip("\n").split("\n\n")) + "\n"
    PO.write_text(text, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)


if __name__ == "__main__":
    main()
