"""Is a message in the expected language? Checked against the bot's own texts: every text in
dialogs/ (catalogues and flows, archived versions too) exists in Dutch and English, so a
sizeable piece of a text that only one language has gives that language away.

What a person typed, a coordinator's facts and names are no texts of the bot: the caller
passes them as `quoted`, and they are cut out before looking."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot import SUPPORTED_LANGUAGES
from bot.catalog import load_catalog

DIALOGS = Path(__file__).resolve().parent.parent / "dialogs"
FRAGMENT = 12  # characters: shorter pieces ("Ja", "Verder") are judged as whole labels only
SHORT = 200  # characters: a message or label this short is also compared as a whole text
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_EDGES = " \t•«»:;,.!?()–-✔⚠➜"


@dataclass(frozen=True)
class Giveaways:
    """What only one language's texts have: pieces of text, and whole short texts."""

    fragments: tuple[str, ...]
    whole: tuple[re.Pattern[str], ...]  # short texts (labels), their placeholders as ".+"


def _pairs(node: Any) -> Iterator[dict[str, str]]:
    if isinstance(node, dict):
        if all(isinstance(node.get(lang), str) for lang in SUPPORTED_LANGUAGES):
            yield {lang: node[lang] for lang in SUPPORTED_LANGUAGES}
        for value in node.values():
            yield from _pairs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _pairs(value)


@cache
def _texts() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {lang: [] for lang in SUPPORTED_LANGUAGES}
    for path in sorted(DIALOGS.rglob("*.yaml")):
        for pair in _pairs(yaml.safe_load(path.read_text(encoding="utf-8"))):
            for lang, text in pair.items():
                found[lang].append(text)
    return {lang: tuple(texts) for lang, texts in found.items()}


def _pieces(text: str) -> list[str]:
    return [piece.strip(_EDGES) for piece in _PLACEHOLDER.split(text.replace("\n", "{}"))]


def language_names() -> frozenset[str]:
    """Each language's own name ("Nederlands", "English"): a language picker shows them all,
    to everyone."""
    catalog = load_catalog(DIALOGS / "messages.yaml")
    return frozenset(catalog("language.name", lang) for lang in SUPPORTED_LANGUAGES)


@cache
def giveaways(language: str) -> Giveaways:
    """What gives `language` away: present in its texts, absent from every other's."""
    texts = _texts()
    others = [t for lang, ts in texts.items() if lang != language for t in ts]
    elsewhere = "\n".join(others)
    other_texts = set(others)
    names = language_names()
    fragments = {piece for text in texts[language] for piece in _pieces(text)
                 if len(piece) >= FRAGMENT and piece not in elsewhere}
    whole = []
    for text in set(texts[language]) - other_texts:
        letters = sum(map(str.isalpha, _PLACEHOLDER.sub("", text)))
        if "\n" in text or len(text) > 80 or text in names or letters < (
                5 if _PLACEHOLDER.search(text) else 2):
            continue
        parts = [re.escape(part.strip()) for part in _PLACEHOLDER.split(text)]
        whole.append(re.compile(r"\s*" + ".+".join(parts) + r"\s*"))
    return Giveaways(tuple(sorted(fragments, key=len, reverse=True)), tuple(whole))


def foreign(text: str, labels: Iterable[str], language: str,
            quoted: Iterable[str] = ()) -> list[str]:
    """The pieces of this message (text and button labels) that belong to another language
    than `language`; empty when it is all in `language`."""
    for piece in sorted({q for q in quoted if q.strip()}, key=len, reverse=True):
        text = text.replace(piece, " ")
    found: list[str] = []
    for other in SUPPORTED_LANGUAGES:
        if other == language:
            continue
        given = giveaways(other)
        found += [f"{other}: {fragment!r}" for fragment in given.fragments if fragment in text]
        for shown in [text.strip(), *labels]:
            if 0 < len(shown) <= SHORT and any(p.fullmatch(shown) for p in given.whole):
                found.append(f"{other}: {shown!r} (a whole text)")
    return found
