"""Telegram caps a message at 4096 characters; long summaries go out in parts."""

from __future__ import annotations

LIMIT = 4000


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Splits on line breaks where it can, mid-line only where a single line is too long."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts
