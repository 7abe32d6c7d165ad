"""The dialog engine over the real flow files: every branch of the offender's talk."""

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
                                               "conference": "HERGO", "reference": "Z-1"})
        self.result = begin(flow, self.ctx, catalog)
        self.events: list[str] = []

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
    t.tap("Ja, ik doe mee")
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


def test_offender_who_says_no_is_asked_to_confirm_and_the_precondition_fails(
        offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.tap("Nee")
    offender.say("Het was niet mijn schuld.")
    assert offender.state.step == "responsibility_confirm"
    assert "geen HERGO" in offender.last
    offender.tap("Ja, dat is mijn antwoord")
    assert offender.state.status == Status.ENDED
    assert offender.state.outcome == "precondition_not_met"
    assert offender.events == ["ended:precondition_not_met"]


def test_offender_who_says_no_can_reconsider(offender: Talker) -> None:
    walk_to_responsibility(offender)
    offender.tap("Nee")
    offender.tap("Overslaan")
    offender.tap("Ik wil mijn antwoord veranderen")
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
    offender.tap("Ja, dat is mijn antwoord")
    assert offender.state.outcome == "precondition_not_met"


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
    offender.tap("Ja, ik doe mee")
    assert FACTS in offender.last
    offender.tap("Voor een deel")
    assert offender.state.step == "facts_comment"
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
    offender.tap("Ja, dat is mijn antwoord")
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
    offender.say("ja, ik doe mee")
    assert offender.state.step == "facts_check"


def test_text_where_a_button_is_expected_gets_a_hint(offender: Talker) -> None:
    offender.tap("Verder")
    offender.tap("Verder")
    offender.say("misschien")
    assert offender.state.step == "voluntary"
    assert "Tik op een van de knoppen" in offender.result.replies[0].text
    assert "Ja, ik doe mee" in offender.labels()


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


@pytest.mark.parametrize("flow_id", ["new_case", "add_party", "supporter"])
def test_every_other_flow_can_be_walked_to_an_end(flows: FlowRegistry, catalog: Catalog,
                                                   flow_id: str) -> None:
    talk = Talker(flows.latest(flow_id), catalog)
    for _ in range(60):
        if talk.state.status == Status.ENDED:
            break
        labels = talk.labels()
        preferred = [x for x in labels if x not in ("« Terug", "Liever later")
                     and not x.startswith("Verander") and not x.startswith("Nee")]
        if preferred:
            talk.tap(preferred[0])
        else:
            talk.say("een antwoord")
    assert talk.state.status == Status.ENDED
    assert talk.state.outcome == "completed"
