"""The repair plan in one canonical form, and its hash: what a party signs.

A signature names the SHA-256 of the canonical JSON of the exact version the party saw (keys
sorted, no spaces, commitments in a fixed order, dates as ISO text), so any change to what
was agreed (a word, a date, an owner) makes a new version that needs new signatures, while the
same content always gives the same hash, on any machine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.models import Case, Commitment, Party, Plan


@dataclass(frozen=True)
class CanonicalPlan:
    content: str  # the canonical JSON
    digest: str  # its SHA-256, hex


def canonical_plan(case: Case, plan: Plan, commitments: Sequence[Commitment],
                   owners: Mapping[int, Sequence[Party]],
                   parties: Mapping[int, Party]) -> CanonicalPlan:
    """`commitments` that are not removed; `owners` by commitment id; `parties` by id (for the
    checker's name)."""
    data: dict[str, Any] = {
        "case": case.reference,
        "method": str(case.variant),
        "inform": plan.inform,
        "otherwise": plan.otherwise,
        "evaluation_on": plan.evaluation_on.isoformat() if plan.evaluation_on else None,
        "commitments": [_commitment(c, owners.get(c.id or 0, ()), parties)
                        for c in sorted(commitments, key=lambda c: c.id or 0)
                        if c.removed_at is None],
    }
    content = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return CanonicalPlan(content, hashlib.sha256(content.encode("utf-8")).hexdigest())


def _commitment(commitment: Commitment, owners: Sequence[Party],
                parties: Mapping[int, Party]) -> dict[str, Any]:
    checker = parties.get(commitment.checker_party_id or 0)
    return {
        "id": commitment.id,
        "what": commitment.what,
        "aim": commitment.aim,
        "owners": [{"id": p.id, "name": p.name} for p in sorted(owners, key=lambda p: p.id or 0)],
        "due_on": commitment.due_on.isoformat() if commitment.due_on else None,
        "every_days": commitment.every_days,
        "times": commitment.times,
        "follow_up": commitment.follow_up,
        "checker": {"id": checker.id, "name": checker.name} if checker else None,
        "amount_cents": commitment.amount_cents,
    }
