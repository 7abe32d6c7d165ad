"""The flow files are validated when loaded; a broken copy is refused with a clear error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import SUPPORTED_LANGUAGES
from bot.catalog import CatalogError, load_catalog
from bot.flows import FlowError, FlowRegistry, StepKind, load_flow, load_registry
from bot.flows.conditions import ConditionError, parse_condition

from .conftest import DIALOGS, ROOT


def test_every_flow_file_loads_and_is_valid(flows: FlowRegistry) -> None:
    assert {"offender", "supporter", "new_case", "add_party"} <= set(flows.ids())
    for flow_id in flows.ids():
        flow = flows.latest(flow_id)
        assert any(s.kind is StepKind.END for s in flow.steps.values())
        for step in flow.steps.values():
            for text in step.text.all_variants():
                assert set(text) == set(SUPPORTED_LANGUAGES)


def test_the_offender_flow_is_faithful_to_the_method(flows: FlowRegistry) -> None:
    flow = flows.latest("offender")
    order = list(flow.steps)
    # explained and voluntary before anything is asked; responsibility before supporters
    assert order.index("about_conference") < order.index("voluntary") < order.index(
        "responsibility") < order.index("supporters") < order.index("review")
    outcomes = {s.outcome for s in flow.steps.values() if s.kind is StepKind.END}
    assert outcomes == {"completed", "declined", "precondition_not_met"}
    preview = flow.step("questions_preview").text.get("nl")
    for question in ("Wat is jouw aandeel?", "Wat ging er in je om toen je dit deed?"):
        assert question in preview


def write_broken(tmp_path: Path, mutate: object) -> Path:
    raw = yaml.safe_load((DIALOGS / "offender.flow.yaml").read_text(encoding="utf-8"))
    assert callable(mutate)
    mutate(raw)
    path = tmp_path / "offender.flow.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def step_of(raw: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in raw["steps"] if s["id"] == step_id)


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda raw: step_of(raw, "affected").update(next="nowhere"),
     "step 'affected': goes to 'nowhere', which does not exist"),
    (lambda raw: raw["steps"].append(dict(step_of(raw, "welcome"))),
     "step 'welcome': is declared twice"),
    (lambda raw: step_of(raw, "needs_detail")["text"].pop("en"),
     "step 'needs_detail'.text: has no text in language 'en'"),
    (lambda raw: step_of(raw, "availability").pop("next"),
     "step 'availability': has no way out"),
    (lambda raw: raw["steps"].append({"id": "orphan", "kind": "info",
                                      "text": {"nl": "x", "en": "x"}, "next": "completed"}),
     "step 'orphan': cannot be reached from the start"),
    (lambda raw: step_of(raw, "availability").update(next="questions_notes") or
     step_of(raw, "questions_notes").update(next="availability"),
     "never leads to an end"),
    (lambda raw: step_of(raw, "responsibility_explain")["next"][0].update(
        when={"answer": "responsibility", "is": "maybe"}),
     "expects 'maybe' from 'responsibility', which has no such option"),
    (lambda raw: step_of(raw, "responsibility_explain")["next"][0].update(
        when={"python": "__import__('os').system('true')"}),
     "unknown condition"),
    (lambda raw: step_of(raw, "welcome")["text"].update(nl="Hallo {naam}"),
     "unknown placeholder(s) ['naam']"),
    (lambda raw: step_of(raw, "responsibility").pop("label"),
     "needs a short 'label'"),
])
def test_a_broken_copy_of_a_flow_is_refused_with_a_clear_error(
        tmp_path: Path, mutate: object, expected: str) -> None:
    path = write_broken(tmp_path, mutate)
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    assert expected in str(caught.value)
    assert "offender.flow.yaml" in str(caught.value)


def test_a_broken_flow_in_the_dialogs_folder_stops_the_registry(tmp_path: Path) -> None:
    folder = tmp_path / "dialogs"
    shutil.copytree(DIALOGS, folder)
    (folder / "offender.flow.yaml").write_text("id: offender\nsteps: [", encoding="utf-8")
    with pytest.raises(FlowError, match="not valid YAML"):
        load_registry(folder)


@pytest.mark.parametrize("raw", [
    {"eval": "1"}, {"answer": "x"}, {"all": []}, {"variant": "other"}, "answer == yes",
    {"answer": "x", "is": "y", "extra": 1},
])
def test_conditions_outside_the_vocabulary_are_refused(raw: object) -> None:
    with pytest.raises(ConditionError):
        parse_condition(raw)


def test_the_catalogue_has_every_text_in_every_language() -> None:
    catalog = load_catalog(DIALOGS / "messages.yaml")
    for key, texts in catalog.texts.items():
        assert set(texts) == set(SUPPORTED_LANGUAGES), key


def test_a_catalogue_text_missing_a_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "messages.yaml"
    path.write_text("greeting: {nl: Hallo}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="greeting: no text in en"):
        load_catalog(path)


def test_every_catalogue_key_the_code_uses_exists_and_none_is_dead() -> None:
    catalog = load_catalog(DIALOGS / "messages.yaml")
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py")
                       if p.name != "models.py" and "migrations" not in p.parts)
    used = set(re.findall(r"""["']((?:[a-z_]+\.)+[a-z_-]+)["']""", source))
    prefixes = set(re.findall(r"""f["']((?:[a-z_]+\.)+)\{""", source))
    missing = {k for k in used if k.split(".")[0] in {k2.split(".")[0] for k2 in catalog.texts}
               and not catalog.has(k)}
    assert not missing, f"keys used in code but not in the catalogue: {sorted(missing)}"
    dead = {k for k in catalog.texts if k not in used
            and not any(k.startswith(p) for p in prefixes)}
    assert not dead, f"catalogue keys no code uses: {sorted(dead)}"


def test_an_older_flow_version_kept_in_the_archive_still_serves_talks_begun_on_it(
        tmp_path: Path) -> None:
    folder = tmp_path / "dialogs"
    shutil.copytree(DIALOGS, folder)
    (folder / "archive").mkdir()
    shutil.copy(folder / "offender.flow.yaml", folder / "archive" / "offender.v1.flow.yaml")
    current = (folder / "offender.flow.yaml").read_text(encoding="utf-8")
    (folder / "offender.flow.yaml").write_text(current.replace("version: 1", "version: 2", 1),
                                               encoding="utf-8")
    flows = load_registry(folder)
    assert flows.latest("offender").version == 2
    assert flows.get("offender", 1) is not None
