"""The evaluation moment (once, at a daytime hour, clock-controlled), the follow-up report for
the referrer (read back from the PDF), and a closed case's outcome. Through the real
`Application`, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

from pypdf import PdfReader
from sqlmodel import select

from bot.buttons import CaseTap, CaseVerb, encode
from bot.evaluation import plan_evaluations
from bot.models import (
    AuditEntry,
    Case,
    Commitment,
    CommitmentCheck,
    Coordinator,
    Payment,
    Plan,
    PlanEvaluation,
)
from bot.vocabulary import AuditAction, CheckAnswer, CommitmentStatus, Notice
from tests.fakes import TelegramUser
from tests.plans import SignedPlan, a_signed_plan
from tests.test_plan_view import AGREED, NOOR, SAM
from tests.world import World, answer_to_tap

EVALUATION_DAY = date(2026, 4, 7)


async def tap_case(user: TelegramUser, verb: CaseVerb, ref: int) -> str:
    before = len(user.messages)
    await user.tap_data(user.messages[-1].message_id, encode(CaseTap(verb, ref)))
    return "\n".join(user.texts_since(before))


async def test_the_evaluation_moment_asks_everyone_once_and_the_answers_reach_the_coordinator(
        world: World) -> None:
    plan = await a_signed_plan(world, AGREED)
    async with world.db.transaction() as session:
        row = await session.get(Plan, plan.plan_id)
        assert row is not None
        row.evaluation_on = EVALUATION_DAY
        session.add(row)
    world.clock.now = datetime(2026, 4, 7, 7, 0, tzinfo=UTC)  # 09:00 in Brussels: not yet
    assert await plan_evaluations(world.db, world.clock) == 0
    world.clock.now = datetime(2026, 4, 7, 8, 30, tzinfo=UTC)  # 10:30
    assert await plan_evaluations(world.db, world.clock) == 1
    assert await plan_evaluations(world.db, world.clock) == 0  # once
    rows = await world.outbox()
    assert [r.chat_id for r in rows if r.kind == Notice.EVALUATION_DUE] == [7001]
    assert sorted(r.chat_id for r in rows if r.kind == Notice.EVALUATION_QUESTION) == [SAM, NOOR]
    await world.deliver_outbox()
    prompt = plan.coordinator.last_text or ""
    assert "Vandaag is het evaluatiemoment van het herstelplan van zaak 2026-014" in prompt
    assert "0 van de 3 afspraken zijn gedaan" in prompt
    assert "Uitvoeringsverslag (PDF)" in plan.coordinator.messages[-1].button_labels
    noor = world.person(NOOR, "Noor")
    assert "Hoe gaat het nu met de afspraken?" in (noor.last_text or "")
    assert noor.messages[-1].button_labels == ["Goed", "Het gaat", "Niet goed"]
    assert "neemt contact met je op" in await answer_to_tap(noor, "Niet goed")
    await world.deliver_outbox()
    assert "Noor (slachtoffer) zegt dat het niet goed gaat" in (plan.coordinator.last_text or "")
    async with world.db.transaction() as session:
        answers = {e.party_id: e.answer for e in (await session.exec(
            select(PlanEvaluation))).all()}
    assert answers == {plan.offender_id: None, plan.victim_id: "not_good"}
    shown = await tap_case(plan.coordinator, CaseVerb.PLAN_FOLLOWERS, plan.case_id)
    assert "Evaluatiemoment: 7 april 2026" in shown and "  Noor: niet goed" in shown


async def test_an_evaluation_missed_while_the_bot_was_down_comes_late_once_and_not_at_night(
        world: World) -> None:
    plan = await a_signed_plan(world, AGREED)
    async with world.db.transaction() as session:
        row = await session.get(Plan, plan.plan_id)
        assert row is not None
        row.evaluation_on = EVALUATION_DAY
        session.add(row)
    world.clock.now = datetime(2026, 4, 8, 22, 0, tzinfo=UTC)  # back at midnight, a day late
    assert await plan_evaluations(world.db, world.clock) == 1
    questions = [r for r in await world.outbox() if r.kind == Notice.EVALUATION_QUESTION]
    assert {r.due_at for r in questions} == {datetime(2026, 4, 9, 7, 0, tzinfo=UTC)}  # 09:00


async def progress_made(world: World, plan: SignedPlan) -> None:
    async with world.db.transaction() as session:
        first = await session.get(Commitment, plan.commitments[0])
        assert first is not None
        first.status = CommitmentStatus.DONE
        first.done_at = datetime(2026, 3, 19, 16, 0, tzinfo=UTC)
        session.add(first)
        session.add(CommitmentCheck(commitment_id=first.id or 0, due_on=date(2026, 3, 20),
                                    answer=CheckAnswer.DONE, answered_at=first.done_at,
                                    created_at=first.done_at))
        session.add(CommitmentCheck(commitment_id=plan.commitments[2], due_on=date(2026, 3, 25),
                                    answer=CheckAnswer.PARTLY,
                                    answered_at=datetime(2026, 3, 25, 18, 0, tzinfo=UTC),
                                    created_at=first.done_at))
        session.add(Payment(commitment_id=plan.commitments[1], party_id=plan.offender_id,
                            cents=1500, reported_at=datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
                            confirmed_at=datetime(2026, 3, 29, 9, 0, tzinfo=UTC)))


def pdf_text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


async def test_the_follow_up_report_holds_every_agreement_its_status_and_no_preparation(
        world: World) -> None:
    plan = await a_signed_plan(world, AGREED)
    await progress_made(world, plan)
    world.clock.now = datetime(2026, 4, 7, 9, 0, tzinfo=UTC)
    caption = await tap_case(plan.coordinator, CaseVerb.FOLLOW_UP_REPORT, plan.case_id)
    assert "Lees het na voor je het aan de verwijzer stuurt" in caption
    message = plan.coordinator.messages[-1]
    assert message.document is not None and message.document_name == "uitvoeringsverslag-1.pdf"
    text = " ".join(pdf_text(message.document).split())
    assert "Uitvoeringsverslag – zaak 2026-014" in text
    assert "Methode: HERGO" in text
    assert "Versie: 1, van 10 maart 2026, 10:30" in text
    assert "Sam: ondertekend op 10 maart 2026, 10:30" in text
    assert "1. Sam schrijft Noor een brief met excuses." in text
    assert "Stand: gedaan op 19 maart 2026" in text
    assert "Check-in 20 maart 2026: gedaan (gemeld op 19 maart 2026, 17:00)" in text
    assert "2. Sam betaalt de kapotte fietsbel terug." in text
    assert "Stand: gepland voor 1 april 2026; nog niet gemeld als gedaan" in text
    assert "€ 15 betaald van € 30" in text and "(ontvangst bevestigd)" in text
    assert "3. Sam helpt twee woensdagen bij de fietsenstalling." in text
    assert "Stand: voor een deel gedaan (gemeld op 25 maart 2026)" in text
    assert "Herstel naar de gemeenschap" in text
    assert "Dat hij zijn excuses aanbiedt" not in text  # Noor's preparation talk stays out
    async with world.db.transaction() as session:
        made = (await session.exec(select(AuditEntry).where(
            AuditEntry.action == AuditAction.REPORT_MADE))).all()
    assert len(made) == 1


async def test_the_follow_up_report_in_english_for_an_english_coordinator(world: World) -> None:
    plan = await a_signed_plan(world, AGREED)
    await progress_made(world, plan)
    async with world.db.transaction() as session:
        coordinator = (await session.exec(select(Coordinator))).one()
        coordinator.language = "en"
        session.add(coordinator)
    await tap_case(plan.coordinator, CaseVerb.FOLLOW_UP_REPORT, plan.case_id)
    document = plan.coordinator.messages[-1].document
    assert document is not None
    text = " ".join(pdf_text(document).split())
    assert "Follow-up report – case 2026-014" in text
    assert "Status: done on 19 March 2026" in text
    assert "€15 paid of €30" in text


async def test_a_closed_case_records_its_outcome_on_the_card_and_in_the_export(
        world: World) -> None:
    plan = await a_signed_plan(world, AGREED)
    coordinator = plan.coordinator
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    closed = await answer_to_tap(coordinator, "Zaak afsluiten")
    assert "Hoe is zaak 2026-014 afgelopen?" in closed
    assert coordinator.messages[-1].button_labels[:6] == [
        "Plan helemaal uitgevoerd", "Plan deels uitgevoerd", "Geen conferentie: geen erkenning",
        "Geen conferentie: slachtoffer wilde niet", "Geen conferentie: teruggetrokken",
        "Voortijdig beëindigd"]
    assert "Uitkomst van zaak 2026-014: Plan deels uitgevoerd." in await answer_to_tap(
        coordinator, "Plan deels uitgevoerd")
    card = await answer_to_tap(coordinator, "Overzicht van de zaak")
    assert "Uitkomst: Plan deels uitgevoerd." in card
    await coordinator.tap("Uitkomst")
    await coordinator.tap("Plan helemaal uitgevoerd")  # a slip corrected
    async with world.db.transaction() as session:
        case = await session.get(Case, plan.case_id)
        recorded = (await session.exec(select(AuditEntry).where(
            AuditEntry.action == AuditAction.OUTCOME_RECORDED))).all()
    assert case is not None and case.outcome == "plan_completed"
    assert len(recorded) == 2
    await coordinator.tap("Overzicht van de zaak")
    await coordinator.tap("Exporteren")
    exported = next(m for m in coordinator.messages if m.document_name == "zaak-1.json")
    assert exported.document is not None
    assert json.loads(exported.document)["outcome"] == "plan_completed"


async def test_an_english_coordinator_picks_the_outcome_in_english(world: World) -> None:
    plan = await a_signed_plan(world, AGREED)
    async with world.db.transaction() as session:
        coordinator = (await session.exec(select(Coordinator))).one()
        coordinator.language = "en"
        session.add(coordinator)
    await plan.coordinator.send("/cases")
    await plan.coordinator.tap("2026-014")
    assert "How did case 2026-014 end?" in await answer_to_tap(plan.coordinator,
                                                                 "Close the case")
    await plan.coordinator.tap("No conference: withdrawn")
    assert "Outcome: No conference: withdrawn." in await answer_to_tap(plan.coordinator,
                                                                         "Case overview")
