"""The flow files are validated when loaded; a broken copy is refused with a clear error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import SUPPORTED_LANGUAGES
from bot.catalog import Catalog, CatalogError, load_catalog
from bot.flows import (
    MAX_CALLBACK_DATA,
    MAX_FIELD_ID,
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_STEP_ID,
    FlowError,
    FlowRegistry,
    StepKind,
    load_flow,
    load_registry,
)
from bot.flows.conditions import ConditionError, parse_condition
from bot.flows.loader import placeholders
from bot.flows.model import Flow, LocalText
from bot.vocabulary import PARTY_FACT_VALUES, Audience, Outcome, PartyFact, Role

from .conftest import DIALOGS, ROOT


def test_every_flow_file_loads_and_is_valid(flows: FlowRegistry) -> None:
    assert {"offender", "supporter", "victim", "third_party", "new_case", "add_party",
            "add_supporter"} <= set(flows.ids())
    for flow_id in flows.ids():
        flow = flows.latest(flow_id)
        assert any(s.kind is StepKind.END for s in flow.steps.values())
        for step in flow.steps.values():
            for text in step.text.all_variants():
                assert set(text) == set(SUPPORTED_LANGUAGES)


def test_the_offender_flow_is_faithful_to_the_method(flows: FlowRegistry) -> None:
    flow = flows.latest("offender")
    order = list(flow.steps)
    # explained and voluntary before anything is asked; responsibility before supporters;
    # then who else should be there (E 152-155)
    assert order.index("about_conference") < order.index("voluntary") < order.index(
        "responsibility") < order.index("supporters") < order.index("others") < order.index(
        "availability") < order.index("review")
    outcomes = {s.outcome for s in flow.steps.values() if s.kind is StepKind.END}
    assert outcomes == {"completed", "declined", "precondition_not_met"}
    for variant in ("hergo", "eigen-kracht"):
        preview = flow.step("questions_preview").text.get("nl", variant)
        for question in ("Wat is jouw aandeel?", "Wat ging er in je om toen je dit deed?"):
            assert question in preview
    # under HERGO the victim chooses who tells first (H 38-40): never "first" to the offender
    assert "eerst" not in flow.step("questions_preview").text.get("nl", "hergo")
    assert "first" not in flow.step("questions_preview").text.get("en", "hergo")
    # a "no" is confirmed only as a possible mistap, never coached towards "partly"
    for confirm, asked in (("responsibility_confirm", "responsibility"),
                           ("set_right_confirm", "set_right")):
        step = flow.step(confirm)
        assert {o.value: o.next for o in step.options} == {"confirmed": "not_acknowledged",
                                                            "reconsider": asked}
        assert [o.label.get("nl") for o in step.options] == ["Ja, ik bedoel nee",
                                                             "Nee, ik tikte verkeerd"]
        for lang in SUPPORTED_LANGUAGES:
            text = step.text.get(lang).lower()
            assert "deel" not in text and "partly" not in text and "{conference}" not in text


def write_broken(tmp_path: Path, mutate: object, flow_id: str = "offender") -> Path:
    raw = yaml.safe_load((DIALOGS / f"{flow_id}.flow.yaml").read_text(encoding="utf-8"))
    assert callable(mutate)
    mutate(raw)
    path = tmp_path / f"{flow_id}.flow.yaml"
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


def test_a_capability_brings_its_own_catalogue_beside_the_main_one_and_a_key_lives_once(
        tmp_path: Path) -> None:
    (tmp_path / "messages.yaml").write_text("greeting: {nl: Hallo, en: Hello}\n",
                                            encoding="utf-8")
    (tmp_path / "messages.conference.yaml").write_text("when: {nl: Wanneer, en: When}\n",
                                                       encoding="utf-8")
    catalog = load_catalog(tmp_path / "messages.yaml")
    assert catalog("when", "en") == "When" and catalog("greeting", "nl") == "Hallo"
    (tmp_path / "messages.plan.yaml").write_text("greeting: {nl: Dag, en: Hi}\n",
                                                 encoding="utf-8")
    with pytest.raises(CatalogError, match="greeting: defined twice"):
        load_catalog(tmp_path / "messages.yaml")


def test_every_catalogue_key_the_code_uses_exists_and_none_is_dead() -> None:
    catalog = load_catalog(DIALOGS / "messages.yaml")
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py")
                       if not p.name.endswith("models.py") and "migrations" not in p.parts)
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
    (folder / "archive").mkdir(exist_ok=True)
    shutil.copy(folder / "victim.flow.yaml", folder / "archive" / "victim.v1.flow.yaml")
    current = (folder / "victim.flow.yaml").read_text(encoding="utf-8")
    assert "\nversion: 1\n" in current
    (folder / "victim.flow.yaml").write_text(current.replace("\nversion: 1\n", "\nversion: 2\n", 1),
                                             encoding="utf-8")
    flows = load_registry(folder)
    assert flows.latest("victim").version == 2
    assert flows.get("victim", 1) is not None


def test_the_first_offender_and_supporter_versions_are_kept_in_the_archive(
        flows: FlowRegistry) -> None:
    for flow_id in ("offender", "supporter"):
        first, latest = flows.get(flow_id, 1), flows.latest(flow_id)
        assert first is not None and latest.version == 2, flow_id
        assert "others" not in first.steps and "others" in latest.steps
        assert flows.for_role(flow_id) is latest
    first_offender = flows.get("offender", 1)
    assert first_offender is not None and first_offender.step("facts_check").records is None
    assert [o.value for o in first_offender.step("facts_check").options] == [
        "yes", "partly", "no"]


# -- the shared vocabulary -------------------------------------------------------------------
def test_flows_speak_the_shared_enums(flows: FlowRegistry) -> None:
    assert flows.for_role(Role.VICTIM) is flows.latest("victim")
    assert flows.for_role(Role.THIRD_PARTY) is flows.latest("third_party")
    offender = flows.latest("offender")
    assert offender.audience is Audience.PARTICIPANT and offender.role is Role.OFFENDER
    assert flows.latest("new_case").audience is Audience.COORDINATOR
    assert flows.latest("new_case").role is None
    assert offender.step("completed").outcome is Outcome.COMPLETED
    assert offender.step("not_acknowledged").outcome is Outcome.PRECONDITION_NOT_MET
    assert flows.for_role(Role.SUPPORTER) is flows.latest("supporter")


# -- the coordinator's labels -----------------------------------------------------------------
def test_every_answer_in_a_participant_talk_has_a_label_for_the_coordinator(
        flows: FlowRegistry) -> None:
    for flow_id in PARTICIPANT_FLOWS:
        flow = flows.latest(flow_id)
        for step in flow.steps.values():
            assert (step.summary_label is None) == (step.label is None), (flow_id, step.id)
    own = flows.latest("offender").step("own_account")
    assert own.label is not None and own.summary_label is not None
    assert own.label.get("nl") == "Jouw verhaal" and own.summary_label.get("nl") == "Eigen verhaal"


# -- party facts ------------------------------------------------------------------------------
def test_the_offender_talk_records_the_acknowledgement_on_the_party(flows: FlowRegistry) -> None:
    flow = flows.latest("offender")
    recorded = {s.records: s.id for s in flow.steps.values() if s.records}
    assert recorded == {PartyFact.ACKNOWLEDGED: "responsibility",
                        PartyFact.WANTS_TO_SET_RIGHT: "set_right",
                        PartyFact.FACTS_RIGHT: "facts_check"}
    for fact, step_id in recorded.items():
        assert {o.value for o in flow.step(step_id).options} <= PARTY_FACT_VALUES[fact]
    assert {o.value for o in flow.step("facts_check").options} == {"yes", "no"}


def test_the_victims_talk_records_its_choices_on_the_party(flows: FlowRegistry) -> None:
    flow = flows.latest("victim")
    recorded = {s.records: s.id for s in flow.steps.values() if s.records}
    assert recorded == {PartyFact.WILLING: "willing", PartyFact.INSTEAD: "instead",
                        PartyFact.SPEAKS_FIRST: "speaks_first"}
    for fact, step_id in recorded.items():
        values = {o.value for o in flow.step(step_id).options if o.action is None}
        assert values == PARTY_FACT_VALUES[fact], fact
    thinking = flow.step("willing").option("think")
    assert thinking is not None and thinking.action == "think"
    assert {o.value: o.next for o in flow.step("instead").options} == {
        "trusted_person": "trusted_person", "own_story": "own_story",
        "nothing": "decline_reason"}
    assert not any(s.records for s in flows.latest("third_party").steps.values())


def test_a_pause_option_needs_no_fact_value(tmp_path: Path) -> None:
    path = write_broken(tmp_path, lambda raw: step_of(raw, "set_right").pop("records")
                        and step_of(raw, "voluntary").update(records="wants_to_set_right"))
    assert load_flow(path).step("voluntary").records is PartyFact.WANTS_TO_SET_RIGHT


# -- button data ------------------------------------------------------------------------------
def test_the_longest_button_data_fits_telegrams_limit() -> None:
    talk_id, seq = 2**31 - 1, 10**6 - 1
    longest = f"t:{talk_id}:{seq}:e:{'x' * MAX_STEP_ID}"
    assert len(longest.encode()) <= MAX_CALLBACK_DATA
    assert len(f"t:{talk_id}:{seq}:o{MAX_OPTIONS - 1}".encode()) <= MAX_CALLBACK_DATA


def test_ids_and_values_at_the_limit_are_accepted(tmp_path: Path) -> None:
    long_step, long_field = "s" * MAX_STEP_ID, "f" * MAX_FIELD_ID
    long_value = "v" * MAX_OPTION_VALUE
    text = (DIALOGS / "offender.flow.yaml").read_text(encoding="utf-8")
    text = text.replace("needs_detail", long_step).replace("id: relation", f"id: {long_field}")
    raw = yaml.safe_load(text)
    step_of(raw, "needs")["options"][1]["value"] = long_value
    step_of(raw, "needs")["options"] += [
        {"value": f"o{i}", "label": {"nl": "x", "en": "x"}, "next": "review"}
        for i in range(MAX_OPTIONS - 2)]
    path = tmp_path / "offender.flow.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    flow = load_flow(path)
    assert long_step in flow.steps and len(flow.step("needs").options) == MAX_OPTIONS


# -- end steps --------------------------------------------------------------------------------
def test_a_coordinators_form_ends_without_a_text_of_its_own(flows: FlowRegistry) -> None:
    for flow_id in ("new_case", "add_party", "add_supporter"):
        end = next(s for s in flows.latest(flow_id).steps.values() if s.kind is StepKind.END)
        assert end.text.is_blank, flow_id
        assert end.text.get("nl") == "" and end.text.get("en", "hergo") == ""
    assert not flows.latest("offender").step("completed").text.is_blank


# -- the article before {conference} ----------------------------------------------------------
def test_no_english_text_puts_a_or_an_before_the_conference_name(flows: FlowRegistry) -> None:
    for (flow_id, version), flow in flows.flows.items():
        for step in flow.steps.values():
            for text in step.text.all_variants():
                found = re.search(r"\b(a|an)\s+\{conference\}", text["en"], re.I)
                assert found is None, (flow_id, version, step.id, text["en"])


# -- add_party v2: facts per offender ---------------------------------------------------------
def test_adding_an_offender_may_give_them_their_own_version_of_the_facts(
        flows: FlowRegistry) -> None:
    flow = flows.latest("add_party")
    assert flow.version == 3
    assert {o.value for o in flow.step("role").options} == {"offender", "victim", "third_party"}
    order = list(flow.steps)
    assert order.index("name") < order.index("facts_choice") < order.index("facts") < (
        order.index("language"))
    choice = flow.step("facts_choice")
    assert "facts" in placeholders(choice.text.get("nl"))
    assert {o.value: o.next for o in choice.options} == {"keep": "language",
                                                         "own_version": "facts"}
    assert flow.step("facts").max_length == 1000
    assert [b.goto for b in flow.step("name").next] == ["facts_choice", "language"]


def test_earlier_add_party_versions_are_kept_in_the_archive(flows: FlowRegistry) -> None:
    first = flows.get("add_party", 1)
    assert first is not None and "facts_choice" not in first.steps
    assert first.step("added").text.is_blank
    second = flows.get("add_party", 2)
    assert second is not None and [o.value for o in second.step("role").options] == ["offender"]


# -- add_supporter: the coordinator names a proposed supporter ---------------------------------
def test_inviting_a_proposed_supporter_asks_how_to_address_them(flows: FlowRegistry) -> None:
    flow = flows.latest("add_supporter")
    assert flow.audience is Audience.COORDINATOR and flow.version == 1
    assert list(flow.steps) == ["name", "language", "added"]
    for lang in SUPPORTED_LANGUAGES:
        assert {"proposed", "proposer"} <= placeholders(flow.step("name").text.get(lang))
    assert [o.value for o in flow.step("language").options] == ["nl", "en"]


# -- every new rule, broken on purpose --------------------------------------------------------
def _options(count: int) -> list[dict[str, Any]]:
    return [{"value": f"o{i}", "label": {"nl": "x", "en": "x"}, "next": "review"}
            for i in range(count)]


def _info(step_id: str) -> dict[str, Any]:
    return {"id": step_id, "kind": "info", "text": {"nl": "x", "en": "x"}, "next": "completed"}


@pytest.mark.parametrize(("flow_id", "mutate", "expected"), [
    # summary_label
    ("offender", lambda raw: step_of(raw, "own_account").pop("summary_label"),
     "step 'own_account': needs a 'summary_label'"),
    ("supporter", lambda raw: step_of(raw, "needs").pop("summary_label"),
     "step 'needs': needs a 'summary_label'"),
    ("offender", lambda raw: step_of(raw, "welcome").update(
        summary_label={"nl": "x", "en": "x"}),
     "step 'welcome': has a 'summary_label' but no 'label'"),
    ("offender", lambda raw: step_of(raw, "own_account")["summary_label"].pop("en"),
     "step 'own_account'.summary_label: has no text in language 'en'"),
    ("new_case", lambda raw: step_of(raw, "facts").update(summary_label={"nl": "x", "en": "x"}),
     "step 'facts': a coordinator's form has no 'summary_label'"),
    # records
    ("offender", lambda raw: step_of(raw, "responsibility").update(records="remorse"),
     "step 'responsibility': records an unknown party fact 'remorse'"),
    ("offender", lambda raw: step_of(raw, "responsibility").update(records="wants_to_set_right"),
     "step 'responsibility': records 'wants_to_set_right', which cannot be 'partly'"),
    ("offender", lambda raw: step_of(raw, "set_right").update(records="acknowledged"),
     "step 'set_right': records 'acknowledged', which cannot be 'unsure'"),
    ("offender", lambda raw: step_of(raw, "voluntary").update(records="wants_to_set_right") or
     step_of(raw, "voluntary")["options"][1].pop("action"),
     "step 'voluntary': records 'wants_to_set_right', which cannot be 'later'"),
    ("offender", lambda raw: step_of(raw, "own_account").update(records="acknowledged"),
     "step 'own_account': only a choice step of a participant's flow records a party fact"),
    ("add_party", lambda raw: step_of(raw, "language").update(records="acknowledged"),
     "step 'language': only a choice step of a participant's flow records a party fact"),
    ("offender", lambda raw: step_of(raw, "facts_check").update(records="acknowledged"),
     "step 'responsibility': records 'acknowledged', which step 'facts_check' records already"),
    # button data
    ("offender", lambda raw: raw["steps"].append(_info("s" * (MAX_STEP_ID + 1))),
     f"step '{'s' * (MAX_STEP_ID + 1)}': a step id is at most {MAX_STEP_ID} characters"),
    ("offender", lambda raw: raw["steps"].append(_info("Needs-detail")),
     "step 'Needs-detail': a step id is at most"),
    ("offender", lambda raw: raw["steps"].append(_info("2nd_step")),
     "step '2nd_step': a step id is at most"),
    ("offender", lambda raw: step_of(raw, "needs")["options"][0].update(
        value="n" * (MAX_OPTION_VALUE + 1)),
     f"step 'needs'.options[0]: an option value is at most {MAX_OPTION_VALUE} characters"),
    ("offender", lambda raw: step_of(raw, "needs")["options"][0].update(value="nee:niets"),
     "step 'needs'.options[0]: an option value is at most"),
    ("offender", lambda raw: step_of(raw, "needs")["options"][0].update(value="nee niets"),
     "step 'needs'.options[0]: an option value is at most"),
    ("offender", lambda raw: step_of(raw, "supporters")["fields"][0].update(
        id="f" * (MAX_FIELD_ID + 1)),
     f"step 'supporters'.fields[0]: a field id is at most {MAX_FIELD_ID} characters"),
    ("offender", lambda raw: step_of(raw, "supporters")["fields"][1].update(id="Relation"),
     "step 'supporters'.fields[1]: a field id is at most"),
    ("offender", lambda raw: step_of(raw, "supporters")["fields"][1].update(id="name"),
     "step 'supporters': has two fields with the same id"),
    ("offender", lambda raw: step_of(raw, "needs").update(options=_options(MAX_OPTIONS + 1)),
     f"step 'needs': has {MAX_OPTIONS + 1} options; at most {MAX_OPTIONS}"),
    # end texts: optional in a coordinator's form only
    ("offender", lambda raw: step_of(raw, "completed").pop("text"),
     "step 'completed'.text: needs a text per language"),
    ("add_party", lambda raw: step_of(raw, "added").update(text={"nl": "Klaar."}),
     "step 'added'.text: has no text in language 'en'"),
    # roles and placeholders
    ("add_supporter", lambda raw: raw.update(role="supporter"),
     "flow: a coordinator flow has no role"),
    ("offender", lambda raw: raw.pop("role"), "flow: a participant flow needs a role"),
    ("add_supporter", lambda raw: step_of(raw, "name")["text"].update(nl="Hallo {voorsteller}"),
     "unknown placeholder(s) ['voorsteller']"),
])
def test_each_new_rule_refuses_a_broken_flow_naming_file_and_step(
        tmp_path: Path, flow_id: str, mutate: object, expected: str) -> None:
    path = write_broken(tmp_path, mutate, flow_id)
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    assert expected in str(caught.value)
    assert f"{flow_id}.flow.yaml" in str(caught.value)


# -- the participants' talks: what the method asks of each ------------------------------------
PARTICIPANT_FLOWS = ("offender", "victim", "supporter", "third_party")
HERGO_QUESTIONS = ("Hoe heeft dit alles jou geraakt?",
                   "Welke gevolgen heeft deze gebeurtenis voor jou en anderen gehad?",
                   "Wat is voor jou het moeilijkste geweest?",
                   "Wat is volgens jou de kern van de zaak?")


def _texts(flow: Flow) -> list[tuple[str, str, str]]:
    """(step id, language, text) for every text a participant can be shown, labels too."""
    found: list[tuple[str, str, str]] = []
    pieces: list[tuple[str, LocalText | None]] = [("title", flow.title)]
    for step in flow.steps.values():
        pieces += [(step.id, step.text), (step.id, step.label), (step.id, step.more),
                   (step.id, step.add_label), (step.id, step.done_label)]
        pieces += [(step.id, o.label) for o in step.options]
        pieces += [(step.id, f.text) for f in step.fields] + [(step.id, f.label)
                                                            for f in step.fields]
    for where, text in pieces:
        if text is None:
            continue
        for texts in text.all_variants():
            found += [(where, lang, t) for lang, t in texts.items()]
    return found


def test_the_victims_talk_follows_the_method_in_order(flows: FlowRegistry) -> None:
    flow = flows.latest("victim")
    assert flow.role is Role.VICTIM and flow.version == 1
    order = list(flow.steps)
    assert order[:5] == ["welcome", "about_conference", "released_note", "acknowledgement",
                         "willing"]
    assert [(b.goto, b.when is not None) for b in flow.step("about_conference").next] == [
        ("released_note", True), ("acknowledgement", False)]  # no untrue acknowledgement
    yes_path = ["speaks_first", "questions_preview", "questions_notes", "repair_ideas",
                "supporters", "others", "availability", "needs", "address", "review"]
    assert [s for s in order if s in yes_path] == yes_path
    assert [(b.goto, b.when is not None) for b in flow.step("willing").next] == [
        ("instead", True), ("speaks_first", True), ("speaking_order", False)]
    assert flow.step("trusted_person").next[0].goto == "review"
    assert flow.step("own_story").next[0].goto == "review"
    assert flow.step("own_story").max_length == 3000 and not flow.step("own_story").optional
    assert flow.step("repair_ideas").optional and flow.step("questions_notes").optional
    assert [f.id for f in flow.step("trusted_person").fields] == ["name", "relation", "contact"]
    assert [f.id for f in flow.step("supporters").fields] == ["name", "relation", "contact"]
    assert [o.value for o in flow.step("address").options] == ["je", "u"]
    ends = {s.id: s.outcome for s in flow.steps.values() if s.kind is StepKind.END}
    assert ends == {"completed": "completed", "completed_instead": "completed",
                    "declined": "declined"}
    for variant in ("hergo", "eigen-kracht"):
        preview = flow.step("questions_preview").text.get("nl", variant)
        for question in HERGO_QUESTIONS:
            assert question in preview, (variant, question)
        assert "afspraak" in flow.step("repair_ideas").text.get("nl", variant)  # not binding
        assert "onafhankelijk" in flow.step("about_conference").text.get("nl", variant)
        assert "onderbroken" in flow.step("about_conference").text.get("nl", variant)
    assert "eerst" in flow.step("speaks_first").text.get("nl")


def test_the_victim_is_never_called_slachtoffer_nor_the_other_named(
        flows: FlowRegistry) -> None:
    for where, lang, text in _texts(flows.latest("victim")):
        assert "slachtoffer" not in text.lower() and "victim" not in text.lower(), where
        assert "dader" not in text.lower() and "offender" not in text.lower(), where
        assert not placeholders(text) - {"name", "conference"}, (where, lang)


def test_the_third_partys_talk_follows_the_method_in_order(flows: FlowRegistry) -> None:
    flow = flows.latest("third_party")
    assert flow.role is Role.THIRD_PARTY and flow.version == 1
    order = ["welcome", "about_conference", "voluntary", "relation", "questions_preview",
             "questions_notes", "plan_role", "others", "availability", "needs", "review"]
    assert [s for s in flow.steps if s in order] == order
    later = flow.step("voluntary").option("later")
    assert later is not None and later.action == "pause"
    for variant in ("hergo", "eigen-kracht"):
        preview = flow.step("questions_preview").text.get("nl", variant)
        assert all(q in preview for q in HERGO_QUESTIONS), variant
    outcomes = {s.outcome for s in flow.steps.values() if s.kind is StepKind.END}
    assert outcomes == {"completed", "declined"}


def test_every_participant_is_asked_who_else_should_be_there(flows: FlowRegistry) -> None:
    for flow_id in PARTICIPANT_FLOWS:
        others = flows.latest(flow_id).step("others")
        assert others.kind is StepKind.LIST, flow_id
        assert [(f.id, f.optional) for f in others.fields] == [
            ("name", False), ("involvement", False), ("contact", True)], flow_id


def test_every_participant_hears_who_is_told_what(flows: FlowRegistry) -> None:
    for flow_id in PARTICIPANT_FLOWS:
        welcome = flows.latest(flow_id).step("welcome").text
        assert "Wie hoort wat?" in welcome.get("nl") and "Who hears what?" in welcome.get("en")
        assert "alleen naar de coördinator" not in welcome.get("nl")


def test_a_supporter_is_told_whom_they_support(flows: FlowRegistry) -> None:
    flow = flows.latest("supporter")
    for variant in ("hergo", "eigen-kracht"):
        for lang in SUPPORTED_LANGUAGES:
            assert "supported" in placeholders(flow.step("about_conference").text.get(
                lang, variant))
            assert "{facts}" not in flow.step("questions_preview").text.get(lang, variant)


FLEMISH_ONLY = ("dank je om", "doe verder", "verder doen", "op het einde", "kan je")


def test_the_dutch_reads_well_in_flanders_and_the_netherlands(flows: FlowRegistry) -> None:
    for flow_id in PARTICIPANT_FLOWS:
        for where, lang, text in _texts(flows.latest(flow_id)):
            if lang == "nl":
                for phrase in FLEMISH_ONLY:
                    assert phrase not in text.lower(), (flow_id, where, phrase)


def test_the_catalogue_reads_well_in_flanders_and_the_netherlands(catalog: Catalog) -> None:
    for key, texts in catalog.texts.items():
        for phrase in FLEMISH_ONLY:
            assert phrase not in texts["nl"].lower(), (key, phrase)
