"""The dialog engine over the real flow files: every branch of the participants' talks."""

from __future__ import annotations

import json

import pytest

from bot.catalog import Catalog
from bot.engine import (
    AskStop,
    Context,
    Edited,
    GoBack,
    Input,
    Media,
    PauseTalk,
    Press,
    Result,
    Say,
    Show,
    SkipStep,
    TalkState,
    advance,
    begin,
    migrate,
)
from bot.flows import Flow, FlowRegistry
from bot.vocabulary import TalkStatus as Status

FACTS = "Op 3 maart nam Sam de fiets van Noor mee. De fiets raakte beschadigd."


class Talker:
    """Plays one participant through a flow with the pure engine, as a person would."""

    def __init__(self, flow: Flow, catalog: Catalog, *, language: str = "nl",
                 variant: str = "hergo") -> None:
        self.flow = flow
        self.catalog = catalog
        self.ctx = Context(language, variant, {"name": "Sam", "facts": FACTS,
                                               "conference": "HERGO", "reference": "Z-1",
                                               "supported": "Noor"})
        self.result = begin(flow, self.ctx, catalog)
        self.events: list[str] = []
        self.shown: list[str] = [r.text for r in self.result.replies]  # every text shown

    @property
    def state(self) -> TalkState:
        return self.result.state

    @property
    def last(self) -> str:
        return self.result.replies[-1].text

    def labels(self) -> list[str]:
        return [b.label for r in self.result.replies for row in r.buttons for b in row]

    def send(self, event: Input) -> Result:
        # Every state must survive a round trip through JSON: it is stored in a table.
        stored = TalkState.from_json(json.loads(json.dumps(self.state.to_json())))
        self.result = advance(self.flow, stored, event, self.ctx, self.catalog)
        self.events += [f"{e.kind}:{e.outcome}" if e.outcome else e.kind
                        for e in self.result.events]
        self.shown += [r.text for r in self.result.replies]
        return self.result

    def tap(self, label: str) -> Result:
        for reply in self.result.replies:
            for row in reply.buttons:
                for button in row:
                    if button.label == label:
                        assert reply.seq is not None
                        return self.send(Press(reply.seq, button.action))
        raise AssertionError(f"no button {label!r}; buttons: {self.labels()}")

    def say(self, text: str) -> Result:
        return self.send(Say(text))


@pytest.fixture
def offender(flows: FlowRegistry, catalog: Catalog) -> Talker:
    return Talker(flows.latest("offender"), catalog)


def walk_to_responsibility(t: Talker) -> None:
    t.tap("Verder")
    t.tap("Verder")
    t.tap("Ja, ik doe mee aan dit gesprek")
    t.tap("Ja, dat klopt")
    t.say("Ik heb de fiets meegenomen.")
    assert t.state.step == "responsibility"


def test_offender_who_takes_responsibility_completes_the_talk(offender: Talker) -> None:
    assert "Hallo Sam" in offender.last
    walk_to_responsibility(offender)
    offender.tap("Ja")
    offender.tap("Overslaan")
    offender.tap("Ja")  # set things right
    offender.say("Noor, en haar ouders. Ze was bang.")
    assert "Wat is jouw aandeel?" in offender.last
    offender.tap("Verder")
    offender.say("Ik wil sorry zeggen.")
    offender.tap("Iemand toevoegen")
    offender.say("Mama")
    offender.say("mijn moeder")
    offender.say("0470 12 34 56")
    assert "Mama, mijn moeder, 0470 12 34 56" in offender.last
    offender.tap("Niemand (meer)")
    assert offender.state.step == "others" and "ouders of je voogd" in offender.last
    offender.tap("Iemand toevoegen")
    offender.say("Juf Ann")
    offender.say("leraar")
    offender.send(SkipStep())
    offender.tap("Niemand (meer)")
    offender.say("woensdagmiddag")
    offender.tap("Ja")
    offender.say("een tolk Arabisch")
    assert offender.state.step == "review"
    assert "woensdagmiddag" in offender.last and "Ik wil sorry zeggen." in offender.last
    offender.tap("✔ Versturen")
    assert offender.state.status == Status.ENDED
    assert offender.state.outcome == "completed"
    assert offender.events == ["ended:completed"]
    answers = offender.state.answers
    assert answers["responsibility"] == "yes"
    assert answers["responsibility_explain"] is None
    assert answers["supporters"] == [{"name": "Mama", "relation": "mijn moeder",
                                      "contact": "0470 12 34 56"}]
    assert answers["needs_detail"] == "een tolk Arabisch"
    assert answers["facts_check"] == "yes"
    assert answers["others"] == [{"name": "Juf Ann", "involvement": "leraar", "contact": None}]


