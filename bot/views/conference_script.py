"""The coordinator's script for the conference, built from the case: the method's five phases
(HERGO protocol, H 22-84; Eigen Kracht, E 157-176) with every participant by first name and
role, in the order the method (and, under HERGO, the victim) chose.

Pure: the use case gathers the input from the database. The script is built once as a list of
parts, so the chat text and the PDF always say the same. Only what participants gave to be
shared at the conference appears beside their name; nothing else from their talks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.catalog import Catalog, role_name
from bot.pdf_document import FontFiles, PdfDocument
from bot.vocabulary import Role, Variant

BULLET = "• "
INDENT = 5  # mm: questions and quotes under their name


class Part(StrEnum):
    HEADING = "heading"
    SUBHEADING = "subheading"
    TEXT = "text"
    BULLET = "bullet"
    QUESTION = "question"  # one of the method's guiding questions, under whom it is asked of
    QUOTE = "quote"  # a participant's own words, as they gave them


@dataclass(frozen=True)
class Someone:
    first_name: str
    role: Role


@dataclass(frozen=True)
class Participant:
    first_name: str
    role: Role
    supports: Someone | None = None  # a supporter's: whom they support
    # (label, text) the participant gave to be shared at the conference, and nothing else
    shared: tuple[tuple[str, str], ...] = ()
    comes: bool = True  # False: a victim who will not come themselves
    instead: str | None = None  # such a victim's choice: trusted_person or own_story
    stands_in: bool = False  # a trusted person, in the place of the victim they support


@dataclass(frozen=True)
class ScriptInput:
    reference: str
    variant: Variant
    facts: str
    participants: tuple[Participant, ...]
    speaks_first: str | None = None  # hergo: the victim's choice (PartyFact.SPEAKS_FIRST)
    when: str | None = None
    where: str | None = None


Script = list[tuple[Part, str]]


@dataclass(frozen=True)
class _Groups:
    """The participants in the method's order (H 25, H 41-53)."""

    offenders: list[Participant]
    victims: list[Participant]
    stand_ins: list[Participant]
    victim_supporters: list[Participant]
    third_parties: list[Participant]
    other_supporters: list[Participant]  # the offenders' (and anyone else's) supporters

    @classmethod
    def of(cls, participants: Sequence[Participant]) -> _Groups:
        def supporter_of_victim(p: Participant) -> bool:
            return p.supports is not None and p.supports.role == Role.VICTIM

        supporters = [p for p in participants if p.role == Role.SUPPORTER and not p.stands_in]
        return cls(
            offenders=[p for p in participants if p.role == Role.OFFENDER],
            victims=[p for p in participants if p.role == Role.VICTIM],
            stand_ins=[p for p in participants if p.role == Role.SUPPORTER and p.stands_in],
            victim_supporters=[p for p in supporters if supporter_of_victim(p)],
            third_parties=[p for p in participants if p.role == Role.THIRD_PARTY],
            other_supporters=[p for p in supporters if not supporter_of_victim(p)])

    def after_the_first(self) -> list[Participant]:
        return [*self.victim_supporters, *self.third_parties, *self.other_supporters]


class _Writer:
    """Collects the parts in the coordinator's language."""

    def __init__(self, catalog: Catalog, language: str) -> None:
        self.catalog, self.language = catalog, language
        self.parts: Script = []

    def t(self, key: str, **params: object) -> str:
        return self.catalog(key, self.language, **params)

    def add(self, part: Part, key: str, **params: object) -> None:
        self.parts.append((part, self.t(key, **params)))

    def who(self, p: Participant) -> str:
        """"Sam (offender)", "Mama (supporter of Sam, offender)"."""
        role = role_name(self.catalog, p.role, self.language)
        if p.supports is None:
            return self.t("script.who", name=p.first_name, role=role)
        other = role_name(self.catalog, p.supports.role, self.language)
        key = "script.who_stands_in" if p.stands_in else "script.who_supports"
        return self.t(key, name=p.first_name, role=role, other=p.supports.first_name,
                      other_role=other)

    def names(self, people: Sequence[Participant], fallback: str) -> str:
        """"Sam", "Sam and Ali", "Sam, Ali and Jo"; `fallback` (a catalogue key) for nobody."""
        first = [p.first_name for p in people]
        if not first:
            return self.t(fallback)
        if len(first) == 1:
            return first[0]
        return self.t("script.and", some=", ".join(first[:-1]), last=first[-1])


