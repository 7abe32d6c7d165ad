"""Keeps a talk's engine state in its row, and gives the engine what it may show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from bot.catalog import Catalog
from bot.engine import Context, Result, TalkState, migrate
from bot.flows import Flow, FlowRegistry
from bot.models import Case, Coordinator, Party, Talk
from bot.views.contact import contact_for
from bot.vocabulary import LIVE_STATUSES, TalkStatus


def state_of(talk: Talk) -> TalkState:
    progress = talk.progress or {}
    return TalkState(
        flow_id=talk.flow_id,
        flow_version=talk.flow_version,
        step=talk.step,
        status=talk.status,
        answers=dict(talk.answers or {}),
        path=tuple(progress.get("path", (talk.step,))),
        draft=progress.get("draft"),
        editing=progress.get("editing"),
        pending=progress.get("pending"),
        first=progress.get("first") or {},
        seq=talk.seq,
        outcome=talk.outcome,
    )


def store(talk: Talk, state: TalkState, now: datetime) -> None:
    talk.flow_id = state.flow_id
    talk.flow_version = state.flow_version
    talk.step = state.step
    if state.status == TalkStatus.ENDED and talk.status != TalkStatus.ENDED:
        talk.ended_at = now
    talk.status = TalkStatus(state.status)
    talk.outcome = state.outcome
    talk.seq = state.seq
    talk.answers = dict(state.answers)
    talk.progress = {**(talk.progress or {}), "path": list(state.path), "draft": state.draft,
                     "editing": state.editing, "pending": state.pending,
                     "first": dict(state.first)}
    talk.last_activity_at = now


@dataclass(frozen=True)
class Loaded:
    talk: Talk
    flow: Flow
    state: TalkState


def load(talk: Talk, flows: FlowRegistry) -> Loaded:
    """The talk with its own flow version; if that version is gone, migrated explicitly."""
    state = state_of(talk)
    flow = flows.get(talk.flow_id, talk.flow_version)
    if flow is None:
        flow = flows.latest(talk.flow_id)
        state = migrate(state, flow)
    return Loaded(talk, flow, state)


def new_talk(*, user_id: int, flow: Flow, result: Result, now: datetime,
             party_id: int | None = None, case_id: int | None = None) -> Talk:
    talk = Talk(user_id=user_id, party_id=party_id, case_id=case_id, flow_id=flow.id,
                flow_version=flow.version, step=flow.start, status=TalkStatus.ACTIVE,
                created_at=now, last_activity_at=now)
    store(talk, result.state, now)
    return talk


async def party_talk(session: AsyncSession, party_id: int | None) -> Talk | None:
    """A party's talk: the newest one not set aside by a re-issued link."""
    rows = await session.exec(select(Talk).where(
        Talk.party_id == party_id, col(Talk.status) != TalkStatus.ARCHIVED)
        .order_by(col(Talk.id).desc()))
    return rows.first()


def _talks_of(user_id: int) -> SelectOfScalar[Talk]:
    return (select(Talk).where(Talk.user_id == user_id, col(Talk.status) != TalkStatus.ARCHIVED)
            .order_by(col(Talk.last_activity_at).desc(), col(Talk.id).desc()))


def _with_world() -> Select[Talk, Party, Case, Coordinator]:
    """A talk with its party, its case and the case's coordinator, in one statement: the
    session holds what it read (`bot.db.HoldingSession`), so a later `session.get` of any of
    them costs no statement."""
    return (select(Talk, Party, Case, Coordinator)
            .outerjoin(Party, col(Talk.party_id) == col(Party.id))
            .outerjoin(Case, col(Talk.case_id) == col(Case.id))
            .outerjoin(Coordinator, col(Case.coordinator_id) == col(Coordinator.id)))


async def talk_by_id(session: AsyncSession, talk_id: int) -> Talk | None:
    """`session.get(Talk, talk_id)`, with its party, case and coordinator read alongside."""
    row = (await session.exec(_with_world().where(col(Talk.id) == talk_id))).first()
    return row[0] if row else None


async def talks_of(session: AsyncSession, user_id: int) -> list[Talk]:
    """This account's talks and forms, the one it spoke in last first (archived ones not)."""
    return list((await session.exec(_talks_of(user_id))).all())


async def focused_talk(session: AsyncSession, user_id: int) -> Talk | None:
    """The talk a message from this account belongs to: the one it spoke in last that is
    still open, else their last preparation talk (a short form since, e.g. an amount typed,
    does not take its place: what they write then can still be passed on), else the last one
    at all (so an ended talk can say it has ended). One row is read (and opened), however many
    forms a coordinator has filled in; with its party, case and coordinator (`_with_world`)."""
    mine = _with_world().where(col(Talk.user_id) == user_id,
                               col(Talk.status) != TalkStatus.ARCHIVED).order_by(
        col(Talk.last_activity_at).desc(), col(Talk.id).desc()).limit(1)
    row = ((await session.exec(mine.where(col(Talk.status).in_(LIVE_STATUSES)))).first()
           or (await session.exec(mine.where(col(Talk.party_id).is_not(None)))).first()
           or (await session.exec(mine)).first())
    return row[0] if row else None


def context_for(catalog: Catalog, language: str, case: Case | None, party: Party | None,
                extra: Mapping[str, str] | None = None) -> Context:
    """`extra` values (a form's own) win over the case's and the party's."""
    values: dict[str, str] = {}
    variant = None
    if case is not None:
        variant = case.variant
        values["reference"] = case.reference
        values["facts"] = party.facts if party is not None and party.facts else case.facts
        values["conference"] = catalog(f"conference.{case.variant}", language)
    if party is not None:
        values["name"] = party.name
    values.update(extra or {})
    return Context(language=language, variant=variant, values=values)


async def talk_context(session: AsyncSession, catalog: Catalog, language: str,
                       case: Case | None, party: Party | None,
                       extra: Mapping[str, str] | None = None) -> Context:
    """The context of a party's talk, with the first name of whom a supporter supports."""
    values = dict(extra or {})
    if case is not None:
        values["coordinator"] = await contact_for(session, catalog, language, case)
    if party is not None and party.supports_party_id is not None:
        supported = await session.get(Party, party.supports_party_id)
        values["supported"] = supported.name if supported else ""
    context = context_for(catalog, language, case, party, values)
    if party is not None and party.released_at is not None:
        context = replace(context, flags=frozenset({"released_early"}))
    return context
