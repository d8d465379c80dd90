"""Encryption at rest for ID numbers and bank accounts (个人敏感信息), and their keyed search hash.

- **Encryption**: Fernet (AES-128-CBC + HMAC-SHA256, the ``cryptography`` package) through a
  ``MultiFernet``: the first key encrypts, every listed key decrypts, so a key can be rotated without
  downtime (see README, "Keys for personal data").
- **Search**: an HMAC-SHA256 of the normalised value under a separate key (a *blind index*): equal
  numbers give equal hashes, so "is this ID number already on a roster" is one indexed query, while the
  table alone reveals nothing. The hash key is not rotated with the encryption keys (every hash would
  change); changing it needs ``jiceng benefits rehash``.

Where the keys come from:

- ``JICENG_FIELD_KEYS``: comma-separated Fernet keys, newest first;
  ``JICENG_FIELD_HASH_KEY``: the HMAC key (at least 32 characters).
- In production (``JICENG_PRODUCTION=1``) both are required: ``jiceng/settings.py`` stops the server at
  start with a clear message when either is missing or malformed (:func:`problem_with`).
- Elsewhere (development, tests, ``make demo``), when they are not set, a key file
  ``JICENG_DATA_DIR/field-keys.json`` is created once (mode 0600) and used.

No Django import: settings.py calls :func:`problem_with` before Django is set up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEYS_VARIABLE = "JICENG_FIELD_KEYS"
HASH_KEY_VARIABLE = "JICENG_FIELD_HASH_KEY"
KEY_FILE_NAME = "field-keys.json"
MIN_HASH_KEY_LENGTH = 32


class FieldKeyError(RuntimeError):
    """The keys are missing or malformed."""


def _fernet_keys(text: str) -> list[bytes]:
    keys = [item.strip() for item in text.split(",") if item.strip()]
    if not keys:
        raise FieldKeyError(f"{KEYS_VARIABLE} is empty")
    for position, key in enumerate(keys, start=1):
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                raise ValueError
        except ValueError:
            raise FieldKeyError(
                f"{KEYS_VARIABLE}: key {position} is not a Fernet key (32 bytes, URL-safe base64)"
            ) from None
    return [key.encode() for key in keys]


def problem_with(environ: dict) -> str | None:
    """Why the keys in ``environ`` cannot be used (None when both are set and well formed)."""
    try:
        _fernet_keys(environ.get(KEYS_VARIABLE, ""))
    except FieldKeyError as error:
        return str(error) if environ.get(KEYS_VARIABLE) else f"{KEYS_VARIABLE} is not set"
    hash_key = environ.get(HASH_KEY_VARIABLE, "")
    if len(hash_key) < MIN_HASH_KEY_LENGTH:
        return f"{HASH_KEY_VARIABLE} is {'not set' if not hash_key else 'shorter than 32 characters'}"
    return None


def new_keys() -> dict[str, str]:
    """A fresh pair: one Fernet key and a hash key."""
    return {"keys": Fernet.generate_key().decode(), "hash_key": secrets.token_urlsafe(48)}


def _key_file(data_dir: Path) -> dict[str, str]:
    """The development key file under the data directory, created once (0600) if missing."""
    path = Path(data_dir) / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(new_keys(), handle)
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass(frozen=True)
class FieldKeys:
    fernet: MultiFernet
    hash_key: bytes
    count: int  # how many encryption keys (more than one: a rotation is under way)

    def encrypt(self, value: str) -> str:
        return self.fernet.encrypt(value.encode()).decode() if value else ""

    def decrypt(self, token: str) -> str:
        if not token:
            return ""
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise FieldKeyError("a stored value cannot be decrypted with the configured keys") from None

    def rotate(self, token: str) -> str:
        """The token re-encrypted under the newest key."""
        return self.fernet.rotate(token.encode()).decode() if token else ""

    def search_hash(self, value: str) -> str:
        """The keyed hash of a normalised value ('' for none): the blind index stored beside the token."""
        if not value:
            return ""
        return hmac.new(self.hash_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def load(environ: dict, data_dir: Path, production: bool) -> FieldKeys:
    """The keys from the environment; outside production, the data directory's key file if unset."""
    if environ.get(KEYS_VARIABLE) or production:
        problem = problem_with(environ)
        if problem:
            raise FieldKeyError(problem)
        keys, hash_key = environ[KEYS_VARIABLE], environ[HASH_KEY_VARIABLE]
    else:
        stored = _key_file(data_dir)
        keys, hash_key = environ.get(KEYS_VARIABLE) or stored["keys"], stored["hash_key"]
    fernet_keys = _fernet_keys(keys)
    return FieldKeys(MultiFernet([Fernet(key) for key in fernet_keys]), hash_key.encode(), len(fernet_keys))


_current: FieldKeys | None = None


def current() -> FieldKeys:
    """The keys of this process (read once)."""
    global _current
    if _current is None:
        from django.conf import settings

        _current = load(os.environ, settings.DATA_DIR, settings.PRODUCTION)
    return _current


def reset() -> None:
    """Forget the keys read (tests, and ``rotate`` after the environment changed)."""
    global _current
    _current = None
