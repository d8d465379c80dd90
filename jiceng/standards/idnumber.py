"""GB 11643-1999 公民身份号码 (citizen ID number) and PIPL masking.

Pure Python, no Django imports.

An ID number has 18 characters: a 6-digit area code, an 8-digit birth date
(YYYYMMDD), a 3-digit sequence (odd = male, even = female) and a check
character computed by ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # remainder 0..10 → check character

_SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    """A Chinese message that names the field, ready to show to the user."""


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


@dataclass(frozen=True)
class ParsedIdNumber:
    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def parse_id_number(raw: str) -> ParsedIdNumber:
    """Validate shape, birth date and check character; raise IdNumberError in Chinese."""
    number = (raw or "").strip().upper()
    if not _SHAPE.match(number):
        raise IdNumberError("身份证号：应为18位，前17位为数字，最后一位为数字或X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(f"身份证号：第7-14位出生日期 {number[6:14]} 不是有效日期") from None
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"身份证号：校验位错误（最后一位应为 {expected}），请核对号码")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ParsedIdNumber(number=number, area_code=number[:6], birth_date=birth, sex=sex)


SEX_LABELS = {"M": "男", "F": "女"}


def validate_id_number_against(raw: str, *, birth_date: dt.date | None, sex: str | None) -> ParsedIdNumber:
    """Parse and check that the number agrees with the recorded birth date and sex."""
    parsed = parse_id_number(raw)
    if birth_date is not None and parsed.birth_date != birth_date:
        raise IdNumberError(
            f"身份证号：号码中的出生日期 {parsed.birth_date:%Y-%m-%d} 与登记的出生日期 {birth_date:%Y-%m-%d} 不一致"
        )
    if sex is not None and parsed.sex != sex:
        raise IdNumberError(
            f"身份证号：号码第17位表示性别为{SEX_LABELS[parsed.sex]}，与登记的性别{SEX_LABELS.get(sex, sex)}不一致"
        )
    return parsed


def make_id_number(area_code: str, birth_date: dt.date, sequence: int, sex: str) -> str:
    """Build a valid number (used by the demo generator and tests).

    ``sequence`` is 0..499; the third sequence digit is chosen odd for M, even for F.
    """
    base = sequence % 500 * 2 + (1 if sex == "M" else 0)
    first17 = f"{area_code}{birth_date:%Y%m%d}{base:03d}"
    return first17 + check_character(first17)


def mask_id_number(number: str | None) -> str:
    """520102********1234 — first 6 and last 4 shown (PIPL)."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """138****5678 — first 3 and last 4 shown."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
