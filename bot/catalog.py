"""Every text the bot says outside a flow, per language, from `dialogs/messages.yaml` and the
catalogues beside it (`messages.<part>.yaml`: one per capability, e.g. the conference)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.flows.loader import placeholders


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Catalog:
    texts: Mapping[str, Mapping[str, str]]

    def __call__(self, key: str, language: str, **params: Any) -> str:
        entry = self.texts[key]
        text = entry.get(language) or entry[DEFAULT_LANGUAGE]
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self.texts


def load_catalog(path: Path) -> Catalog:
    """`path` and every `<stem>.*.yaml` beside it; a key may be defined in one file only."""
    problems: list[str] = []
    texts: dict[str, dict[str, str]] = {}
    for part in [path, *sorted(path.parent.glob(f"{path.stem}.*.yaml"))]:
        _load_part(part, texts, problems)
    if problems:
        raise CatalogError(f"{path.name}:\n" + "\n".join(f"  - {p}" for p in problems))
    return Catalog(texts)


def _load_part(path: Path, texts: dict[str, dict[str, str]], problems: list[str]) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{path.name}: must map keys to texts per language")
    for key, entry in raw.items():
        if str(key) in texts:
            problems.append(f"{key}: defined twice ({path.name})")
            continue
        if not isinstance(entry, Mapping):
            problems.append(f"{key}: needs a text per language")
            continue
        missing = [lang for lang in SUPPORTED_LANGUAGES
                   if not isinstance(entry.get(lang), str) or not entry[lang].strip()]
        if missing:
            problems.append(f"{key}: no text in {', '.join(missing)}")
            continue
        fields = {lang: frozenset(placeholders(entry[lang])) for lang in SUPPORTED_LANGUAGES}
        if len(set(fields.values())) > 1:
            problems.append(f"{key}: placeholders differ between languages")
        texts[str(key)] = {lang: entry[lang] for lang in SUPPORTED_LANGUAGES}


def role_name(catalog: Catalog, role: str, language: str) -> str:
    return catalog(f"role.{role}", language)
