"""The audit trail: one row per action on a case's personal data, in the action's own
transaction. Ids and kinds only, never the data itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.models import AuditEntry
from bot.vocabulary import AuditAction

if TYPE_CHECKING:
    from bot.turn import Turn


def record(ctx: Turn, action: AuditAction, *, case_id: int | None = None,
           party_id: int | None = None, allowed: bool = True) -> None:
    ctx.session.add(AuditEntry(at=ctx.now, actor_user_id=ctx.actor.user_id,
                               actor_kind=ctx.actor.kind, action=action, case_id=case_id,
                               party_id=party_id, allowed=allowed))


async def trail(ctx: Turn, case_id: int, limit: int = 60) -> list[AuditEntry]:
    rows = await ctx.session.exec(select(AuditEntry).where(AuditEntry.case_id == case_id)
                                  .order_by(col(AuditEntry.id).desc()).limit(limit))
    return list(reversed(rows.all()))
