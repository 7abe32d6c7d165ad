"""Long summaries and reviews reach Telegram in parts under its 4096-character cap."""

from __future__ import annotations

from bot.chunks import LIMIT, split_text


def test_a_short_text_stays_whole() -> None:
    assert split_text("Hallo\nSam") == ["Hallo\nSam"]


def test_a_long_review_is_split_on_line_breaks_and_nothing_is_lost() -> None:
    lines = [f"Vraag {i}: " + "antwoord " * 40 for i in range(40)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(part) <= LIMIT for part in parts)
    assert "\n".join(parts) == text


def test_one_very_long_line_is_cut_mid_line() -> None:
    text = "x" * (LIMIT * 2 + 5)
    parts = split_text(text)
    assert [len(p) for p in parts] == [LIMIT, LIMIT, 5]
    assert "".join(parts) == text
