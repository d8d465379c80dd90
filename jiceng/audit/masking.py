"""Identity numbers (身份证号, phones, bank accounts) are masked wherever the audit trail and the logs
show them (PIPL minimum necessary; README "Personal data").

The audit table keeps what the action wrote; every :class:`~jiceng.audit.models.AuditEntry` loaded
from the database is masked (``AuditEntry.from_db``), so the audit page, the report history and any
later export or API show ``522799********1234`` and ``138****5678`` to every role. Log records are
masked when they are made (:func:`install_log_masking`, called by the app's ``ready``), whatever the
handler.

Two rules: a value under an identity key (``id_number``, ``caregiver_phone``, ``phone``, ``bank_account``,
their Chinese column names…) is masked whole; any other text has the numbers that look like an ID
number (17 digits and a check character), a mainland mobile number (11 digits from 13–19) or a bank
card (16–19 digits) masked where they stand.
"""

from __future__ import annotations

import logging
import re

from jiceng.standards.idnumber import mask_id_number, mask_phone

ID_KEYS = frozenset({"id_number", "idnumber", "id_card", "身份证号", "身份证号码", "公民身份号码"})
PHONE_KEYS = frozenset(
    {"phone", "mobile", "caregiver_phone", "telephone", "手机", "手机号", "电话", "联系电话", "看护人电话"}
)
BANK_KEYS = frozenset({"bank_account", "account_number", "bank_card", "银行账号", "银行卡号"})

_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_BANK = re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")


def mask_bank_account(number: str | None) -> str:
    """6222 **** **** 1234 → first 4 and last 4 shown."""
    if not number:
        return ""
    digits = str(number)
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _mask_phone_match(match: re.Match) -> str:
    text = match.group(0)
    return text[: len(text) - 11] + mask_phone(text[-11:])


def mask_text(text: str) -> str:
    """Free text with every ID, mobile and bank-card number in it masked."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = _ID.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _BANK.sub(lambda m: mask_bank_account(m.group(0)), text)
    return _PHONE.sub(_mask_phone_match, text)


def _key_kind(key) -> str:
    name = str(key).strip().lower()
    if name in ID_KEYS or name.endswith("id_number"):
        return "id"
    if name in PHONE_KEYS or name.endswith("_phone"):
        return "phone"
    if name in BANK_KEYS:
        return "bank"
    return ""


def mask_value(value, kind: str = ""):
    """A JSON value (audit ``before``/``after``) with identity numbers masked, keys kept."""
    if isinstance(value, dict):
        return {k: mask_value(v, _key_kind(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v, kind) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if kind:
        text = str(value)
        if kind == "id":
            return mask_id_number(text)
        if kind == "phone":
            return mask_phone(text)
        return mask_bank_account(text)
    if isinstance(value, str):
        return mask_text(value)
    return value


# ------------------------------------------------------------------------------------------------
# Logs
# ------------------------------------------------------------------------------------------------


class MaskedLogRecord(logging.LogRecord):
    """A log record whose message has identity numbers masked."""

    def getMessage(self) -> str:  # noqa: N802 (logging's name)
        return mask_text(super().getMessage())


class _MaskedMessage:
    """getMessage() of a record made by another factory, with identity numbers masked."""

    def __init__(self, original):
        self.original = original

    def __call__(self) -> str:
        return mask_text(self.original())


_installed = False


def install_log_masking() -> None:
    """Mask identity numbers in every log record's message (and in its exception text), for every
    handler, including those added later (a test's ``caplog``). Idempotent."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    if previous is logging.LogRecord:
        factory = MaskedLogRecord
    else:

        def factory(*args, **kwargs):
            record = previous(*args, **kwargs)
            record.getMessage = _MaskedMessage(record.getMessage)
            return record

    logging.setLogRecordFactory(factory)
    # Tracebacks are formatted by the formatter; mask them there too.
    original_format_exception = logging.Formatter.formatException
    original_format_stack = logging.Formatter.formatStack

    def format_exception(self, ei):
        return mask_text(original_format_exception(self, ei))

    def format_stack(self, stack_info):
        return mask_text(original_format_stack(self, stack_info))

    logging.Formatter.formatException = format_exception
    logging.Formatter.formatStack = format_stack
    _installed = True