def conference_script(data: ScriptInput, catalog: Catalog, language: str) -> Script:
    """The script as parts (heading, text, bullet, ...), for the chat and the PDF alike."""
    w = _Writer(catalog, language)
    groups = _Groups.of(data.participants)
    w.add(Part.TEXT, f"conference.{data.variant}")
    for key, value in (("script.when", data.when), ("script.where", data.where)):
        if value:
            w.add(Part.TEXT, key, value=value)
    w.add(Part.TEXT, "script.for_you")
    _introduction(w, data, groups)
    _the_incident(w, data, groups)
    _the_plan(w, data, groups)
    w.add(Part.HEADING, "script.phase_informal")
    w.add(Part.BULLET, "script.informal")
    w.add(Part.BULLET, "script.write_plan")
    w.add(Part.HEADING, "script.phase_closing")
    w.add(Part.BULLET, "script.sign")
    w.add(Part.BULLET, "script.copies")
    return w.parts


def _introduction(w: _Writer, data: ScriptInput, groups: _Groups) -> None:
    w.add(Part.HEADING, "script.phase_introduction")
    w.add(Part.BULLET, "script.welcome")
    w.add(Part.BULLET, "script.not_easy")
    w.add(Part.BULLET, "script.introduce_yourself")
    w.add(Part.BULLET, "script.introduce_everyone")
    for p in [*groups.offenders, *groups.victims, *groups.stand_ins, *groups.after_the_first()]:
        if p.comes:
            w.parts.append((Part.QUOTE, w.who(p)))
        else:
            key = ("script.absent_story" if p.instead == "own_story"
                   else "script.absent_stand_in")
            w.parts.append((Part.QUOTE, w.t(key, who=w.who(p))))
    if not data.participants:
        w.add(Part.QUOTE, "script.nobody_yet")
    w.add(Part.BULLET, "script.facts")
    w.parts.append((Part.QUOTE, data.facts))
    key = "script.responsibility_many" if len(groups.offenders) > 1 else "script.responsibility"
    w.add(Part.BULLET, key, offenders=w.names(groups.offenders, "script.the_offender"))
    w.add(Part.BULLET, "script.rule_everyone")
    w.add(Part.BULLET, "script.rule_no_interrupting")
    w.add(Part.BULLET, "script.aim")


def _the_incident(w: _Writer, data: ScriptInput, groups: _Groups) -> None:
    w.add(Part.HEADING, "script.phase_incident")
    offenders = w.names(groups.offenders, "script.the_offender")
    victims = w.names(groups.victims, "script.the_victim")
    victim_first = data.variant == Variant.HERGO and data.speaks_first == "victim_first"
    if data.variant == Variant.EIGEN_KRACHT:
        w.add(Part.TEXT, "script.order_fixed")
        w.add(Part.TEXT, "script.ask_all_what_happened")
    else:
        w.add(Part.TEXT, "script.what_happened")
        key = {"victim_first": "script.order_victim_first",
               "offender_first": "script.order_offender_first",
               "coordinator_decides": "script.order_yours"}.get(data.speaks_first or "",
                                                                 "script.order_unknown")
        w.add(Part.TEXT, key, offenders=offenders, victims=victims)
    first, second = ((_victims_turns, _offenders_turns) if victim_first
                     else (_offenders_turns, _victims_turns))
    first(w, groups)
    second(w, groups)
    for p in groups.after_the_first():
        _turn(w, p, _VICTIM_QUESTIONS)
    w.add(Part.SUBHEADING, "script.before_moving_on")
    if data.variant == Variant.EIGEN_KRACHT:
        w.add(Part.TEXT, "script.invite_to_respond")
    else:
        w.add(Part.TEXT, "script.offender_last_word", offenders=offenders)


_OFFENDER_QUESTIONS = ("script.q_part", "script.q_who_harmed", "script.q_what_went_on",
                       "script.q_look_back")
# To victims, their supporters, third parties and the offenders' supporters (H 48-53).
_VICTIM_QUESTIONS = ("script.q_affected", "script.q_consequences", "script.q_hardest",
                     "script.q_core")


def _offenders_turns(w: _Writer, groups: _Groups) -> None:
    for p in groups.offenders:
        _turn(w, p, _OFFENDER_QUESTIONS)


