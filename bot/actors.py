"""Who is writing: resolved once per update, before any use case runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.language import pick_language
from bot.models import Admin, Coordinator, LanguageChoice, Party, Talk
from bot.vocabulary import LIVE_STATUSES, ActorKind

EPOCH = datetime.min.replace(tzinfo=UTC)
_PARTY, _COORDINATOR, _ADMIN, _CHOICE = "p", "c", "a", "l"


@dataclass
class Actor:
    user_id: int
    kinds: frozenset[ActorKind]
    language: str  # may change during the update (a language switch, a party's talk)
    coordinator: Coordinator | None = None
    admin: Admin | None = None

    def is_(self, kind: ActorKind) -> bool:
        return kind in self.kinds

    @property
    def kind(self) -> ActorKind:
        """The most privileged of the actor's kinds, as the audit trail names it."""
        for kind in (ActorKind.ADMIN, ActorKind.COORDINATOR, ActorKind.PARTICIPANT):
            if kind in self.kinds:
                return kind
        return ActorKind.STRANGER


def _tag(what: str) -> sa.ColumnElement[str]:
    """Which kind of row a row of `resolve_actor`'s one statement is (a constant in SQL)."""
    return sa.literal_column(f"'{what}'", sa.String).label("what")


async def resolve_actor(session: AsyncSession, user_id: int,
                        language_code: str | None) -> Actor:
    # One statement for who this is: their parties (with the talk of each), whether they are
    # staff, and their own /taal choice; a coordinator's or admin's own row is read only if
    # they are one.
    parties = (sa.select(col(Party.language), col(Party.id), col(Talk.status),
                         col(Talk.last_activity_at), _tag(_PARTY))
               .join(Talk, col(Talk.party_id) == Party.id, isouter=True)
               .where(col(Party.telegram_user_id) == user_id))
    staff = [sa.select(sa.null(), col(model.id), sa.null(), sa.null(), _tag(what))
             .where(col(model.telegram_user_id) == user_id)
             for what, model in ((_COORDINATOR, Coordinator), (_ADMIN, Admin))]
    choice = (sa.select(col(LanguageChoice.language), sa.null(), sa.null(), sa.null(),
                        _tag(_CHOICE))
              .where(col(LanguageChoice.telegram_user_id) == user_id))
    connection = await session.connection()
    rows: Sequence[Any] = (await connection.execute(
        sa.union_all(parties, *staff, choice))).all()
    found = {row[4]: row for row in rows}
    coordinator = (await session.get(Coordinator, found[_COORDINATOR][1])
                   if _COORDINATOR in found else None)
    admin = await session.get(Admin, found[_ADMIN][1]) if _ADMIN in found else None
    # The party whose talk this person spoke in last sets the language of a participant.
    ranked = sorted((r for r in rows if r[4] == _PARTY),
                    key=lambda r: (r[2] in LIVE_STATUSES, r[3] or EPOCH, r[1]))
    party_language = ranked[-1][0] if ranked else None
    kinds = {kind for kind, present in ((ActorKind.COORDINATOR, coordinator),
                                        (ActorKind.ADMIN, admin),
                                        (ActorKind.PARTICIPANT, party_language)) if present}
    # A person's own /taal choice matters only while they are no one yet (staff and parties
    # keep theirs on their row).
    chosen = None if kinds or _CHOICE not in found else found[_CHOICE][0]
    language = pick_language(
        coordinator.language if coordinator else None,
        admin.language if admin else None,
        party_language,
        chosen,
        language_code,
    )
    return Actor(user_id, frozenset(kinds), language, coordinator, admin)
