"""The one command table: name, Dutch alias, the use case it runs (which declares who may
use it), and whether it shows in a menu. The router, the menus and the simulator read it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import UseCase
from bot.engine import AskStop, GoBack, Input, PauseTalk, SkipStep
from bot.usecases import admin, cases, forms, people, plan_view, profile, rights, talks
from bot.vocabulary import ActorKind


@dataclass(frozen=True)
class Command:
    name: str
    alias: str  # Dutch; both work
    run: UseCase
    menu: frozenset[ActorKind] = frozenset()  # whose menu shows it
    talk_input: Input | None = None  # a talk command: what it tells the engine


P, C, A = ActorKind.PARTICIPANT, ActorKind.COORDINATOR, ActorKind.ADMIN
COMMANDS: tuple[Command, ...] = (
    Command("start", "start", people.start, frozenset({P})),
    Command("help", "hulp", people.help, frozenset({P, C, A})),
    Command("language", "taal", people.ask_language, frozenset({P, C, A})),
    Command("pause", "pauze", people.talk_command, frozenset({P}), PauseTalk()),
    Command("back", "terug", people.talk_command, frozenset({P}), GoBack()),
    Command("skip", "overslaan", people.talk_command, talk_input=SkipStep()),
    Command("stop", "stop", people.talk_command, frozenset({P}), AskStop()),
    Command("talks", "gesprekken", talks.list_talks, frozenset({P})),
    Command("mydata", "mijngegevens", rights.show_mydata, frozenset({P})),
    Command("whoami", "wiebenik", people.whoami),
    Command("newcase", "nieuwezaak", cases.new_case, frozenset({C})),
    Command("addparty", "betrokkene", cases.add_party, frozenset({C})),
    Command("cases", "zaken", cases.list_cases, frozenset({C})),
    Command("cancel", "annuleer", forms.cancel, frozenset({C})),
    Command("profile", "profiel", profile.edit_profile, frozenset({C})),
    Command("coordinators", "coordinatoren", admin.list_coordinators, frozenset({A})),
    Command("allcases", "allezaken", admin.list_all_cases, frozenset({A})),
    Command("audit", "audit", admin.show_audit, frozenset({A})),
    Command("plan", "herstelplan", plan_view.show_plan, frozenset({P})),
)
_BY_WORD = {word: command for command in COMMANDS for word in (command.name, command.alias)}


def find(word: str) -> Command | None:
    return _BY_WORD.get(word.lower())


def menu_for(kinds: frozenset[ActorKind]) -> list[Command]:
    """A chat's menu: the commands for any of its kinds (participants' when none)."""
    wanted = kinds or frozenset({P})
    return [command for command in COMMANDS if command.menu & wanted]


def talk_inputs() -> dict[str, Input]:
    """/pause, /pauze, /back, ...: what each talk command tells the engine."""
    return {f"/{word}": command.talk_input for command in COMMANDS if command.talk_input
            for word in (command.name, command.alias)}
