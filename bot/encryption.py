"""Encryption at rest: every value in a personal column (names, facts, answers, notes) is
sealed with AES-GCM before it reaches the database, and opened when read.

The keys come from the environment (`DATA_KEYS`) or a key file (`DATA_KEY_FILE`), never the
database: lines of `id:base64-key`; the first seals, the others only open (for a rotation).
A sealed value reads `enc1:<key id>:<nonce+ciphertext, base64>`, so each value names the key
it was sealed with, and the key id is bound to it as associated data.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
PLACEHOLDERS = frozenset({"changeme", "change-me", "change_me", "secret", "placeholder",
                          "your-key", "xxx", "todo"})


class DataKeyError(ValueError):
    """A key setting that cannot be used; the message says what to do, never the key."""


class SealedWithUnknownKey(RuntimeError):
    pass


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    current: str

    def seal(self, text: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, text.encode("utf-8"),
                                                         self.current.encode())
        return f"{PREFIX}:{self.current}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, value: str) -> str:
        """The plain text; a value written before encryption was switched on is returned
        as it is (`rotate-key` seals those)."""
        if not value.startswith(PREFIX + ":"):
            return value
        _, key_id, data = value.split(":", 2)
        key = self.keys.get(key_id)
        if key is None:
            raise SealedWithUnknownKey(f"a value is sealed with key {key_id!r}, which is not "
                                       "in DATA_KEYS")
        raw = base64.b64decode(data)
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise SealedWithUnknownKey(f"a value does not open with key {key_id!r}") from None
        return plain.decode("utf-8")

    def is_current(self, value: str) -> bool:
        return value.startswith(f"{PREFIX}:{self.current}:")


def new_key_line(now: datetime | None = None) -> str:
    """A fresh key, with an id that says when it was made."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d")
    key = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    return f"k{stamp}-{secrets.token_hex(2)}:{key}"


def parse_keyring(raw: str) -> Keyring:
    lines = [part.strip() for part in re.split(r"[,\n]", raw) if part.strip()
             and not part.strip().startswith("#")]
    if not lines:
        raise DataKeyError("DATA_KEYS is empty: run `python -m bot new-key` and put the line it "
                        "prints in DATA_KEYS (or in the file DATA_KEY_FILE names)")
    keys: dict[str, bytes] = {}
    for number, line in enumerate(lines, 1):
        key_id, sep, encoded = line.partition(":")
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise DataKeyError(f"DATA_KEYS entry {number} is not `id:key`: run `python -m bot "
                            "new-key` for a well-formed one")
        if encoded.strip().lower() in PLACEHOLDERS:
            raise DataKeyError(f"DATA_KEYS entry {number} ({key_id}) is a placeholder: run "
                            "`python -m bot new-key` and use the key it prints")
        try:
            key = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
        except (binascii.Error, ValueError):
            raise DataKeyError(f"DATA_KEYS entry {number} ({key_id}) is not base64") from None
        if len(key) != KEY_BYTES or len(set(key)) < 8:
            raise DataKeyError(f"DATA_KEYS entry {number} ({key_id}) is not a random 32-byte "
                            "key: run `python -m bot new-key`")
        if key_id in keys:
            raise DataKeyError(f"DATA_KEYS names key {key_id} twice")
        keys[key_id] = key
    return Keyring(keys, current=next(iter(keys)))


def load_keyring(data_keys: str, data_key_file: Path | None) -> Keyring:
    if data_key_file is not None:
        try:
            return parse_keyring(data_key_file.read_text(encoding="utf-8"))
        except OSError:
            raise DataKeyError(f"DATA_KEY_FILE {data_key_file} cannot be read") from None
    if not data_keys.strip():
        raise DataKeyError("DATA_KEYS is not set: personal data is stored encrypted. Run "
                        "`python -m bot new-key` and put the line it prints in DATA_KEYS "
                        "(or in a file named by DATA_KEY_FILE); keep it out of the database "
                        "and its backups")
    return parse_keyring(data_keys)


_active: Keyring | None = None


def install(keyring: Keyring) -> None:
    """The keyring the personal column types use from now on (set once at start-up)."""
    global _active
    _active = keyring


def active() -> Keyring:
    if _active is None:
        raise RuntimeError("no data key installed: personal columns cannot be read or written")
    return _active
