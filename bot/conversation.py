"""Every update, once translated by the Telegram shell, comes through here.

One call is one transaction: who is writing (coordinator, invited party, stranger) is
decided first and every use case checks access against it; the talk engine decides what
to say; anything owed to someone else is written to the outbox in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import SUPPORTED_LANGUAGES
from bot.catalog import Catalog
from bot.clock import Clock
from bot.db import Database
from bot.engine import (
    AskStop,
    Edited,
    Event,
    GoBack,
    Input,
    Media,
    PauseTalk,
    Press,
    Result,
    Say,
    Show,
    SkipStep,
    Status,
    advance,
    begin,
)
from bot.flows import FlowRegistry
from bot.models import Case, Coordinator, Invite, Outbox, Party, Proposal, SeenUpdate, Talk
from bot.notifications import Keyboard, role_name, tell_coordinator
from bot.qr import qr_png
from bot.talks import ARCHIVED, context_for, current_talk, load, new_talk, store
from bot.tokens import invite_link, looks_like_token, new_token, token_hash

log = logging.getLogger(__name__)

Kind = Literal["text", "command", "callback", "media", "edited", "other"]
DEFAULT_TIMEZONES = {"hergo": "Europe/Brussels", "eigen-kracht": "Europe/Amsterdam"}
COMMAND_ALIASES = {"pauze": "pause", "terug": "back", "overslaan": "skip", "taal": "language",
                   "hulp": "help", "annuleer": "cancel", "zaken": "cases", "nieuwezaak": "newcase"}
COORDINATOR_COMMANDS = {"newcase", "addparty", "cases", "cancel"}


@dataclass(frozen=True)
class Incoming:
    update_id: int
    user_id: int
    chat_id: int
    kind: Kind
    text: str = ""
    command: str | None = None
    callback_data: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Outgoing:
    text: str
    buttons: Keyboard = ()
    photo: bytes | None = None


@dataclass
class Response:
    messages: list[Outgoing] = field(default_factory=list)
    callback_notice: str | None = None  # a short toast on the tapped button
    owes_others: bool = False  # outbox rows were written: wake the sender
    coordinator_menu: str | None = None  # give this chat the coordinator's menu, in this language

    def say(self, text: str, buttons: Keyboard = ()) -> None:
        self.messages.append(Outgoing(text, buttons))


@dataclass
class _Turn:
    session: AsyncSession
    now: datetime
    incoming: Incoming
    response: Response
    coordinator: Coordinator | None
    language: str


class Conversation:
    def __init__(self, *, db: Database, flows: FlowRegistry, catalog: Catalog, clock: Clock,
                 bot_username: str, invite_valid_days: int = 14) -> None:
        self.db = db
        self.flows = flows
        self.catalog = catalog
        self.clock = clock
        self.bot_username = bot_username
        self.invite_valid = timedelta(days=invite_valid_days)

    async def handle(self, incoming: Incoming) -> Response:
        response = Response()
        async with self.db.transaction() as session:
            if not await self._first_time(session, incoming.update_id):
                log.info("update %s seen before; skipped", incoming.update_id)
                return Response()
            coordinator = (await session.exec(select(Coordinator).where(
                Coordinator.telegram_user_id == incoming.user_id))).first()
            language = await self._language_of(session, incoming, coordinator)
            turn = _Turn(session, self.clock(), incoming, response, coordinator, language)
            await self._dispatch(turn)
            response.owes_others = any(isinstance(obj, Outbox) for obj in session.new)
        return response

    async def _first_time(self, session: AsyncSession, update_id: int) -> bool:
        if await session.get(SeenUpdate, update_id) is not None:
            return False
        try:
            async with session.begin_nested():  # a savepoint: a clash leaves the rest usable
                session.add(SeenUpdate(update_id=update_id, seen_at=self.clock()))
        except IntegrityError:  # another instance took it a moment ago
            return False
        return True

    async def _language_of(self, session: AsyncSession, incoming: Incoming,
                           coordinator: Coordinator | None) -> str:
        if coordinator is not None:
            return coordinator.language
        party = (await session.exec(select(Party).where(
            Party.telegram_user_id == incoming.user_id).order_by(col(Party.id).desc()))).first()
        if party is not None:
            return party.language
        code = (incoming.language_code or "").split("-")[0]
        return code if code in SUPPORTED_LANGUAGES else "nl"

    def t(self, turn: _Turn, key: str, **params: object) -> str:
        return self.catalog(key, turn.language, **params)

    # -- routing ------------------------------------------------------------------------------
    async def _dispatch(self, turn: _Turn) -> None:
        incoming = turn.incoming
        if incoming.kind == "callback":
            await self._callback(turn, incoming.callback_data or "")
            return
        if incoming.kind == "command":
            command = COMMAND_ALIASES.get(incoming.command or "", incoming.command or "")
            await self._command(turn, command, incoming.text)
            return
        talk = await current_talk(turn.session, incoming.user_id)
        if talk is None or (turn.coordinator is not None and talk.status == Status.ENDED):
            await self._no_talk(turn)  # a coordinator's finished form is no conversation
            return
        event: Input
        if incoming.kind == "text":
            event = Say(incoming.text)
        elif incoming.kind == "edited":
            event = Edited()
        else:
            event = Media()
        await self._advance(turn, talk, event)

    async def _no_talk(self, turn: _Turn) -> None:
        if turn.coordinator is not None:
            turn.response.say(self.t(turn, "coordinator.hint"))
        elif await self._is_party(turn):
            turn.response.say(self.t(turn, "talk.none"))
        else:
            turn.response.say(self.t(turn, "stranger.not_invited"))

    async def _is_party(self, turn: _Turn) -> bool:
        found = await turn.session.exec(select(Party.id).where(
            Party.telegram_user_id == turn.incoming.user_id))
        return found.first() is not None

    async def _command(self, turn: _Turn, command: str, args: str) -> None:
        if command == "start":
            await self._start(turn, args.strip())
            return
        if command == "help":
            key = ("help.coordinator" if turn.coordinator else
                   "help.participant" if await self._is_party(turn) else "stranger.not_invited")
            turn.response.say(self.t(turn, key))
            return
        if command == "language":
            buttons = tuple(((self.catalog("language.name", lang), f"lang:{lang}"),)
                            for lang in SUPPORTED_LANGUAGES)
            turn.response.say(self.t(turn, "language.ask"), buttons)
            return
        if command in COORDINATOR_COMMANDS:
            if turn.coordinator is None:
                await self._not_available(turn)
                return
            await self._coordinator_command(turn, turn.coordinator, command)
            return
        talk = await current_talk(turn.session, turn.incoming.user_id)
        talk_commands: dict[str, Input] = {"pause": PauseTalk(), "back": GoBack(),
                                           "skip": SkipStep(), "stop": AskStop()}
        if talk is not None and command in talk_commands:
            await self._advance(turn, talk, talk_commands[command])
            return
        await self._not_available(turn)

    async def _not_available(self, turn: _Turn) -> None:
        """An unknown or misplaced command: say so kindly, and show where the talk is."""
        if turn.coordinator is None and not await self._is_party(turn):
            turn.response.say(self.t(turn, "stranger.not_invited"))
            return
        turn.response.say(self.t(turn, "command.unknown"))
        talk = await current_talk(turn.session, turn.incoming.user_id)
        if talk is not None and talk.status in (Status.ACTIVE, Status.PAUSED):
            await self._advance(turn, talk, Show())

    async def _start(self, turn: _Turn, payload: str) -> None:
        if payload:
            if not looks_like_token(payload):
                turn.response.say(self.t(turn, "invite.unknown"))
                return
            await self._redeem(turn, payload)
            return
        if turn.coordinator is not None:
            turn.response.say(self.t(turn, "coordinator.welcome"))
            turn.response.coordinator_menu = turn.language
            return
        talk = await current_talk(turn.session, turn.incoming.user_id)
        if talk is None:
            await self._no_talk(turn)
            return
        await self._advance(turn, talk, Show(welcome_back=True))

    # -- invites ------------------------------------------------------------------------------
    async def _redeem(self, turn: _Turn, token: str) -> None:
        session, user_id = turn.session, turn.incoming.user_id
        invite = (await session.exec(select(Invite).where(
            Invite.token_hash == token_hash(token)))).first()
        if invite is None:
            turn.response.say(self.t(turn, "invite.unknown"))
            return
        if invite.redeemed_by_user_id is not None:
            if invite.redeemed_by_user_id == user_id and invite.revoked_at is None:
                await self._start(turn, "")
                return
            if invite.party_id is None:  # a coordinator invite works once, for one account
                turn.response.say(self.t(turn, "invite.used"))
                log.warning("coordinator invite %s refused: already used", invite.id)
                return
            if invite.redeemed_by_user_id != user_id:
                turn.response.say(self.t(turn, "invite.taken"))
                party = await session.get(Party, invite.party_id)
                case = await session.get(Case, party.case_id) if party else None
                if case is not None:
                    await tell_coordinator(session, case, "invite_refused", invite.party_id,
                                           turn.now)
                log.warning("invite %s refused: already bound to another account", invite.id)
                return
        if invite.revoked_at is not None:
            turn.response.say(self.t(turn, "invite.revoked"))
            return
        if invite.expires_at <= turn.now:
            turn.response.say(self.t(turn, "invite.expired"))
            return
        if invite.kind == "coordinator":
            await self._become_coordinator(turn, invite)
            return
        if turn.coordinator is not None:
            turn.response.say(self.t(turn, "invite.coordinator_cannot_join"))
            return
        party = await session.get(Party, invite.party_id)
        assert party is not None
        case = await session.get(Case, party.case_id)
        assert case is not None
        flow = self.flows.for_role(party.role)
        if flow is None:
            turn.response.say(self.t(turn, "invite.no_talk_yet"))
            return
        invite.redeemed_by_user_id = user_id
        invite.redeemed_at = turn.now
        party.telegram_user_id = user_id
        turn.language = party.language
        ctx = context_for(self.catalog, party.language, case, party)
        result = begin(flow, ctx, self.catalog)
        talk = new_talk(user_id=user_id, flow=flow, result=result, now=turn.now,
                        party_id=party.id, case_id=case.id)
        session.add_all([invite, party, talk])
        await session.flush()
        await tell_coordinator(session, case, "invite_opened", party.id, turn.now)
        log.info("invite %s redeemed for party %s", invite.id, party.id)
        self._show(turn, talk, result)

    async def _become_coordinator(self, turn: _Turn, invite: Invite) -> None:
        invite.redeemed_by_user_id = turn.incoming.user_id
        invite.redeemed_at = turn.now
        turn.session.add(invite)
        if turn.coordinator is None:
            turn.session.add(Coordinator(telegram_user_id=turn.incoming.user_id,
                                         language=turn.language, created_at=turn.now))
        turn.response.say(self.t(turn, "coordinator.welcome"))
        turn.response.coordinator_menu = turn.language

    async def _new_invite(self, turn: _Turn, party: Party, case: Case) -> None:
        token = new_token()
        turn.session.add(Invite(token_hash=token_hash(token), kind="party", party_id=party.id,
                                created_at=turn.now, expires_at=turn.now + self.invite_valid))
        link = invite_link(self.bot_username, token)
        expires = (turn.now + self.invite_valid).date().isoformat()
        text = self.t(turn, "coordinator.invite_ready", name=party.name,
                      role=role_name(self.catalog, party.role, turn.language),
                      reference=case.reference, link=link, expires=expires)
        buttons: Keyboard = (
            ((self.t(turn, "button.revoke_invite"), f"c:rev:{party.id}"),),
            ((self.t(turn, "button.new_invite"), f"c:new:{party.id}"),),
            ((self.t(turn, "button.case_card"), f"c:case:{case.id}"),),
        )
        turn.response.say(text)
        turn.response.messages.append(Outgoing(self.t(turn, "coordinator.invite_qr_caption",
                                                      name=party.name), buttons, qr_png(link)))

    async def _revoke(self, turn: _Turn, party: Party, *, unbind: bool) -> int:
        """Revokes the party's open invites; with `unbind`, also frees it from its account."""
        invites = await turn.session.exec(select(Invite).where(
            Invite.party_id == party.id, col(Invite.revoked_at).is_(None)))
        count = 0
        for invite in invites.all():
            if invite.redeemed_at is None or unbind:
                invite.revoked_at = turn.now
                turn.session.add(invite)
                count += 1
        if unbind and party.telegram_user_id is not None:
            talks = await turn.session.exec(select(Talk).where(Talk.party_id == party.id))
            for talk in talks.all():
                talk.status = ARCHIVED
                turn.session.add(talk)
            party.telegram_user_id = None
            turn.session.add(party)
        return count

    # -- talks --------------------------------------------------------------------------------
    async def _advance(self, turn: _Turn, talk: Talk, event: Input) -> None:
        loaded = load(talk, self.flows)
        party = await turn.session.get(Party, talk.party_id) if talk.party_id else None
        case = await turn.session.get(Case, talk.case_id) if talk.case_id else None
        if party is not None:
            turn.language = party.language
        ctx = context_for(self.catalog, turn.language, case, party)
        if party is None and isinstance(event, AskStop):  # a coordinator's form: just cancel
            result = Result((), replace(loaded.state, status=Status.WITHDRAWN))
            turn.response.say(self.t(turn, "coordinator.form_cancelled"))
        else:
            result = advance(loaded.flow, loaded.state, event, ctx, self.catalog)
        before = talk.status
        store(talk, result.state, turn.now)
        turn.session.add(talk)
        self._show(turn, talk, result)
        for happened in result.events:
            await self._after(turn, talk, happened, before, party, case)

    def _show(self, turn: _Turn, talk: Talk, result: Result) -> None:
        for reply in result.replies:
            keyboard = tuple(
                tuple((b.label, f"t:{talk.id}:{reply.seq}:{b.action}") for b in row)
                for row in reply.buttons)
            turn.response.say(reply.text, keyboard)

    async def _after(self, turn: _Turn, talk: Talk, event: Event, before: str,
                     party: Party | None, case: Case | None) -> None:
        if party is None:
            if event.kind == "ended" and event.outcome == "completed":
                await self._form_completed(turn, talk)
            return
        assert case is not None
        kind = {"completed": "talk_completed", "declined": "talk_declined",
                "precondition_not_met": "precondition_not_met"}.get(event.outcome or "")
        if event.kind == "ended" and kind:
            if kind == "talk_completed":
                await self._propose_supporters(turn, talk, party, case)
            await tell_coordinator(turn.session, case, kind, talk.id, turn.now)
        elif event.kind == "withdrawn":
            await tell_coordinator(turn.session, case, "talk_withdrawn", talk.id, turn.now)
        elif event.kind == "resumed" and before == Status.WITHDRAWN:
            await tell_coordinator(turn.session, case, "talk_resumed", talk.id, turn.now)

    async def _propose_supporters(self, turn: _Turn, talk: Talk, party: Party,
                                  case: Case) -> None:
        assert case.id is not None and party.id is not None
        for item in talk.answers.get("supporters") or []:
            turn.session.add(Proposal(case_id=case.id, proposed_by_party_id=party.id,
                                      name=item.get("name") or "?",
                                      relation=item.get("relation") or "",
                                      contact=item.get("contact"), created_at=turn.now))

    # -- coordinator --------------------------------------------------------------------------
    async def _coordinator_command(self, turn: _Turn, coordinator: Coordinator,
                                   command: str) -> None:
        if command == "cancel":
            talk = await current_talk(turn.session, turn.incoming.user_id)
            if talk is not None and talk.status == Status.ACTIVE:
                await self._advance(turn, talk, AskStop())
            else:
                turn.response.say(self.t(turn, "coordinator.nothing_to_cancel"))
            return
        if command == "newcase":
            await self._start_form(turn, "new_case", None)
            return
        cases = list((await turn.session.exec(select(Case).where(
            Case.coordinator_id == coordinator.id).order_by(col(Case.id).desc()))).all())
        if not cases:
            turn.response.say(self.t(turn, "coordinator.no_cases"))
            return
        if command == "addparty" and len(cases) == 1:
            await self._start_form(turn, "add_party", cases[0])
            return
        verb = "add" if command == "addparty" else "case"
        key = "coordinator.pick_case_to_add" if verb == "add" else "coordinator.your_cases"
        buttons = tuple(((c.reference, f"c:{verb}:{c.id}"),) for c in cases[:40])
        turn.response.say(self.t(turn, key), buttons)

    async def _start_form(self, turn: _Turn, flow_id: str, case: Case | None) -> None:
        open_forms = await turn.session.exec(select(Talk).where(
            Talk.user_id == turn.incoming.user_id, col(Talk.status).in_(
                (Status.ACTIVE, Status.PAUSED))))
        for old in open_forms.all():  # one form at a time: a new command replaces the old one
            old.status = Status.WITHDRAWN
            turn.session.add(old)
        flow = self.flows.latest(flow_id)
        result = begin(flow, context_for(self.catalog, turn.language, case, None), self.catalog)
        talk = new_talk(user_id=turn.incoming.user_id, flow=flow, result=result, now=turn.now,
                        case_id=case.id if case else None)
        turn.session.add(talk)
        await turn.session.flush()
        self._show(turn, talk, result)

    async def _form_completed(self, turn: _Turn, talk: Talk) -> None:
        coordinator = turn.coordinator
        if coordinator is None:
            return
        answers = talk.answers
        if talk.flow_id == "new_case":
            case = Case(coordinator_id=coordinator.id or 0, reference=answers["reference"],
                        variant=answers["variant"], facts=answers["facts"],
                        language=answers["language"],
                        timezone=DEFAULT_TIMEZONES[answers["variant"]], created_at=turn.now)
            exists = await turn.session.exec(select(Case.id).where(
                Case.coordinator_id == coordinator.id, Case.reference == case.reference))
            if exists.first() is not None:
                turn.response.say(self.t(turn, "coordinator.reference_taken",
                                         reference=case.reference))
                return
            turn.session.add(case)
            await turn.session.flush()
            log.info("case %s created by coordinator %s", case.id, coordinator.id)
            turn.response.say(self.t(turn, "coordinator.case_created", reference=case.reference),
                              (((self.t(turn, "button.add_party"), f"c:add:{case.id}"),),))
        elif talk.flow_id == "add_party" and talk.case_id is not None:
            owned = await self._own_case(turn, talk.case_id)
            if owned is None:
                return
            party = Party(case_id=owned.id or 0, role=answers["role"], name=answers["name"],
                          language=answers["language"], created_at=turn.now)
            turn.session.add(party)
            await turn.session.flush()
            log.info("party %s added to case %s", party.id, owned.id)
            await self._new_invite(turn, party, owned)

    async def _own_case(self, turn: _Turn, case_id: int) -> Case | None:
        """Access check: a coordinator sees only their own cases."""
        case = await turn.session.get(Case, case_id)
        if case is None or turn.coordinator is None or case.coordinator_id != turn.coordinator.id:
            return None
        return case

    async def _own_party(self, turn: _Turn, party_id: int) -> tuple[Party, Case] | None:
        party = await turn.session.get(Party, party_id)
        case = await self._own_case(turn, party.case_id) if party else None
        return (party, case) if party and case else None

    async def _case_card(self, turn: _Turn, case: Case) -> None:
        lines = [self.t(turn, "card.head", reference=case.reference,
                        variant=self.t(turn, f"conference.{case.variant}"))]
        parties = (await turn.session.exec(select(Party).where(
            Party.case_id == case.id).order_by(col(Party.id)))).all()
        for party in parties:
            talk = (await turn.session.exec(select(Talk).where(
                Talk.party_id == party.id, col(Talk.status) != ARCHIVED).order_by(
                col(Talk.id).desc()))).first()
            if talk is None:
                status = self.t(turn, "card.not_opened")
            elif talk.status == Status.ENDED:
                status = self.t(turn, f"card.outcome.{talk.outcome}")
            else:
                status = self.t(turn, f"card.status.{talk.status}")
            lines.append(self.t(turn, "card.party", name=party.name, status=status,
                                role=role_name(self.catalog, party.role, turn.language)))
            if talk is not None and "responsibility" in talk.answers:
                answer = talk.answers["responsibility"]
                lines.append(self.t(turn, f"card.responsibility.{answer}"))
        if not parties:
            lines.append(self.t(turn, "card.no_parties"))
        buttons: list[tuple[tuple[str, str], ...]] = [
            ((self.t(turn, "button.add_party"), f"c:add:{case.id}"),)]
        buttons += [((self.t(turn, "button.new_invite_for", name=p.name), f"c:new:{p.id}"),)
                    for p in parties]
        turn.response.say("\n".join(lines), tuple(buttons))

    # -- buttons ------------------------------------------------------------------------------
    async def _callback(self, turn: _Turn, data: str) -> None:
        parts = data.split(":")
        if parts[0] == "t" and len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit():
            talk = await turn.session.get(Talk, int(parts[1]))
            if talk is None or talk.user_id != turn.incoming.user_id or talk.status == ARCHIVED:
                await self._forged(turn, data)
                return
            await self._advance(turn, talk, Press(int(parts[2]), parts[3]))
            return
        if parts[0] == "lang" and len(parts) == 2 and parts[1] in SUPPORTED_LANGUAGES:
            await self._set_language(turn, parts[1])
            return
        if (parts[0] == "c" and len(parts) == 3 and parts[2].isdigit() and turn.coordinator
                and await self._coordinator_button(turn, parts[1], int(parts[2]))):
            return
        await self._forged(turn, data)

    async def _forged(self, turn: _Turn, data: str) -> None:
        log.warning("refused button data of length %d from user %s", len(data),
                    turn.incoming.user_id)
        turn.response.callback_notice = self.t(turn, "input.unknown_button")
        turn.response.say(self.t(turn, "input.unknown_button"))
        talk = await current_talk(turn.session, turn.incoming.user_id)
        if talk is not None and talk.status in (Status.ACTIVE, Status.PAUSED):
            await self._advance(turn, talk, Show())

    async def _coordinator_button(self, turn: _Turn, verb: str, ref: int) -> bool:
        if verb in ("case", "add"):
            case = await self._own_case(turn, ref)
            if case is None:
                return False
            if verb == "case":
                await self._case_card(turn, case)
            else:
                await self._start_form(turn, "add_party", case)
            return True
        if verb == "sup":
            proposal = await turn.session.get(Proposal, ref)
            case = await self._own_case(turn, proposal.case_id) if proposal else None
            if proposal is None or case is None:
                return False
            if proposal.party_id is not None:
                turn.response.say(self.t(turn, "coordinator.already_invited",
                                         name=proposal.name),
                                  (((self.t(turn, "button.new_invite"),
                                     f"c:new:{proposal.party_id}"),),))
                return True
            party = Party(case_id=case.id or 0, role="supporter", name=proposal.name,
                          language=case.language, supports_party_id=proposal.proposed_by_party_id,
                          created_at=turn.now)
            turn.session.add(party)
            await turn.session.flush()
            proposal.party_id = party.id
            turn.session.add(proposal)
            await self._new_invite(turn, party, case)
            return True
        if verb in ("rev", "new"):
            owned = await self._own_party(turn, ref)
            if owned is None:
                return False
            party, case = owned
            if verb == "rev":
                count = await self._revoke(turn, party, unbind=False)
                key = "coordinator.revoked" if count else "coordinator.nothing_to_revoke"
                turn.response.say(self.t(turn, key, name=party.name),
                                  (((self.t(turn, "button.new_invite"), f"c:new:{party.id}"),),))
            else:
                await self._revoke(turn, party, unbind=True)
                await self._new_invite(turn, party, case)
            return True
        return False

    async def _set_language(self, turn: _Turn, language: str) -> None:
        session = turn.session
        if turn.coordinator is not None:
            turn.coordinator.language = language
            session.add(turn.coordinator)
            turn.response.coordinator_menu = language
        parties = await session.exec(select(Party).where(
            Party.telegram_user_id == turn.incoming.user_id))
        for party in parties.all():
            party.language = language
            session.add(party)
        turn.language = language
        turn.response.say(self.t(turn, "language.set"))
        talk = await current_talk(session, turn.incoming.user_id)
        if talk is not None and talk.status in (Status.ACTIVE, Status.PAUSED):
            await self._advance(turn, talk, Show())
