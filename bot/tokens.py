"""Invite tokens: 192 random bits, URL-safe, fit Telegram's 64-character start payload.

Only a hash is stored: a database leak does not hand out working invite links.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 24  # 192 bits -> 32 characters
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def looks_like_token(payload: str) -> bool:
    return bool(_PAYLOAD.match(payload))


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
