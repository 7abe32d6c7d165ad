"""Who is writing: resolved once per update, before any use case runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.language import pick_language
from bot.models import Admin, Coordinator, LanguageChoice, Party, Talk
from bot.vocabulary import LIVE_STATUSES, ActorKind

EPOCH = datetime.min.replace(tzinfo=UTC)


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


async def resolve_actor(session: AsyncSession, user_id: int,
                        language_code: str | None) -> Actor:
    coordinator = (await session.exec(select(Coordinator).where(
        Coordinator.telegram_user_id == user_id))).first()
    admin = (await session.exec(select(Admin).where(Admin.telegram_user_id == user_id))).first()
    # The party whose talk this person spoke in last sets the language of a participant.
    rows = (await session.exec(
        select(Party.language, Party.id, Talk.status, Talk.last_activity_at)
        .join(Talk, col(Talk.party_id) == Party.id, isouter=True)
        .where(Party.telegram_user_id == user_id))).all()
    ranked = sorted(rows, key=lambda r: (r[2] in LIVE_STATUSES, r[3] or EPOCH, r[1]))
    party_language = ranked[-1][0] if ranked else None
    kinds = {kind for kind, present in ((ActorKind.COORDINATOR, coordinator),
                                        (ActorKind.ADMIN, admin),
                                        (ActorKind.PARTICIPANT, party_language)) if present}
    # A person's own /taal choice matters only while they are no one yet (staff and parties
    # keep theirs on their row): no extra query on a participant's every answer.
    chosen = None if kinds else await session.get(LanguageChoice, user_id)
    language = pick_language(
        coordinator.language if coordinator else None,
        admin.language if admin else None,
        party_language,
        chosen.language if chosen else None,
        language_code,
    )
    return Actor(user_id, frozenset(kinds), language, coordinator, admin)