def _victims_turns(w: _Writer, groups: _Groups) -> None:
    """A victim who does not come speaks through their story, read out by the coordinator,
    or through the trusted person who comes in their place."""
    for victim in groups.victims:
        if victim.comes:
            _turn(w, victim, _VICTIM_QUESTIONS)
        elif victim.instead == "own_story":
            w.parts.append((Part.SUBHEADING, w.who(victim)))
            w.add(Part.TEXT, "script.read_story", name=victim.first_name)
            _shared(w, victim)
        else:
            stand_ins = [p for p in groups.stand_ins if p.supports is not None
                         and p.supports.first_name == victim.first_name]
            if not stand_ins:
                w.parts.append((Part.SUBHEADING, w.who(victim)))
                w.add(Part.TEXT, "script.stand_in_unnamed", name=victim.first_name)
                _questions(w, _VICTIM_QUESTIONS)
            for p in stand_ins:
                _turn(w, p, _VICTIM_QUESTIONS)


def _turn(w: _Writer, p: Participant, questions: tuple[str, ...]) -> None:
    w.parts.append((Part.SUBHEADING, w.who(p)))
    _shared(w, p)
    w.add(Part.TEXT, "script.ask", name=p.first_name)
    _questions(w, questions)


def _questions(w: _Writer, keys: tuple[str, ...]) -> None:
    for key in keys:
        w.add(Part.QUESTION, key)


def _shared(w: _Writer, p: Participant) -> None:
    for label, text in p.shared:
        w.parts.append((Part.TEXT, w.t("script.shared", label=label)))
        w.parts.append((Part.QUOTE, text))


def _the_plan(w: _Writer, data: ScriptInput, groups: _Groups) -> None:
    w.add(Part.HEADING, "script.phase_plan")
    asked = [p for p in groups.victims if p.comes] + groups.stand_ins
    victims = w.names(asked or groups.victims, "script.the_victim")
    key = ("script.plan_good_outcome" if data.variant == Variant.EIGEN_KRACHT
           else "script.plan_repair")
    w.add(Part.BULLET, key, victims=victims)
    if groups.victims and not asked:
        w.add(Part.BULLET, "script.plan_story_only")
    for key in ("script.plan_more", "script.plan_prevent"):
        w.add(Part.BULLET, key)
    w.add(Part.BULLET, "script.plan_who_does_what",
          offenders=w.names(groups.offenders, "script.the_offender"))
    for key in ("script.plan_concrete", "script.plan_summarise", "script.plan_inform",
                "script.plan_nothing_agreed", "script.plan_last_word", "script.plan_thanks",
                "script.plan_informal_next"):
        w.add(Part.BULLET, key)


def script_text(parts: Script) -> str:
    """The script for the chat (the sender splits it into messages as long as allowed)."""
    lines: list[str] = []
    for part, text in parts:
        if part is Part.HEADING:
            lines += ["", f"■ {text.upper()}"]
        elif part is Part.SUBHEADING:
            lines += ["", f"▸ {text}"]
        elif part is Part.BULLET:
            lines.append(BULLET + text)
        elif part is Part.QUESTION:
            lines.append("  " + BULLET + text)
        elif part is Part.QUOTE:
            lines += [f"    {line}" for line in text.split("\n")]
        else:
            lines.append(text)
    return "\n".join(lines).strip()


def script_pdf(data: ScriptInput, parts: Script, catalog: Catalog, language: str,
               fonts: FontFiles | None) -> bytes:
    """The same script as a PDF to print and hold during the conference."""
    def t(key: str, **params: object) -> str:
        return catalog(key, language, **params)

    doc = PdfDocument(title=t("script.title", reference=data.reference), language=language,
                      fonts=fonts, footer=lambda page, pages: t(
                          "script.footer", reference=data.reference, page=page, pages=pages))
    for part, text in parts:
        if part is Part.HEADING:
            doc.heading(text)
        elif part is Part.SUBHEADING:
            doc.subheading(text)
        elif part is Part.BULLET:
            doc.paragraph(BULLET + text)
        elif part is Part.QUESTION:
            doc.paragraph(BULLET + text, indent=INDENT)
        elif part is Part.QUOTE:
            doc.paragraph(text, indent=INDENT)
        else:
            doc.paragraph(text)
    return doc.output()
