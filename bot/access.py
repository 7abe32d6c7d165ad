"""Access, denied by default: every use case declares who may call it, the router checks
that before it runs, and a use case that touches a case or party checks ownership here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from bot.audit import record
from bot.models import Case, Party, Proposal
from bot.vocabulary import ActorKind, AuditAction

if TYPE_CHECKING:
    from bot.turn import Turn

log = logging.getLogger(__name__)
UseCase = Callable[..., Awaitable[None]]
F = TypeVar("F", bound=UseCase)
EVERYONE = frozenset(ActorKind)
STAFF = frozenset({ActorKind.COORDINATOR, ActorKind.ADMIN})


def allowed(*kinds: ActorKind | frozenset[ActorKind]) -> Callable[[F], F]:
    """Declares who may call a use case; one without a declaration is refused to all."""
    flat: set[ActorKind] = set()
    for kind in kinds:
        flat |= kind if isinstance(kind, frozenset) else {kind}

    def mark(use_case: F) -> F:
        use_case.allowed = frozenset(flat)  # type: ignore[attr-defined]
        return use_case

    return mark


def permits(use_case: Any, ctx: Turn) -> bool:
    declared: frozenset[ActorKind] = getattr(use_case, "allowed", frozenset())
    return bool(declared & (ctx.actor.kinds or {ActorKind.STRANGER}))


class Refused(Exception):
    """Raised by a use case that may not go on; the router answers it as it answers any
    unknown button, so a refusal reveals nothing. Its audit row is still committed."""


def refuse(ctx: Turn, *, case_id: int | None = None, party_id: int | None = None) -> NoReturn:
    log.warning("user %s refused access (case %s, party %s)", ctx.actor.user_id, case_id,
                party_id)
    record(ctx, AuditAction.REFUSED, case_id=case_id, party_id=party_id, allowed=False)
    raise Refused


async def own_case(ctx: Turn, case_id: int) -> Case:
    """The case, if the actor is its coordinator; otherwise refused (and audited)."""
    case = await ctx.session.get(Case, case_id)
    coordinator = ctx.actor.coordinator
    if case is None or coordinator is None or case.coordinator_id != coordinator.id:
        refuse(ctx, case_id=case_id)
    return case


async def own_proposal(ctx: Turn, proposal_id: int) -> tuple[Proposal, Case]:
    proposal = await ctx.session.get(Proposal, proposal_id)
    if proposal is None:
        refuse(ctx)
    return proposal, await own_case(ctx, proposal.case_id)


async def own_party(ctx: Turn, party_id: int) -> tuple[Party, Case]:
    party = await ctx.session.get(Party, party_id)
    if party is None:
        refuse(ctx, party_id=party_id)
    return party, await own_case(ctx, party.case_id)
