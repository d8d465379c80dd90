"""Finding a child (搜索): by name, by the initials of the name's pinyin (王小明 → wxm; 张 may be read zhang or
chang, so a name keeps every reading's initials), or by the last 4 digits of the ID number or the caregiver's
phone. The keys are worked out when the child is saved (:meth:`Child.fill_search_keys`), so a search is a
lookup on indexed columns, not pinyin for every child of a county."""

from __future__ import annotations

import re
from itertools import product

from django.db.models import Q, QuerySet
from pypinyin import Style, pinyin

MAX_READINGS = 8  # a name of polyphonic characters keeps at most this many spellings of its initials


def name_initials(name: str) -> str:
    """Space-separated initials of every reading of ``name`` (王小明 → "wxm"; 单 → "d s c"); letters in the
    name are kept, other characters dropped."""
    readings = pinyin(name or "", style=Style.FIRST_LETTER, heteronym=True, errors=lambda chars: list(chars))
    choices = []
    for options in readings:
        letters = sorted({o.lower() for o in options if o and o[0].isascii() and o[0].isalnum()})
        if letters:
            choices.append(letters[:3])
    spellings = []
    for combo in product(*choices):
        spellings.append("".join(combo))
        if len(spellings) >= MAX_READINGS:
            break
    return " ".join(spellings)[:100]


def last_four(number: str) -> str:
    digits = re.sub(r"[^0-9Xx]", "", number or "")
    return digits[-4:].upper() if len(digits) >= 4 else ""


def search_q(text: str) -> Q | None:
    """The filter for what was typed in 搜索; None when nothing was typed."""
    value = re.sub(r"\s+", "", text or "")
    if not value:
        return None
    if re.fullmatch(r"\d{3}[\dXx]", value):  # the last 4 digits of an ID number or a phone
        return Q(id_last4=value.upper()) | Q(phone_last4=value)
    if re.fullmatch(r"\d{5,17}[\dXx]?", value):  # a longer number: the whole ID number or phone
        return Q(id_number=value.upper()) | Q(caregiver_phone=value)
    if re.fullmatch(r"[A-Za-z]+", value):  # pinyin initials, from the start of any reading
        initials = value.lower()
        return Q(search_initials__startswith=initials) | Q(search_initials__contains=" " + initials)
    return Q(name__contains=value)


def search(children: QuerySet, text: str) -> QuerySet:
    found = search_q(text)
    return children if found is None else children.filter(found)
