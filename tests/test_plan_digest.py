"""What a party signs is the hash of one canonical form of the plan: the same plan gives the
same hash however it was built; any change to what was agreed gives another."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.models import Case, Commitment, Party, Plan
from bot.plan_digest import canonical_plan
from bot.vocabulary import PlanAim, Role, Variant

NOW = datetime(2026, 3, 10, tzinfo=UTC)


def pieces() -> tuple[Case, Plan, list[Commitment], dict[int, list[Party]], dict[int, Party]]:
    case = Case(id=1, coordinator_id=1, reference="2026-014", variant=Variant.HERGO, facts="…",
                language="nl", timezone="Europe/Brussels", created_at=NOW)
    plan = Plan(id=1, case_id=1, inform="De school.", evaluation_on=date(2026, 4, 14),
                changed_at=NOW, created_at=NOW)
    sam = Party(id=1, case_id=1, role=Role.OFFENDER, name="Sam", language="nl", created_at=NOW)
    noor = Party(id=2, case_id=1, role=Role.VICTIM, name="Noor", language="nl", created_at=NOW)
    commitments = [
        Commitment(id=2, plan_id=1, what="Excuses schrijven", aim=PlanAim.VICTIM,
                   due_on=date(2026, 3, 20), checker_party_id=2, created_at=NOW),
        Commitment(id=1, plan_id=1, what="Fietsbel betalen", aim=PlanAim.VICTIM,
                   due_on=date(2026, 4, 1), amount_cents=1500, created_at=NOW),
    ]
    return case, plan, commitments, {1: [sam], 2: [sam]}, {1: sam, 2: noor}


def test_the_same_plan_gives_the_same_hash_whatever_the_order_it_was_read_in() -> None:
    case, plan, commitments, owners, parties = pieces()
    one = canonical_plan(case, plan, commitments, owners, parties)
    two = canonical_plan(case, plan, list(reversed(commitments)), owners, parties)
    assert one == two and len(one.digest) == 64
    assert one.content.index("Fietsbel") < one.content.index("Excuses")  # by id, not input


def test_a_changed_word_date_or_owner_gives_another_hash_and_a_removed_one_counts_too() -> None:
    case, plan, commitments, owners, parties = pieces()
    signed = canonical_plan(case, plan, commitments, owners, parties).digest
    def changed(**values: object) -> list[Commitment]:
        return [commitments[0].model_copy(update=values), commitments[1]]

    reworded = changed(what="Excuses zeggen")
    moved = changed(due_on=date(2026, 3, 21))
    removed = changed(removed_at=NOW)
    other_owner = {1: [parties[1]], 2: [parties[2]]}
    for changed in (canonical_plan(case, plan, reworded, owners, parties),
                    canonical_plan(case, plan, moved, owners, parties),
                    canonical_plan(case, plan, removed, owners, parties),
                    canonical_plan(case, plan, commitments, other_owner, parties)):
        assert changed.digest != signed
