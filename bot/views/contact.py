"""How a participant is told whom to contact: the coordinator's first name and how to reach
them, once the coordinator has set them (/profiel), else "your coordinator"."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.catalog import Catalog
from bot.models import Case, Coordinator


def contact_text(catalog: Catalog, language: str, coordinator: Coordinator | None) -> str:
    if coordinator is None or not coordinator.display_name or not coordinator.contact:
        return catalog("contact.generic", language)
    return catalog("contact.named", language, name=coordinator.display_name,
                   contact=coordinator.contact)


async def contact_for(session: AsyncSession, catalog: Catalog, language: str,
                      case: Case | None) -> str:
    """Whom a participant of this case should contact (the case's coordinator)."""
    coordinator = await session.get(Coordinator, case.coordinator_id) if case else None
    return contact_text(catalog, language, coordinator)
