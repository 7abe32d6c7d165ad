"""What an admin sees: coordinators and cases by id and reference, and the audit trail.
Never a name or an answer."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, Keyboard
from bot.catalog import Catalog
from bot.models import AuditEntry, Case, Coordinator


def coordinator_lines(catalog: Catalog, language: str, coordinators: list[Coordinator],
                      case_counts: Mapping[int, int]) -> str:
    lines = [catalog("admin.coordinators_head", language, count=len(coordinators))]
    lines += [catalog("admin.coordinator_line", language, user_id=c.telegram_user_id,
                      cases=case_counts.get(c.id or 0, 0), code=c.language)
              for c in coordinators]
    return "\n".join(lines)


def case_lines(catalog: Catalog, language: str, cases: list[Case],
               party_counts: Mapping[int, int]) -> tuple[str, Keyboard]:
    if not cases:
        return catalog("admin.no_cases", language), ()
    lines = [catalog("admin.cases_head", language)]
    rows: list[tuple[tuple[str, str], ...]] = []
    for case in cases:
        lines.append(catalog("admin.case_line", language, reference=case.reference,
                             coordinator=case.coordinator_id,
                             parties=party_counts.get(case.id or 0, 0),
                             created=case.created_at.date().isoformat()))
        rows.append((
            (catalog("button.handover", language, reference=case.reference),
             buttons.encode(CaseTap(CaseVerb.HANDOVER, case.id or 0))),
            (catalog("button.audit", language, reference=case.reference),
             buttons.encode(CaseTap(CaseVerb.AUDIT, case.id or 0))),
        ))
    return "\n".join(lines), tuple(rows)


def audit_lines(catalog: Catalog, language: str, case: Case, entries: list[AuditEntry]) -> str:
    zone = ZoneInfo(case.timezone)
    lines = [catalog("admin.audit_head", language, reference=case.reference)]
    for entry in entries:
        lines.append(catalog(
            "admin.audit_line" if entry.allowed else "admin.audit_refused", language,
            at=entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            actor=catalog(f"actor.{entry.actor_kind}", language), user_id=entry.actor_user_id,
            action=entry.action, party=entry.party_id if entry.party_id else "–"))
    if not entries:
        lines.append(catalog("admin.audit_empty", language))
    return "\n".join(lines)
