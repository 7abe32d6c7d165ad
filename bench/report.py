"""The table `python -m bench` prints, and the JSON it writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    section: str
    measure: str  # what was measured, in words
    bot: Any
    floor: Any  # the floor (or ideal) in the same run; None where there is none
    ratio: float | None  # bot / floor (None where no ratio applies)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(rows: list[Row]) -> str:
    """A Markdown table (readable as plain text too)."""
    lines = ["| section | measure | this bot | floor / ideal, same run | ratio |",
             "| --- | --- | --- | --- | --- |"]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(f"| {row.section} | {row.measure.strip()} | {_cell(row.bot)} | "
                     f"{_cell(row.floor)} | {ratio} |")
    return "\n".join(lines)


def write_json(path: Path, figures: dict[str, Any]) -> None:
    path.write_text(json.dumps(figures, indent=2, sort_keys=False) + "\n")
