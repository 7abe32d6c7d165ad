"""The benchmark's harness works (`python -m bench`, issue 8): its smallest configuration, in
process, with a handful of people; the figures mean nothing here, only their shape. No
timing is asserted (the machine is shared)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import main
from bot import encryption
from tests.data_keys import TEST_KEYS


@pytest.fixture
def keys_restored() -> Iterator[None]:
    """The benchmark seals with a key of its own; the other tests' key comes back after."""
    yield
    encryption.install(encryption.parse_keyring(TEST_KEYS))


def ratios(figures: Any) -> list[str]:
    if isinstance(figures, dict):
        return [key for key in figures if "ratio" in key] + [
            found for value in figures.values() for found in ratios(value)]
    if isinstance(figures, list):
        return [found for value in figures for found in ratios(value)]
    return []


def test_the_benchmark_runs_its_smallest_configuration(tmp_path: Path, keys_restored: None,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out = tmp_path / "figures.json"
    assert main(["--tiny", "--only", "answers,burst", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())

    (answers,) = figures["answers"]
    for side in ("bot", "floor"):
        measured = answers[side]
        assert {"per_second", "p50_ms", "p99_ms", "paced_p99_ms", "peak_rss_mb",
                "cpu_ms_per_update"} <= set(measured)
        assert measured["missing_buttons"] == 0  # the walk found every button it taps
        assert measured["stored"] >= measured["updates"]  # every update stored
    burst = figures["burst"]
    assert burst["bot"]["messages"] == burst["ideal"]["messages"] == 3 * 2 + 2
    for side in ("bot", "ideal"):
        assert {"per_second", "too_many_429", "lost", "doubled", "order_kept"} <= set(
            burst[side])
    assert burst["ideal"]["lost"] == burst["ideal"]["too_many_429"] == 0
    assert "probe_p99_ms" in burst["bot"]
    assert {"answers_per_second_ratio", "paced_p99_ratio",
            "messages_per_second_ratio"} <= set(ratios(figures))
    printed = capsys.readouterr().out
    assert "| answers | answers stored/s" in printed and "| burst | messages/s" in printed


def test_the_profile_of_the_answer_path_runs_tiny(tmp_path: Path, keys_restored: None,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from bench.profile import main as profile

    out = tmp_path / "profile.json"
    assert profile(["--talks", "3", "--answers", "3", "--warm", "1", "--top", "5",
                    "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["updates"] == 3 * 4 and figures["missing_buttons"] == 0
    shares = figures["shares_percent"]
    assert abs(sum(shares.values()) - 100) < 1
    assert "herstelbot (bot.*)" in shares and "sqlalchemy" in shares
    assert 0 < len(figures["ours_top"]) <= 5
    assert all(row["function"].startswith("bot/") for row in figures["ours_top"])
    counted = figures["statements"]
    assert {"/start with a token", "tap"} <= set(counted)
    assert all(kind["statements_min"] >= 2 for kind in counted.values())  # BEGIN, the mark
    printed = capsys.readouterr().out
    assert "| where the code lives | share of profiled time |" in printed
    assert "SQL statements per update" in printed
