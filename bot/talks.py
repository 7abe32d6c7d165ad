"""Keeps a talk's engine state in its row, and gives the engine what it may show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.catalog import Catalog
from bot.engine import Context, Result, Status, TalkState, migrate
from bot.flows import Flow, FlowRegistry
from bot.models import Case, Party, Talk

LIVE = (Status.ACTIVE, Status.PAUSED, Status.WITHDRAWN)
ARCHIVED = "archived"  # a talk taken from its account when the coordinator re-issued the invite


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
        seq=talk.seq,
        outcome=talk.outcome,
    )


def store(talk: Talk, state: TalkState, now: datetime) -> None:
    talk.flow_id = state.flow_id
    talk.flow_version = state.flow_version
    talk.step = state.step
    if state.status == Status.ENDED and talk.status != Status.ENDED:
        talk.ended_at = now
    talk.status = state.status
    talk.outcome = state.outcome
    talk.seq = state.seq
    talk.answers = dict(state.answers)
    talk.progress = {"path": list(state.path), "draft": state.draft, "editing": state.editing,
                     "pending": state.pending}
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
                flow_version=flow.version, step=flow.start, status=Status.ACTIVE,
                created_at=now, last_activity_at=now)
    store(talk, result.state, now)
    return talk


async def current_talk(session: AsyncSession, user_id: int) -> Talk | None:
    """The talk a message from this account belongs to: the most recent one still open,
    else the most recent one at all (so an ended talk can say it has ended)."""
    rows = await session.exec(
        select(Talk).where(Talk.user_id == user_id, col(Talk.status) != ARCHIVED)
        .order_by(col(Talk.last_activity_at).desc(), col(Talk.id).desc())
    )
    talks = list(rows.all())
    return next((t for t in talks if t.status in LIVE), talks[0] if talks else None)


def context_for(catalog: Catalog, language: str, case: Case | None,
                party: Party | None) -> Context:
    values: dict[str, str] = {}
    variant = None
    if case is not None:
        variant = case.variant
        values["reference"] = case.reference
        values["facts"] = case.facts
        values["conference"] = catalog(f"conference.{case.variant}", language)
    if party is not None:
        values["name"] = party.name
    return Context(language=language, variant=variant, values=values)
