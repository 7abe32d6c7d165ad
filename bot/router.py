"""Every update comes through here, once translated by the Telegram shell.

One update is one transaction: it is de-duplicated, its actor resolved, its use case found,
the use case's declared access checked before it runs, and whatever it owes others written
in the same transaction. The router holds no business rules.
"""

from __future__ import annotations

import logging
from typing import Any

from bot import (
    buttons,
    conference_notices,  # noqa: F401  (registers the conference's messages)
    follow_up_notices,  # noqa: F401  (registers the follow-up's messages)
    plan_notices,  # noqa: F401  (registers the plan's messages)
    plan_view_notices,  # noqa: F401  (registers the messages of following the plan)
)
from bot.access import Refused, UseCase, permits, refuse
from bot.actors import resolve_actor
from bot.buttons import (
    Attend,
    CaseTap,
    CaseVerb,
    CheckReply,
    ClearChat,
    ConfirmPaid,
    Evaluate,
    HandOver,
    Invoke,
    MyData,
    Owner,
    PassNote,
    PickLanguage,
    ReportPaid,
    SetOutcome,
    ShowPlan,
    Sign,
    Snooze,
    SwitchTalk,
    TalkTap,
    TellDone,
    Vote,
    WhoAmI,
)
from bot.clock import Clock
from bot.commands import find
from bot.db import Database
from bot.models import Outbox
from bot.notifications import OWES_OTHERS
from bot.seen_updates import first_time
from bot.turn import App, Incoming, Response, Turn
from bot.usecases import (
    admin,
    cases,
    check_ins,
    closing,
    conference,
    evaluation,
    follow_up_staff,
    gate,
    invites,
    moments,
    payments,
    people,
    plan,
    plan_signing,
    plan_view,
    reach,
    rights,
    script,
    talks,
)

log = logging.getLogger(__name__)

BUTTONS: dict[type[buttons.Button], UseCase] = {
    TalkTap: talks.tap, HandOver: admin.hand_over, PickLanguage: people.set_language,
    SwitchTalk: talks.switch_talk, PassNote: talks.pass_note, WhoAmI: people.whoami_tap,
    MyData: rights.mydata_action, ClearChat: rights.clear_chat, Attend: conference.answer,
    Vote: moments.vote, Sign: plan_signing.sign, Owner: plan.toggle_owner,
    ShowPlan: plan_view.show_plan, TellDone: plan_view.tell_done, Invoke: plan_view.invoke,
    Evaluate: evaluation.answer, SetOutcome: closing.set_outcome,
    CheckReply: check_ins.reply, Snooze: check_ins.snooze,
    ReportPaid: payments.report_paid, ConfirmPaid: payments.confirm_paid,
}
CASE_VERBS: dict[CaseVerb, UseCase] = {
    CaseVerb.CARD: cases.show_card, CaseVerb.ADD_PARTY: cases.add_party_to,
    CaseVerb.REVOKE: invites.revoke, CaseVerb.REISSUE: invites.reissue,
    CaseVerb.REISSUE_KEEP: invites.reissue_keep, CaseVerb.REISSUE_RESTART: invites.reissue_restart,
    CaseVerb.INVITE_PROPOSAL: invites.invite_proposal, CaseVerb.HANDOVER: admin.ask_handover,
    CaseVerb.AUDIT: admin.show_audit_of, CaseVerb.DECLINE_PROPOSAL: invites.decline_proposal,
    CaseVerb.RELEASE: gate.ask_release, CaseVerb.ANSWERS: cases.show_answers,
    CaseVerb.NUDGE: cases.nudge, CaseVerb.EDIT_FACTS: cases.edit_facts,
    CaseVerb.ERASE: rights.erase_party, CaseVerb.CLOSE: closing.close_case,
    CaseVerb.EXPORT: closing.export_case, CaseVerb.ERASE_CASE: closing.ask_erase_case,
    CaseVerb.ERASE_CASE_CONFIRM: closing.erase_case, CaseVerb.KEEP: closing.keep_case,
    CaseVerb.PLAN: conference.plan, CaseVerb.CANCEL_CONFERENCE: conference.ask_cancel,
    CaseVerb.CANCEL_CONFERENCE_CONFIRM: conference.cancel,
    CaseVerb.PROPOSE_MOMENTS: moments.propose, CaseVerb.PICK_MOMENT: moments.pick,
    CaseVerb.NAME_PRIVATE: conference.toggle_name_private,
    CaseVerb.SCRIPT: script.show_script,
    CaseVerb.PLAN_CARD: plan.show_plan, CaseVerb.ADD_COMMITMENT: plan.add_commitment,
    CaseVerb.EDIT_COMMITMENT: plan.edit_commitment,
    CaseVerb.REMOVE_COMMITMENT: plan.remove_commitment,
    CaseVerb.OWNERS_DONE: plan.pick_owners, CaseVerb.PLAN_DETAILS: plan.edit_details,
    CaseVerb.SEND_PLAN: plan_signing.send_plan,
    CaseVerb.REMIND_SIGNERS: plan_signing.remind_signers,
    CaseVerb.PLAN_FOLLOWERS: plan_view.show_followers,
    CaseVerb.PLAN_INFORM: plan_view.toggle_informed,
    CaseVerb.FOLLOW_UP_REPORT: plan_view.follow_up_report,
    CaseVerb.OUTCOME: closing.ask_outcome,
    CaseVerb.FOLLOW_UP: follow_up_staff.show_follow_up,
    CaseVerb.COMMITMENT_DONE: follow_up_staff.mark_done,
    CaseVerb.COMMITMENT_DATE: follow_up_staff.ask_new_date,
    CaseVerb.COMMITMENT_END: follow_up_staff.ask_end,
    CaseVerb.COMMITMENT_END_CONFIRM: follow_up_staff.end,
}


