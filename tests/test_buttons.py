"""Every button's data goes through one codec: it round-trips, fits Telegram's 64 bytes,
and anything forged decodes to nothing."""

from __future__ import annotations

import pytest

from bot import buttons
from bot.buttons import (
    MAX_BYTES,
    MAX_ID,
    Button,
    ButtonTooLong,
    CaseTap,
    CaseVerb,
    HandOver,
    MyData,
    PassNote,
    PickLanguage,
    SwitchTalk,
    TalkTap,
    WhoAmI,
)
from bot.commands import COMMANDS, find, menu_for, talk_inputs
from bot.flows import MAX_STEP_ID, FlowRegistry
from bot.vocabulary import ActorKind

BIG = MAX_ID  # the largest id the codec takes: what a database integer holds


@pytest.mark.parametrize("button", [
    TalkTap(1, 2, "next"), TalkTap(BIG, 999_999, "e:" + "s" * MAX_STEP_ID),
    TalkTap(7, 3, "ie:12"), *(CaseTap(verb, BIG) for verb in CaseVerb), HandOver(BIG, BIG),
    PickLanguage("en"), SwitchTalk(BIG), PassNote(5, 1), PassNote(5, 0), WhoAmI(),
    MyData(1), MyData(2),
])
def test_every_kind_of_button_round_trips_within_64_bytes(button: Button) -> None:
    data = buttons.encode(button)
    assert len(data.encode()) <= MAX_BYTES
    assert buttons.decode(data) == button


def test_a_review_edit_keeps_the_colon_in_its_action() -> None:
    assert buttons.decode("t:12:7:e:facts") == TalkTap(12, 7, "e:facts")


@pytest.mark.parametrize("data", [
    "", "t", "t:1:2", "t:x:2:next", "t:1:-2:next", "t:1:2:next'; drop", "t:1:2:" + "a" * 60,
    "t:１:2:next", "t:1:²:next", "c:card", "c:nope:1", "c:card:1:2", "h:1", "l:de", "s:",
    "n:1:2", "w:1", "zz:1", "c:card:" + "1" * 13, "t:1:2:o0\n", f"c:card:{MAX_ID + 1}",
    "t:9223372036854775808:1:next", "m:3", "m:next",
])
def test_forged_or_malformed_data_decodes_to_nothing(data: str) -> None:
    assert buttons.decode(data) is None


def test_a_button_that_would_not_fit_is_refused_when_made() -> None:
    with pytest.raises(ButtonTooLong):
        buttons.encode(TalkTap(BIG, BIG, "e:" + "s" * 60))


def test_every_action_the_real_flows_can_put_on_a_button_fits(flows: FlowRegistry) -> None:
    for flow_id in flows.ids():
        flow = flows.latest(flow_id)
        for step in flow.steps.values():
            for action in (f"e:{step.id}", *(f"o{i}" for i in range(len(step.options)))):
                tap = TalkTap(BIG, 999_999, action)
                assert buttons.decode(buttons.encode(tap)) == tap


def test_the_command_table_answers_in_dutch_and_english_and_builds_the_menus() -> None:
    assert find("pauze") is find("pause") is not None
    assert find("zaken") is find("cases") is not None
    assert find("NIEUWEZAAK") is find("newcase")
    assert find("nonsense") is None
    participant = [c.name for c in menu_for(frozenset())]
    assert "newcase" not in participant and "pause" in participant
    coordinator = [c.name for c in menu_for(frozenset({ActorKind.COORDINATOR}))]
    assert "newcase" in coordinator and "audit" not in coordinator
    assert "audit" in [c.name for c in menu_for(frozenset({ActorKind.ADMIN}))]
    assert set(talk_inputs()) == {"/pause", "/pauze", "/back", "/terug", "/skip",
                                  "/overslaan", "/stop"}
    names = [word for c in COMMANDS for word in (c.name, c.alias)]
    assert len({c.name for c in COMMANDS}) == len(COMMANDS)
    assert all(len(word) <= 32 and word.islower() for word in names)


def test_every_use_case_declares_who_may_call_it() -> None:
    from bot.router import BUTTONS, CASE_VERBS

    for use_case in [*BUTTONS.values(), *CASE_VERBS.values(), *(c.run for c in COMMANDS)]:
        assert getattr(use_case, "allowed", None), use_case.__name__


def test_every_kind_of_button_has_a_prefix_of_its_own() -> None:
    from typing import get_args

    from bot.buttons import KINDS, Button

    kinds = get_args(Button)
    assert len({kind.PREFIX for kind in kinds}) == len(kinds) == len(KINDS)