def test_offender_who_says_no_is_asked_to_confirm_and_the_precondition_fails(
        offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.tap("Nee")
    offender.say("Het was niet mijn schuld.")
    assert offender.state.step == "responsibility_confirm"
    assert "per ongeluk" in offender.last and "HERGO" not in offender.last  # no pressure
    assert offender.labels() == ["Ja, ik bedoel nee", "Nee, ik tikte verkeerd", "« Terug"]
    offender.tap("Ja, ik bedoel nee")
    assert offender.state.status == Status.ENDED
    assert offender.state.outcome == "precondition_not_met"
    assert offender.events == ["ended:precondition_not_met"]


def test_offender_who_says_no_can_reconsider(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.tap("Nee")
    offender.tap("Overslaan")
    offender.tap("Nee, ik tikte verkeerd")
    assert offender.state.step == "responsibility"
    offender.tap("Voor een deel")
    offender.tap("Overslaan")
    assert offender.state.step == "set_right"
    assert offender.state.answers["responsibility"] == "partly"


def test_offender_who_will_not_set_things_right_fails_the_precondition(
        offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.tap("Ja")
    offender.tap("Overslaan")
    offender.tap("Nee")
    assert offender.state.step == "set_right_confirm"
    assert "per ongeluk" in offender.last
    offender.tap("Ja, ik bedoel nee")
    assert offender.state.outcome == "precondition_not_met"
    assert offender.state.answers["set_right"] == "no"


def test_offender_who_tapped_no_on_setting_right_by_mistake_goes_back(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.tap("Ja")
    offender.tap("Overslaan")
    offender.tap("Nee")
    offender.tap("Nee, ik tikte verkeerd")
    assert offender.state.step == "set_right"
    offender.tap("Ik weet het nog niet")
    assert offender.state.step == "affected"
    assert offender.state.answers["set_right"] == "unsure"


def test_offender_who_declines_ends_the_talk_and_their_reason_is_kept(offender: Talker) -> None:
    offender.tap("Verder")
    offender.tap("Verder")
    offender.tap("Nee, ik wil niet meedoen")
    offender.say("Ik wil er niet meer aan denken.")
    assert offender.state.outcome == "declined"
    assert offender.state.answers == {"voluntary": "no",
                                      "decline_reason": "Ik wil er niet meer aan denken."}


def test_offender_who_doubts_the_facts_explains_what_is_different(offender: Talker) -> None:
    offender.tap("Verder")
    offender.tap("Verder")
    offender.tap("Ja, ik doe mee aan dit gesprek")
    assert FACTS in offender.last
    assert offender.labels() == ["Ja, dat klopt", "Nee, er klopt iets niet", "« Terug"]
    offender.tap("Nee, er klopt iets niet")
    assert offender.state.step == "facts_comment"
    assert offender.state.answers["facts_check"] == "no"
    offender.say("Het was op 4 maart.")
    assert offender.state.step == "own_account"


def test_later_pauses_and_any_message_resumes_at_the_same_question(offender: Talker) -> None:
    offender.tap("Verder")
    offender.tap("Verder")
    offender.tap("Liever later")
    assert offender.state.status == Status.PAUSED
    assert offender.events == ["paused"]
    offender.send(Show())
    assert offender.state.status == Status.ACTIVE
    assert offender.state.step == "voluntary"
    assert "Welkom terug" in offender.result.replies[0].text


def test_back_returns_to_the_previous_question_and_keeps_the_answer(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.send(GoBack())
    assert offender.state.step == "own_account"
    assert offender.state.answers["own_account"] == "Ik heb de fiets meegenomen."
    offender.say("Ik nam de fiets.")
    assert offender.state.answers["own_account"] == "Ik nam de fiets."


def test_back_on_the_first_step_says_so_kindly(offender: Talker) -> None:
    offender.send(GoBack())
    assert offender.state.step == "welcome"
    assert "eerste vraag" in offender.result.replies[0].text


def finish_up_to_review(t: Talker) -> None:
    walk_to_responsibility(t)
    t.tap("Ja")
    t.say("Het spijt me.")
    t.tap("Ja")
    t.say("Noor")
    t.tap("Verder")
    t.tap("Overslaan")
    t.tap("Niemand (meer)")
    t.tap("Niemand (meer)")
    t.say("maandag")
    t.tap("Nee, niets")
    assert t.state.step == "review"


def test_changing_an_answer_in_the_review_returns_to_the_review(offender: Talker) -> None:
    finish_up_to_review(offender)
    offender.tap("Verander: Wanneer je kunt")
    assert offender.state.step == "availability"
    assert "maandag" in offender.last  # the current answer is shown
    offender.say("dinsdag na school")
    assert offender.state.step == "review"
    assert "dinsdag na school" in offender.last
    offender.tap("✔ Versturen")
    assert offender.state.outcome == "completed"
    assert offender.state.answers["availability"] == "dinsdag na school"


def test_changing_responsibility_to_no_in_the_review_follows_the_no_branch(
        offender: Talker) -> None:
    finish_up_to_review(offender)
    offender.tap("Verander: Verantwoordelijkheid")
    offender.tap("Nee")
    # the path turns at the explanation (already answered): straight to the confirmation
    assert offender.state.step == "responsibility_confirm"
    offender.tap("Ja, ik bedoel nee")
    assert offender.state.outcome == "precondition_not_met"
    # answers given on the abandoned path are not reported
    assert "availability" not in offender.state.answers


def test_a_button_from_an_earlier_question_is_refused_and_the_question_shown(
        offender: Talker) -> None:
    old = offender.result.replies[0]
    offender.tap("Verder")
    assert old.seq is not None
    offender.send(Press(old.seq, "next"))
    assert offender.state.step == "about_conference"
    assert "eerdere vraag" in offender.result.replies[0].text


def test_a_forged_action_changes_nothing(offender: Talker) -> None:
    offender.tap("Verder")
    offender.tap("Verder")
    before = offender.state
    offender.send(Press(before.seq, "o99"))
    assert offender.state.step == "voluntary" and offender.state.answers == {}
    offender.send(Press(offender.state.seq, "e:voluntary"))
    assert offender.state.step == "voluntary"
    assert "werkt niet" in offender.result.replies[0].text


def test_typed_text_matching_a_button_counts_as_tapping_it(offender: Talker) -> None:
    offender.tap("Verder")
    offender.tap("Verder")
    offender.say("ja, ik doe mee aan dit gesprek")
    assert offender.state.step == "facts_check"


def test_text_where_a_button_is_expected_gets_a_hint(offender: Talker) -> None:
    offender.tap("Verder")
    offender.tap("Verder")
    offender.say("misschien")
    assert offender.state.step == "voluntary"
    assert "Tik op een van de knoppen" in offender.result.replies[0].text
    assert "Ja, ik doe mee aan dit gesprek" in offender.labels()


def test_media_gets_a_kind_answer_and_nothing_is_lost(offender: Talker) -> None:
    walk_to_responsibility(offender)
    before = dict(offender.state.answers)
    offender.send(Media())
    assert offender.state.answers == before
    assert "alleen getypte tekst" in offender.result.replies[0].text
    assert offender.state.step == "responsibility"


def test_over_long_text_is_refused_with_the_limit_and_nothing_is_lost(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.send(GoBack())
    offender.say("x" * 3001)
    assert offender.state.step == "own_account"
    assert "3001" in offender.result.replies[0].text and "3000" in offender.result.replies[0].text
    assert offender.state.answers["own_account"] == "Ik heb de fiets meegenomen."


def test_an_edited_message_keeps_the_first_answer(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.send(Edited())
    assert offender.state.answers["own_account"] == "Ik heb de fiets meegenomen."
    assert "eerst stuurde" in offender.result.replies[0].text


def test_skip_on_a_required_question_is_refused(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.send(SkipStep())
    assert offender.state.step == "responsibility"
    assert "niet overslaan" in offender.result.replies[0].text


def test_stop_asks_first_then_withdraws_and_can_be_undone(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.send(AskStop())
    assert offender.state.status == Status.ACTIVE
    offender.tap("Nee, ik ga verder")
    assert offender.state.step == "responsibility"
    offender.send(AskStop())
    offender.tap("Ja, ik stop")
    assert offender.state.status == Status.WITHDRAWN
    offender.say("hallo?")
    assert "eerder gestopt" in offender.last
    offender.tap("Ik wil toch verder")
    assert offender.state.status == Status.ACTIVE
    assert offender.state.step == "responsibility"
    assert offender.events == ["withdrawn", "resumed"]


def test_pause_command_and_an_ended_talk(offender: Talker) -> None:
    offender.send(PauseTalk())
    assert offender.state.status == Status.PAUSED
    offender.say("hoi")  # resumes; the text does not fit the info step
    assert offender.state.status == Status.ACTIVE


def test_the_talk_reads_in_english_and_per_variant(flows: FlowRegistry,
                                                     catalog: Catalog) -> None:
    talk = Talker(flows.latest("offender"), catalog, language="en", variant="eigen-kracht")
    assert "Hello Sam" in talk.last
    talk.tap("Next")
    assert "Nothing is decided beforehand" in talk.last
    assert talk.labels() == ["Next", "« Back"]


def test_a_talk_on_a_removed_flow_version_is_migrated_keeping_answers(
        flows: FlowRegistry) -> None:
    flow = flows.latest("offender")
    old = TalkState("offender", 99, "gone_step", answers={"own_account": "x", "gone_step": "y"},
                    path=("welcome", "own_account", "gone_step"))
    moved = migrate(old, flow)
    assert moved.flow_version == flow.version
    assert moved.answers == {"own_account": "x"}
    assert moved.step in flow.steps


@pytest.mark.parametrize("flow_id", ["new_case", "add_party", "supporter", "victim",
                                     "third_party"])
def test_every_other_flow_can_be_walked_to_an_end(flows: FlowRegistry, catalog: Catalog,
                                                   flow_id: str) -> None:
    talk = Talker(flows.latest(flow_id), catalog)
    for _ in range(60):
        if talk.state.status == Status.ENDED:
            break
        labels = talk.labels()
        preferred = [x for x in labels if x not in ("« Terug", "Liever later", "Iemand toevoegen")
                     and not x.startswith(("Verander", "Nee", "✏", "✕"))]
        preferred = [x for x in preferred if x == "Niemand (meer)"] or preferred
        if preferred:
            talk.tap(preferred[0])
        else:
            talk.say("een antwoord")
    assert talk.state.status == Status.ENDED
    assert talk.state.outcome == "completed"


# -- the offender, version 2 ------------------------------------------------------------------
def test_under_hergo_the_offender_is_not_told_they_speak_first(offender: Talker) -> None:
    finish_up_to_review(offender)
    preview = next(t for t in offender.shown if "Wat is jouw aandeel?" in t)
    assert "eerst" not in preview
    assert "Voordat jullie aan het herstelplan beginnen" in preview  # H 55-56


def test_under_eigen_kracht_the_offender_tells_first_and_may_respond(
        flows: FlowRegistry, catalog: Catalog) -> None:
    talk = Talker(flows.latest("offender"), catalog, variant="eigen-kracht")
    finish_up_to_review(talk)
    preview = next(t for t in talk.shown if "Wat is jouw aandeel?" in t)
    assert "vertel jij eerst" in preview and "iets wil rechtzetten" in preview


def test_the_offender_hears_who_is_told_what(offender: Talker) -> None:
    welcome = offender.last
    for told in ("naar je coördinator", "de dupe is", "hoort iedereen", "Het herstelplan gaat"):
        assert told in welcome, told
    offender.tap("Verder")
    offender.tap("Verder")
    assert "beslis je later" in offender.last  # yes is consent to this talk, not yet more


@pytest.mark.parametrize(("flow_id", "walk"), [
    ("offender", ["Verder", "Verder", "Ja, ik doe mee", "Ja, dat klopt", "Overslaan", "Ja",
                  "Overslaan", "Ja", "Noor", "Verder", "Overslaan", "Niemand (meer)", "maandag",
                  "Nee, niets", "✔ Versturen"]),
    ("supporter", ["Verder", "Verder", "Ja, ik doe mee", "Verder", "Overslaan", "maandag",
                   "Nee, niets", "✔ Versturen"]),
])
def test_a_talk_begun_on_an_archived_version_can_still_finish(
        flows: FlowRegistry, catalog: Catalog, flow_id: str, walk: list[str]) -> None:
    first = flows.get(flow_id, 1)
    assert first is not None and "others" not in first.steps
    talk = Talker(first, catalog)
    for move in walk:
        if move in talk.labels():
            talk.tap(move)
        else:
            talk.say(move)
    assert talk.state.outcome == "completed" and talk.state.flow_version == 1


# -- the supporter, version 2 -----------------------------------------------------------------
@pytest.mark.parametrize("variant", ["hergo", "eigen-kracht"])
def test_a_supporter_hears_whom_they_support_and_proposes_others(
        flows: FlowRegistry, catalog: Catalog, variant: str) -> None:
    talk = Talker(flows.latest("supporter"), catalog, variant=variant)
    assert "Noor ziet je antwoorden niet" in talk.last
    talk.tap("Verder")
    assert "Noor te steunen" in talk.last
    talk.tap("Verder")
    talk.tap("Ja, ik doe mee aan dit gesprek")
    assert "iets op je nemen" in talk.last  # a commitment in the plan (H 63-64)
    talk.tap("Verder")
    talk.tap("Overslaan")
    assert talk.state.step == "others"
    talk.tap("Iemand toevoegen")
    talk.say("Opa Jan")
    talk.say("opa")
    talk.say("0612345678")
    talk.tap("Niemand (meer)")
    talk.say("zaterdag")
    talk.tap("Nee, niets")
    talk.tap("✔ Versturen")
    assert talk.state.outcome == "completed"
    assert talk.state.answers["others"] == [{"name": "Opa Jan", "involvement": "opa",
                                             "contact": "0612345678"}]


# -- the victim -------------------------------------------------------------------------------
def victim_to_willing(t: Talker) -> None:
    t.tap("Verder")
    t.tap("Verder")
    assert "erkent zijn of haar aandeel" in t.last
    t.tap("Verder")
    assert t.state.step == "willing"


def victim_yes_to_review(t: Talker, *, first: str | None) -> None:
    """From the willingness question to the review, on the 'yes' path."""
    t.tap("Ja, ik wil meedoen")
    if first is not None:
        assert t.state.step == "speaks_first"
        t.tap(first)
    else:
        assert t.state.step == "speaking_order"
        assert "volgorde" in t.last
        t.tap("Verder")
    assert "Wat is volgens jou de kern van de zaak?" in t.last
    t.tap("Verder")
    t.say("Ik was heel bang.")
    assert t.state.step == "repair_ideas" and "nog geen afspraak" in t.last
    t.say("Een nieuwe fiets.")
    assert t.state.step == "supporters"
    t.tap("Iemand toevoegen")
    t.say("Els")
    t.say("mijn zus")
    t.send(SkipStep())
    t.tap("Niemand (meer)")
    assert t.state.step == "others"
    t.tap("Iemand toevoegen")
    t.say("Meester Tom")
    t.say("leraar")
    t.say("school@example.org")
    t.tap("Niemand (meer)")
    t.say("na 16 uur")
    t.tap("Ja")
    t.say("Ik wil niet naast zijn vader zitten.")
    assert t.state.step == "address"
    t.tap("Met u")
    assert t.state.step == "review"


@pytest.fixture
def victim(flows: FlowRegistry, catalog: Catalog) -> Talker:
    return Talker(flows.latest("victim"), catalog)


@pytest.mark.parametrize(("label", "value"), [
    ("Ik vertel eerst", "victim_first"),
    ("De andere persoon vertelt eerst", "offender_first"),
    ("De coördinator mag kiezen", "coordinator_decides"),
])
def test_under_hergo_the_victim_chooses_who_tells_first_and_completes(
        victim: Talker, label: str, value: str) -> None:
    assert "Hallo Sam" in victim.last and "zonder dat jij het weet" in victim.last
    victim_to_willing(victim)
    victim_yes_to_review(victim, first=label)
    victim.tap("✔ Versturen")
    assert victim.state.outcome == "completed" and victim.events == ["ended:completed"]
    answers = victim.state.answers
    assert answers["willing"] == "yes" and answers["speaks_first"] == value
    assert answers["questions_notes"] == "Ik was heel bang."
    assert answers["repair_ideas"] == "Een nieuwe fiets."
    assert answers["supporters"] == [{"name": "Els", "relation": "mijn zus", "contact": None}]
    assert answers["others"] == [{"name": "Meester Tom", "involvement": "leraar",
                                  "contact": "school@example.org"}]
    assert answers["availability"] == "na 16 uur" and answers["needs"] == "yes"
    assert answers["needs_detail"] == "Ik wil niet naast zijn vader zitten."
    assert answers["address"] == "u"
    assert "instead" not in answers and "speaking_order" not in answers


def test_under_eigen_kracht_the_victim_hears_the_fixed_order(
        flows: FlowRegistry, catalog: Catalog) -> None:
    talk = Talker(flows.latest("victim"), catalog, variant="eigen-kracht")
    victim_to_willing(talk)
    victim_yes_to_review(talk, first=None)
    assert "Verander: Wie vertelt eerst" not in talk.labels()
    talk.tap("✔ Versturen")
    assert talk.state.outcome == "completed"
    assert "speaks_first" not in talk.state.answers
    order = next(t for t in talk.shown if "volgorde" in t)
    assert order.index("verantwoordelijk") < order.index("Daarna vertel jij")


def test_a_victim_with_nothing_to_add_skips_the_optional_questions(victim: Talker) -> None:
    victim_to_willing(victim)
    victim.tap("Ja, ik wil meedoen")
    victim.tap("De coördinator mag kiezen")
    victim.tap("Verder")
    victim.tap("Overslaan")
    victim.tap("Overslaan")
    victim.tap("Niemand (meer)")
    victim.tap("Niemand (meer)")
    victim.say("maandag")
    victim.tap("Nee, niets")
    assert victim.state.step == "address"
    victim.tap("Met je")
    victim.tap("✔ Versturen")
    answers = victim.state.answers
    assert victim.state.outcome == "completed"
    assert answers["questions_notes"] is None and answers["repair_ideas"] is None
    assert answers["supporters"] == [] and answers["others"] == []
    assert answers["needs"] == "no" and "needs_detail" not in answers
    assert answers["address"] == "je"


def test_a_victim_who_wants_to_think_pauses_and_comes_back_to_the_question(
        victim: Talker) -> None:
    victim_to_willing(victim)
    victim.tap("Ik wil er eerst over nadenken")
    assert victim.state.status == Status.PAUSED
    assert victim.events == ["thinking"]
    assert "willing" not in victim.state.answers  # no answer until they choose
    victim.send(Show())
    assert victim.state.status == Status.ACTIVE and victim.state.step == "willing"
    victim.tap("Ja, ik wil meedoen")
    assert victim.state.step == "speaks_first"


def test_a_victim_who_will_not_come_may_send_a_trusted_person(victim: Talker) -> None:
    victim_to_willing(victim)
    victim.tap("Nee, ik kom liever niet")
    assert victim.state.step == "instead"
    victim.tap("Iemand in mijn plaats sturen")
    assert victim.state.step == "trusted_person"
    victim.tap("Iemand toevoegen")
    victim.say("Ria")
    victim.say("mijn buurvrouw")
    victim.say("0470 11 22 33")
    victim.tap("Klaar")
    assert victim.state.step == "review"  # no speaking order, questions or availability
    victim.tap("✔ Versturen")
    assert victim.state.outcome == "completed" and victim.state.step == "completed_instead"
    assert victim.events == ["ended:completed"]
    assert victim.state.answers == {
        "willing": "no", "instead": "trusted_person",
        "trusted_person": [{"name": "Ria", "relation": "mijn buurvrouw",
                            "contact": "0470 11 22 33"}]}


def test_a_victim_who_will_not_come_may_have_their_story_told(victim: Talker) -> None:
    victim_to_willing(victim)
    victim.tap("Nee, ik kom liever niet")
    victim.tap("Mijn verhaal laten vertellen")
    assert victim.state.step == "own_story" and "aan iedereen die er is" in victim.last
    victim.send(SkipStep())
    assert victim.state.step == "own_story"  # the story is the point: it cannot be skipped
    victim.say("x" * 3001)
    assert victim.state.step == "own_story" and "3000" in victim.result.replies[0].text
    victim.say("Sinds die dag fiets ik niet meer alleen naar school.")
    victim.tap("✔ Versturen")
    assert victim.state.outcome == "completed" and victim.state.step == "completed_instead"
    assert victim.state.answers == {
        "willing": "no", "instead": "own_story",
        "own_story": "Sinds die dag fiets ik niet meer alleen naar school."}


@pytest.mark.parametrize("reason", ["Ik wil het achter me laten.", None])
def test_a_victim_who_wants_neither_ends_declined(victim: Talker, reason: str | None) -> None:
    victim_to_willing(victim)
    victim.tap("Nee, ik kom liever niet")
    victim.tap("Geen van beide")
    assert victim.state.step == "decline_reason"
    if reason is None:
        victim.tap("Overslaan")
    else:
        victim.say(reason)
    assert victim.state.outcome == "declined" and victim.events == ["ended:declined"]
    assert victim.state.answers == {"willing": "no", "instead": "nothing",
                                    "decline_reason": reason}


def test_a_victim_who_changes_no_to_yes_in_the_review_goes_on_the_yes_path(
        victim: Talker) -> None:
    victim_to_willing(victim)
    victim.tap("Nee, ik kom liever niet")
    victim.tap("Mijn verhaal laten vertellen")
    victim.say("Mijn verhaal.")
    victim.tap("Verander: Meedoen")
    victim.tap("Ja, ik wil meedoen")
    assert victim.state.step == "speaks_first"
    victim_to_review = ["Ik vertel eerst", "Verder", "Overslaan", "Overslaan",
                        "Niemand (meer)", "Niemand (meer)", "maandag", "Nee, niets", "Met je"]
    for move in victim_to_review:
        if move in victim.labels():
            victim.tap(move)
        else:
            victim.say(move)
    victim.tap("✔ Versturen")
    assert victim.state.step == "completed"
    assert "own_story" not in victim.state.answers and "instead" not in victim.state.answers


def test_the_victim_is_never_called_victim_in_any_branch(
        flows: FlowRegistry, catalog: Catalog) -> None:
    shown: list[str] = []
    for variant in ("hergo", "eigen-kracht"):
        yes = Talker(flows.latest("victim"), catalog, variant=variant)
        victim_to_willing(yes)
        victim_yes_to_review(yes, first="Ik vertel eerst" if variant == "hergo" else None)
        yes.tap("✔ Versturen")
        no = Talker(flows.latest("victim"), catalog, variant=variant)
        victim_to_willing(no)
        no.tap("Nee, ik kom liever niet")
        no.tap("Geen van beide")
        no.tap("Overslaan")
        shown += yes.shown + no.shown
    for text in shown:
        assert "slachtoffer" not in text.lower()


def test_the_victims_talk_reads_in_english(flows: FlowRegistry, catalog: Catalog) -> None:
    talk = Talker(flows.latest("victim"), catalog, language="en", variant="eigen-kracht")
    assert "Who hears what?" in talk.last
    talk.tap("Next")
    talk.tap("Next")
    talk.tap("Next")
    assert talk.labels() == ["Yes, I want to take part", "I want to think about it first",
                             "No, I'd rather not come", "« Back"]
    talk.tap("No, I'd rather not come")
    talk.tap("Send someone in my place")
    assert talk.state.step == "trusted_person"


# -- the third party --------------------------------------------------------------------------
@pytest.fixture
def third_party(flows: FlowRegistry, catalog: Catalog) -> Talker:
    return Talker(flows.latest("third_party"), catalog)


@pytest.mark.parametrize("variant", ["hergo", "eigen-kracht"])
def test_a_third_party_completes_their_talk(flows: FlowRegistry, catalog: Catalog,
                                            variant: str) -> None:
    talk = Talker(flows.latest("third_party"), catalog, variant=variant)
    talk.tap("Verder")
    assert "leraar" in talk.last
    talk.tap("Verder")
    talk.tap("Ja, ik doe mee aan dit gesprek")
    assert talk.state.step == "relation"
    talk.say("Ik ben de leraar van de klas.")
    assert "Wat is volgens jou de kern van de zaak?" in talk.last
    talk.tap("Verder")
    talk.say("De klas is onrustig.")
    assert talk.state.step == "plan_role"
    assert "iets op je nemen" in talk.last and "wie van het plan moet horen" in talk.last
    talk.tap("Verder")
    talk.tap("Iemand toevoegen")
    talk.say("Mevrouw Peeters")
    talk.say("directeur")
    talk.send(SkipStep())
    talk.tap("Niemand (meer)")
    talk.say("op schooldagen na 15 uur")
    talk.tap("Ja")
    talk.say("een rolstoelplek")
    talk.tap("✔ Versturen")
    assert talk.state.outcome == "completed" and talk.events == ["ended:completed"]
    assert talk.state.answers == {
        "voluntary": "yes", "relation": "Ik ben de leraar van de klas.",
        "questions_notes": "De klas is onrustig.",
        "others": [{"name": "Mevrouw Peeters", "involvement": "directeur", "contact": None}],
        "availability": "op schooldagen na 15 uur", "needs": "yes",
        "needs_detail": "een rolstoelplek"}


def test_a_third_party_with_nothing_to_add_skips_and_needs_nothing(third_party: Talker) -> None:
    for move in ("Verder", "Verder", "Ja, ik doe mee aan dit gesprek"):
        third_party.tap(move)
    third_party.say("buurman")
    third_party.tap("Verder")
    third_party.tap("Overslaan")
    third_party.tap("Verder")
    third_party.tap("Niemand (meer)")
    third_party.say("maandag")
    third_party.tap("Nee, niets")
    assert third_party.state.step == "review"
    third_party.tap("✔ Versturen")
    assert third_party.state.outcome == "completed"
    assert third_party.state.answers["others"] == []
    assert "needs_detail" not in third_party.state.answers


def test_a_third_party_may_pause_and_come_back(third_party: Talker) -> None:
    third_party.tap("Verder")
    third_party.tap("Verder")
    third_party.tap("Liever later")
    assert third_party.state.status == Status.PAUSED and third_party.events == ["paused"]
    third_party.send(Show())
    assert third_party.state.step == "voluntary"


@pytest.mark.parametrize("reason", ["Ik ken de mensen niet goed.", None])
def test_a_third_party_who_declines_ends_declined(third_party: Talker,
                                                  reason: str | None) -> None:
    third_party.tap("Verder")
    third_party.tap("Verder")
    third_party.tap("Nee, ik wil niet meedoen")
    if reason is None:
        third_party.tap("Overslaan")
    else:
        third_party.say(reason)
    assert third_party.state.outcome == "declined"
    assert third_party.state.answers == {"voluntary": "no", "decline_reason": reason}
