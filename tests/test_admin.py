"""An organisation admin: coordinators and cases at a glance, a case handed over when a
coordinator falls ill, the audit trail; never a talk's contents."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import Admin, Case, Coordinator, Invite
from bot.tokens import new_token, token_hash
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    answer_to,
    answer_to_tap,
    offender_completes,
    offender_to_responsibility,
    open_case,
)

ADMIN, OTHER_COORDINATOR, OFFENDER = 9001, 9002, 222


async def admin_by_invite(world: World) -> None:
    token = new_token()
    async with world.db.transaction() as session:
        session.add(Invite(token_hash=token_hash(token), kind="admin", created_at=world.clock(),
                           expires_at=world.clock() + timedelta(days=7)))
        session.add(Coordinator(telegram_user_id=OTHER_COORDINATOR, created_at=world.clock()))
    welcome = await answer_to(world.person(ADMIN, "Beheer"), f"/start {token}")
    assert "Je beheert de herstelbot" in welcome


async def test_an_admin_hands_a_case_to_another_coordinator_and_both_are_told(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await offender_completes(offender)
    await admin_by_invite(world)
    new = world.person(OTHER_COORDINATOR, "Nieuw")
    await new.send("/start")  # Telegram delivers only to people who have written once
    admin = world.person(ADMIN, "Beheer")
    listed = await answer_to(admin, "/coordinatoren")
    assert f"Telegram {COORDINATOR_ID} · 1 zaak" in listed and str(OTHER_COORDINATOR) in listed
    cases = await answer_to(admin, "/allezaken")
    assert "2026-014" in cases and "1 betrokkene" in cases
    assert "Sam" not in cases and "fiets" not in cases  # no names, no facts
    await admin.tap("Overdragen: 2026-014")
    done = await answer_to_tap(admin, f"Coördinator {OTHER_COORDINATOR}")
    assert "overgedragen aan coördinator" in done
    await world.deliver_outbox()
    assert "aan jou overgedragen" in (new.last_text or "")
    assert "andere coördinator" in (coordinator.last_text or "")
    await new.send("/zaken")
    card = await answer_to_tap(new, "2026-014")
    assert "Sam (dader): gesprek afgerond" in card
    await coordinator.send("/zaken")
    assert "nog geen zaken" in (coordinator.last_text or "")


async def test_the_admin_reads_who_did_what_but_no_answers_and_refusals_stand_out(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await admin_by_invite(world)
    intruder = world.person(OTHER_COORDINATOR, "Ander")
    async with world.db.transaction() as session:
        case = (await session.exec(select(Case))).one()
    await intruder.send("/zaken")
    await intruder.tap_data(intruder.messages[-1].message_id, f"c:card:{case.id}")
    assert "werkt niet" in (intruder.last_text or "")
    admin = world.person(ADMIN, "Beheer")
    trail = await answer_to(admin, "/audit 2026-014")
    for action in ("case_created", "party_added", "invite_issued", "invite_redeemed"):
        assert action in trail
    assert f"GEWEIGERD · coördinator {OTHER_COORDINATOR}" in trail
    assert "Sam" not in trail and "fiets" not in trail
    assert "Ik vind geen zaak" in await answer_to(admin, "/audit bestaat-niet")
    card = await answer_to(admin, "/zaken")  # an admin is no coordinator of this case
    assert "2026-014" not in card


async def test_an_admin_from_admin_ids_who_takes_a_case_over_becomes_its_coordinator(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    async with world.db.transaction() as session:
        session.add(Admin(telegram_user_id=ADMIN, created_at=world.clock()))
    admin = world.person(ADMIN, "Beheer")
    await admin.send("/allcases")
    await admin.tap("Overdragen: 2026-014")
    await admin.tap("Ik neem de zaak zelf over")
    await admin.send("/cases")
    assert "2026-014" in " ".join(admin.messages[-1].button_labels)
    menu = world.api.commands_for({"type": "chat", "chat_id": ADMIN}, "")
    assert {"newcase", "audit"} <= {c["command"] for c in menu}


async def test_what_was_still_owed_about_a_handed_over_case_goes_to_its_new_coordinator(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await world.deliver_outbox()
    world.api.fail_next("sendMessage", error_code=429, retry_after=60, chat_id=COORDINATOR_ID)
    await offender_completes(offender)
    await world.deliver_outbox()  # the summary is owed, not yet sent: Telegram said wait
    await admin_by_invite(world)
    new = world.person(OTHER_COORDINATOR, "Nieuw")
    await new.send("/start")
    admin = world.person(ADMIN, "Beheer")
    await admin.send("/allezaken")
    await admin.tap("Overdragen: 2026-014")
    await admin.tap(f"Coördinator {OTHER_COORDINATOR}")
    world.clock.advance(seconds=61)
    await world.deliver_outbox()
    received = "\n".join(m.content for m in new.messages)
    assert "heeft het voorbereidend gesprek afgerond" in received
    assert "Ik had het niet mogen doen." in received
    old = "\n".join(m.content for m in coordinator.messages)
    assert "Ik had het niet mogen doen." not in old
