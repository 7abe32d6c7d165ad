"""Every button's callback data, encoded and decoded in one place.

A button is a small typed value; `encode` turns it into at most 64 bytes (Telegram's limit)
and `decode` turns data back into a button, or None for anything malformed, unknown or
too long, which every caller refuses the same way. Data carries ids and short codes only,
never personal text. The first field names the kind; the last field of a talk button
(the engine's action, e.g. `e:facts`) may itself hold colons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import ClassVar

from bot import SUPPORTED_LANGUAGES
from bot.vocabulary import CaseOutcome, CheckAnswer, EvaluationAnswer, Rsvp

Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, encoded data)
MAX_BYTES = 64
MAX_ID_DIGITS = 10
MAX_ID = 2**31 - 1  # the largest id a database column holds (PostgreSQL's integer)
_ACTION = re.compile(r"[A-Za-z0-9_:-]{1,44}")
_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")


class CaseVerb(StrEnum):
    CARD = "card"
    ADD_PARTY = "add"
    REVOKE = "rev"
    REISSUE = "new"  # asks first when the party's talk has begun
    REISSUE_KEEP = "nk"  # confirmed: a new link, the talk and its answers go with it
    REISSUE_RESTART = "nr"  # confirmed: a new link, the unfinished talk set aside
    INVITE_PROPOSAL = "sup"
    DECLINE_PROPOSAL = "dec"  # the coordinator chooses not to invite someone proposed
    RELEASE = "rel"  # open a victim's talk before the acknowledgement, with a reason
    ANSWERS = "ans"  # read one party's answers
    NUDGE = "ndg"  # a gentle reminder to a party whose talk has gone quiet
    EDIT_FACTS = "fct"  # change the facts one offender reads
    ERASE = "era"  # grant a participant's request to erase their data
    CLOSE = "cls"  # the case is over: its retention period starts
    EXPORT = "exp"  # everything stored about the case, as a file
    ERASE_CASE = "erc"  # asks first
    ERASE_CASE_CONFIRM = "erx"
    KEEP = "kep"  # keep a closed case longer, with a reason
    HANDOVER = "ho"  # an admin picks who takes the case
    AUDIT = "aud"
    PLAN = "pln"  # plan the conference (or move it)
    CANCEL_CONFERENCE = "ccl"  # asks first
    CANCEL_CONFERENCE_CONFIRM = "ccx"
    PROPOSE_MOMENTS = "pmo"  # ask the prepared parties which moments suit them
    PICK_MOMENT = "pck"  # by the proposed moment's id: plan the conference then
    NAME_PRIVATE = "prv"  # a victim's name is not shown to the offender's side, or is again
    SCRIPT = "scr"  # the coordinator's conference script (text and PDF)
    PLAN_CARD = "plc"  # the repair plan of a case
    ADD_COMMITMENT = "pca"
    EDIT_COMMITMENT = "pce"  # by the commitment's id
    REMOVE_COMMITMENT = "pcr"
    OWNERS_DONE = "pco"  # by the commitment's id: who takes it on is chosen
    PLAN_DETAILS = "pld"  # who to inform, if things go otherwise, the evaluation
    SEND_PLAN = "pls"  # put the plan to the parties for signing
    REMIND_SIGNERS = "plr"
    PLAN_FOLLOWERS = "vfw"  # who follows the plan with /plan, and the report button
    PLAN_INFORM = "vin"  # by party id: mark them informed of the plan, or no longer
    FOLLOW_UP_REPORT = "vrp"  # the follow-up report (PDF) for the referrer, to review
    OUTCOME = "voc"  # ask how the case ended (a CaseOutcome)
    FOLLOW_UP = "fol"  # the follow-up of the plan's commitments (by case id)
    COMMITMENT_DONE = "cmd"  # by commitment id: the coordinator marks it done
    COMMITMENT_DATE = "cmt"  # a new due date (a form): the check-ins planned anew
    COMMITMENT_END = "cme"  # asks first
    COMMITMENT_END_CONFIRM = "cmx"


@dataclass(frozen=True)
class TalkTap:
    """An answer button under a question of a talk (or a coordinator's form)."""

    PREFIX: ClassVar[str] = "t"
    talk_id: int
    seq: int
    action: str


@dataclass(frozen=True)
class CaseTap:
    """A coordinator's (or admin's) action on a case, party or proposal, by id."""

    PREFIX: ClassVar[str] = "c"
    verb: CaseVerb
    ref: int


@dataclass(frozen=True)
class HandOver:
    """An admin hands a case to a coordinator (0: to the admin themselves)."""

    PREFIX: ClassVar[str] = "h"
    case_id: int
    coordinator_id: int


@dataclass(frozen=True)
class PickLanguage:
    PREFIX: ClassVar[str] = "l"
    language: str


@dataclass(frozen=True)
class SwitchTalk:
    """A person with several open talks picks the one to go on with."""

    PREFIX: ClassVar[str] = "s"
    talk_id: int


@dataclass(frozen=True)
class PassNote:
    """After a talk ended: pass what was just typed to the coordinator, or not."""

    PREFIX: ClassVar[str] = "n"
    talk_id: int
    send: int  # 1 yes, 0 no


@dataclass(frozen=True)
class MyData:
    """Under /mydata: 1 sends it as a file, 2 asks the coordinator to erase it."""

    PREFIX: ClassVar[str] = "m"
    action: int


@dataclass(frozen=True)
class ClearChat:
    """At a talk's end: delete the chat's copy of the questions and answers (1), or not."""

    PREFIX: ClassVar[str] = "x"
    talk_id: int
    send: int  # 1 yes, 0 no


@dataclass(frozen=True)
class WhoAmI:
    PREFIX: ClassVar[str] = "w"


@dataclass(frozen=True)
class Attend:
    """A party's answer to the conference's invitation (an `Rsvp` value), for the moment it
    was sent for."""

    PREFIX: ClassVar[str] = "a"
    attendance_id: int
    sequence: int  # the conference's version it answers: after a move, an old one is stale
    answer: str


@dataclass(frozen=True)
class Vote:
    """A party says a proposed moment suits them (1), or no longer does (0)."""

    PREFIX: ClassVar[str] = "v"
    moment_id: int
    send: int


@dataclass(frozen=True)
class Sign:
    """A party signs the plan version they were sent (1), or will not sign it (0)."""

    PREFIX: ClassVar[str] = "g"
    signature_id: int
    send: int


@dataclass(frozen=True)
class Owner:
    """The coordinator marks a party as taking on a commitment, or no longer (a toggle)."""

    PREFIX: ClassVar[str] = "o"
    commitment_id: int
    party_id: int


@dataclass(frozen=True)
class ShowPlan:
    """/plan again: how the commitments go."""

    PREFIX: ClassVar[str] = "pv"


@dataclass(frozen=True)
class TellDone:
    """Under /plan: tell me when a commitment is done (1), or no longer (0)."""

    PREFIX: ClassVar[str] = "pd"
    plan_id: int
    send: int


@dataclass(frozen=True)
class Invoke:
    """Under /plan: "this did not happen" about one commitment; 0 asks, 1 tells the
    coordinator."""

    PREFIX: ClassVar[str] = "pi"
    commitment_id: int
    send: int


@dataclass(frozen=True)
class Evaluate:
    """A participant's answer at the evaluation moment (an `EvaluationAnswer` value)."""

    PREFIX: ClassVar[str] = "pe"
    evaluation_id: int
    how: str


@dataclass(frozen=True)
class SetOutcome:
    """The coordinator records how a closed case ended (a `CaseOutcome` value)."""

    PREFIX: ClassVar[str] = "po"
    case_id: int
    outcome: str


@dataclass(frozen=True)
class CheckReply:
    """An owner's answer to a commitment's check-in (a `CheckAnswer` value)."""

    PREFIX: ClassVar[str] = "fa"
    check_id: int
    reply: str


@dataclass(frozen=True)
class Snooze:
    """After "not yet": ask again in this many days (1, 3 or 7), or 0: type a date."""

    PREFIX: ClassVar[str] = "fz"
    check_id: int
    days: int


@dataclass(frozen=True)
class ReportPaid:
    """An owner reports an instalment paid on a money commitment (the amount is typed)."""

    PREFIX: ClassVar[str] = "fp"
    commitment_id: int


@dataclass(frozen=True)
class ConfirmPaid:
    """Whom the money is owed confirms an instalment was received."""

    PREFIX: ClassVar[str] = "fr"
    payment_id: int


Button = (TalkTap | CaseTap | HandOver | PickLanguage | SwitchTalk | PassNote | MyData
          | ClearChat | WhoAmI | Attend | Vote | Sign | Owner | ShowPlan | TellDone | Invoke
          | Evaluate | SetOutcome | CheckReply | Snooze | ReportPaid | ConfirmPaid)
KINDS: dict[str, type[Button]] = {
    kind.PREFIX: kind for kind in (TalkTap, CaseTap, HandOver, PickLanguage, SwitchTalk,
                                   PassNote, MyData, ClearChat, WhoAmI, Attend, Vote, Sign,
                                   Owner, ShowPlan, TellDone, Invoke, Evaluate, SetOutcome,
                                   CheckReply, Snooze, ReportPaid, ConfirmPaid)
}
SNOOZE_DAYS = frozenset({0, 1, 3, 7})


class ButtonTooLong(ValueError):
    pass


def encode(button: Button) -> str:
    parts = [button.PREFIX, *(str(getattr(button, f.name)) for f in fields(button))]
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ButtonTooLong(f"{type(button).__name__} data is {len(data.encode())} bytes")
    return data


def decode(data: str) -> Button | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix, _, rest = data.partition(":")
    kind = KINDS.get(prefix)
    if kind is None:
        return None
    names = [f.name for f in fields(kind)]
    values = rest.split(":", len(names) - 1) if names else []
    if len(values) != len(names) or (not names and rest):
        return None
    parsed: dict[str, object] = {}
    for name, value in zip(names, values, strict=True):
        typed = _parse(kind, name, value)
        if typed is None:
            return None
        parsed[name] = typed
    return kind(**parsed)  # type: ignore[arg-type]


def _parse(kind: type[Button], name: str, value: str) -> object | None:
    if name == "action" and kind is MyData:
        return int(value) if value in ("1", "2") else None
    if name == "action":
        return value if _ACTION.fullmatch(value) else None
    if name == "verb":
        return CaseVerb(value) if value in CaseVerb._value2member_map_ else None
    if name == "answer":
        return value if value in Rsvp._value2member_map_ else None
    if name == "how":
        return value if value in EvaluationAnswer._value2member_map_ else None
    if name == "outcome":
        return value if value in CaseOutcome._value2member_map_ else None
    if name == "reply":
        return value if value in CheckAnswer._value2member_map_ else None
    if name == "days":
        return int(value) if value.isascii() and value.isdigit() and int(value) in SNOOZE_DAYS \
            else None
    if name == "language":
        return value if value in SUPPORTED_LANGUAGES else None
    if name == "send":
        return int(value) if value in ("0", "1") else None
    if _ID.fullmatch(value) and int(value) <= MAX_ID:  # an id: ASCII digits, no sign
        return int(value)
    return None