class Router:
    def __init__(self, *, db: Database, app: App, clock: Clock) -> None:
        self.db = db
        self.app = app
        self.clock = clock

    async def handle(self, incoming: Incoming) -> Response:
        async with self.db.transaction() as session:
            if not await first_time(session, incoming.update_id, self.clock()):
                log.info("update %s seen before; skipped", incoming.update_id)
                return Response()
            actor = await resolve_actor(session, incoming.user_id, incoming.language_code)
            ctx = Turn(session, self.clock(), incoming, actor, self.app)
            use_case, arguments = self._route(incoming)
            try:
                if not permits(use_case, ctx):
                    refuse(ctx)
                await use_case(ctx=ctx, **arguments)
            except Refused:
                await (people.forged(ctx) if incoming.kind == "callback"
                       else people.unknown_command(ctx))
            ctx.response.owes_others = bool(session.info.pop(OWES_OTHERS, False)) or any(
                isinstance(obj, Outbox) for obj in session.new)
            ctx.response.menu_kinds = ctx.actor.kinds
        return ctx.response

    @staticmethod
    def _route(incoming: Incoming) -> tuple[UseCase, dict[str, Any]]:
        if incoming.kind == "callback":
            button = buttons.decode(incoming.callback_data or "")
            if isinstance(button, CaseTap):
                return CASE_VERBS[button.verb], {"ref": button.ref}
            if button is not None:
                return BUTTONS[type(button)], {"tap": button}
            return _refused, {}
        if incoming.kind == "command":
            command = find(incoming.command or "")
            if command is None:
                return people.unknown_command, {"args": incoming.text}
            arguments: dict[str, Any] = {"args": incoming.text}
            if command.talk_input is not None:
                arguments["event"] = command.talk_input
            return command.run, arguments
        if incoming.kind in ("blocked", "unblocked"):
            return reach.blocked if incoming.kind == "blocked" else reach.unblocked, {}
        return people.answer, {}

async def _refused(ctx: Turn) -> None:
    """Undecodable button data: declared for no one, so the router refuses it."""
