"""The words of the domain, once: roles, variants, statuses, outcomes and kinds.

Loader, engine, tables, outbox and use cases all speak these enums. They are `StrEnum`s, so
they are stored as their plain value and compare equal to it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFENDER = "offender"
    VICTIM = "victim"
    SUPPORTER = "supporter"
    THIRD_PARTY = "third_party"


class Variant(StrEnum):
    HERGO = "hergo"
    EIGEN_KRACHT = "eigen-kracht"


DEFAULT_TIMEZONES: dict[Variant, str] = {
    Variant.HERGO: "Europe/Brussels",
    Variant.EIGEN_KRACHT: "Europe/Amsterdam",
}


class Audience(StrEnum):
    """Who a flow talks to."""

    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"


class TalkStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"  # the participant stopped; they may come back
    ARCHIVED = "archived"  # set aside by the coordinator (a talk started over); kept, not shown


OPEN_STATUSES = (TalkStatus.ACTIVE, TalkStatus.PAUSED)
LIVE_STATUSES = (TalkStatus.ACTIVE, TalkStatus.PAUSED, TalkStatus.WITHDRAWN)


class Outcome(StrEnum):
    """How a talk ended (`FLOW_OUTCOMES` in flows), or how a coordinator's form did."""

    COMPLETED = "completed"
    DECLINED = "declined"
    PRECONDITION_NOT_MET = "precondition_not_met"
    CANCELLED = "cancelled"  # a coordinator's form, abandoned with /cancel


FLOW_OUTCOMES = frozenset({Outcome.COMPLETED, Outcome.DECLINED, Outcome.PRECONDITION_NOT_MET})


class PartyFact(StrEnum):
    """What the method needs to know of a party later, recorded on the party itself when
    its talk ends, so no rule ever reads a free-text answer."""

    ACKNOWLEDGED = "acknowledged"  # the offender accepts their part
    WANTS_TO_SET_RIGHT = "wants_to_set_right"
    FACTS_RIGHT = "facts_right"  # the offender finds the description of the facts right
    WILLING = "willing"  # the victim wants to take part in the conference
    INSTEAD = "instead"  # a victim who will not come: someone in their place, or their story
    SPEAKS_FIRST = "speaks_first"  # hergo: the victim's choice of who tells first


PARTY_FACT_VALUES: dict[PartyFact, frozenset[str]] = {
    PartyFact.ACKNOWLEDGED: frozenset({"yes", "partly", "no"}),
    PartyFact.WANTS_TO_SET_RIGHT: frozenset({"yes", "unsure", "no"}),
    PartyFact.FACTS_RIGHT: frozenset({"yes", "no"}),
    PartyFact.WILLING: frozenset({"yes", "no"}),
    PartyFact.INSTEAD: frozenset({"trusted_person", "own_story", "nothing"}),
    PartyFact.SPEAKS_FIRST: frozenset({"victim_first", "offender_first", "coordinator_decides"}),
}


class InviteKind(StrEnum):
    PARTY = "party"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender until its lease (`not_before`) ends
    SENT = "sent"
    FAILED = "failed"


class Notice(StrEnum):
    """Kinds of message owed through the outbox."""

    INVITE_OPENED = "invite_opened"
    INVITE_REFUSED = "invite_refused"
    INVITE_EXPIRED = "invite_expired"
    INVITE_HELD = "invite_held"  # a victim opened their link before the gate opened
    VICTIM_RELEASED = "victim_released"  # to the victim: your talk can begin now
    TALK_COMPLETED = "talk_completed"
    TALK_DECLINED = "talk_declined"
    PRECONDITION_NOT_MET = "precondition_not_met"
    TALK_WITHDRAWN = "talk_withdrawn"
    TALK_RESUMED = "talk_resumed"
    NUDGE = "nudge"
    LINK_NOT_OPENED = "link_not_opened"  # to the coordinator, once, after a few days
    TALK_STALLED = "talk_stalled"  # to the coordinator, once, days after a nudge
    TALK_THINKING = "talk_thinking"  # to the coordinator: they take time to think
    THINK_FOLLOW_UP = "think_follow_up"  # to the participant, a week later, once
    PARTICIPANT_NOTE = "participant_note"
    CASE_HANDED_OVER = "case_handed_over"
    ERASURE_REQUESTED = "erasure_requested"  # to the coordinator: a participant asks
    PARTY_UNREACHABLE = "party_unreachable"  # to the coordinator: they blocked the bot
    RETENTION_WARNING = "retention_warning"  # to the coordinator: a week before erasure
    CONFERENCE_INVITATION = "conf_invitation"  # to a party: when, where, who; answer buttons
    CONFERENCE_CALENDAR = "conf_calendar"  # to a party: the .ics file (also after a move)
    CONFERENCE_MOVED = "conf_moved"  # to a party: a new moment or place; answer again
    CONFERENCE_CANCELLED = "conf_cancelled"  # to a party: it will not take place
    REMINDER_DAY_BEFORE = "conf_remind_day"  # to a party who did not say no
    REMINDER_HOURS_BEFORE = "conf_remind_hours"
    CONFERENCE_ANSWERED_NO = "conf_no"  # to the coordinator: a party will not come
    REMINDER_DROPPED = "conf_remind_dropped"  # to the coordinator: too late, the meeting began
    MOMENT_POLL = "conf_poll"  # to a party: which of these moments suit you?
    PLAN_TO_SIGN = "plan_sign"  # to a party: the plan as text, with the sign buttons
    PLAN_COPY = "plan_copy"  # to a party: the plan version as a PDF
    PLAN_SIGNED = "plan_signed"  # to a party: everyone signed; the final copy follows
    PLAN_FINAL_COPY = "plan_final"  # to a party: the signed plan as a PDF, with signatures
    PLAN_SIGN_REMINDER = "plan_remind"  # to a party who has not signed yet
    PLAN_DECLINED = "plan_declined"  # to the coordinator: a party will not sign
    PLAN_ALL_SIGNED = "plan_all_signed"  # to the coordinator
    PLAN_COMMITMENT_DONE = "plan_done_told"  # to a watcher who asked: a commitment is done
    PLAN_INVOKED = "plan_invoked"  # to the coordinator: "this did not happen"
    PLAN_SHARED = "plan_shared"  # to someone marked informed: /plan shows the plan now
    EVALUATION_DUE = "eval_due"  # to the coordinator: the plan's evaluation moment
    EVALUATION_QUESTION = "eval_question"  # to a participant: how is it going?
    EVALUATION_ANSWERED = "eval_answered"  # to the coordinator: their answer
    COMMITMENT_REMINDER = "cm_remind"  # to an owner: a due date is coming (ref: a check)
    COMMITMENT_CHECK_IN = "cm_check"  # to an owner, on the due date: how is it going?
    COMMITMENT_REPEAT = "cm_repeat"  # to an owner, once, when the check-in had no answer
    COMMITMENT_NO_ANSWER = "cm_no_answer"  # to the coordinator: no answer after the repeat
    COMMITMENT_HELP = "cm_help"  # to the coordinator, at once: an owner asks for help
    COMMITMENT_TOO_LATE = "cm_too_late"  # to the coordinator: over a week late, not sent
    PAYMENT_REPORTED = "pay_reported"  # to whom it is owed: confirm it? (ref: a payment)
    PAYMENT_CONFIRMED = "pay_confirmed"  # to the owner: it was received


class ConferenceStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Rsvp(StrEnum):
    """A party's answer to the conference's invitation."""

    YES = "yes"
    NO = "no"
    MAYBE = "maybe"  # not sure yet


class Reminder(StrEnum):
    """The conference's reminders, each sent once: the evening before, and hours before."""

    DAY_BEFORE = "day_before"
    HOURS_BEFORE = "hours_before"


class PlanAim(StrEnum):
    """The three parts of a HERGO intentieverklaring: what a commitment repairs."""

    VICTIM = "victim"  # repair towards the person harmed
    COMMUNITY = "community"  # towards society, the school, the neighbourhood
    PREVENTION = "prevention"  # how it will not happen again


class CommitmentStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    ENDED = "ended"  # stopped by the coordinator, not done


class CheckAnswer(StrEnum):
    """The owner's answer on a commitment's due date."""

    DONE = "done"
    PARTLY = "partly"
    NOT_YET = "not_yet"
    HELP = "help"


class CaseOutcome(StrEnum):
    """How a case ended, from a fixed list, so a programme can count them."""

    PLAN_COMPLETED = "plan_completed"
    PLAN_PARTLY_COMPLETED = "plan_partly_completed"
    NO_ACKNOWLEDGEMENT = "no_acknowledgement"  # no conference: no acknowledgement
    VICTIM_DECLINED = "victim_declined"  # no conference: the victim declined
    WITHDRAWN = "withdrawn"  # no conference: withdrawn
    TERMINATED = "terminated"


class EvaluationAnswer(StrEnum):
    """A participant's answer at the plan's evaluation moment: how is it going?"""

    GOOD = "good"
    SO_SO = "so_so"
    NOT_GOOD = "not_good"


class ActorKind(StrEnum):
    """Who is writing, resolved once per update."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    PARTICIPANT = "participant"
    STRANGER = "stranger"
    SYSTEM = "system"  # the bot itself, in the audit trail (the retention job)


class AuditAction(StrEnum):
    """What an audit row records; never the data itself."""

    CASE_CREATED = "case_created"
    CASE_VIEWED = "case_viewed"
    ANSWERS_VIEWED = "answers_viewed"
    CASE_HANDED_OVER = "case_handed_over"
    PARTY_ADDED = "party_added"
    INVITE_ISSUED = "invite_issued"
    INVITE_REVOKED = "invite_revoked"
    INVITE_REISSUED = "invite_reissued"
    INVITE_REDEEMED = "invite_redeemed"
    GATE_RELEASED = "gate_released"
    FACTS_CHANGED = "facts_changed"
    MYDATA_VIEWED = "mydata_viewed"
    ERASURE_REQUESTED = "erasure_requested"
    PARTY_ERASED = "party_erased"
    CASE_CLOSED = "case_closed"
    CASE_EXPORTED = "case_exported"
    CASE_KEPT = "case_kept"
    CASE_ERASED = "case_erased"
    PROPOSAL_DECLINED = "proposal_declined"
    TALK_ENDED = "talk_ended"
    TALK_WITHDRAWN = "talk_withdrawn"
    NOTE_PASSED = "note_passed"
    AUDIT_VIEWED = "audit_viewed"
    CONFERENCE_PLANNED = "conference_planned"
    CONFERENCE_MOVED = "conference_moved"
    CONFERENCE_CANCELLED = "conference_cancelled"
    MOMENTS_PROPOSED = "moments_proposed"
    PLAN_CHANGED = "plan_changed"
    PLAN_SENT = "plan_sent"  # a version put to the parties for signing
    PLAN_SIGNED = "plan_signed"
    PLAN_DECLINED = "plan_declined"
    REFUSED = "refused"
    SCRIPT_VIEWED = "script_viewed"
    PLAN_VIEWED = "plan_viewed"  # a participant's /plan
    PLAN_INVOKED = "plan_invoked"  # "this did not happen", told to the coordinator
    PLAN_INFORMED = "plan_informed"  # the coordinator marks someone informed, or not
    REPORT_MADE = "report_made"  # the follow-up report (PDF) for the referrer
    OUTCOME_RECORDED = "outcome_recorded"
    FOLLOW_UP_VIEWED = "follow_up_viewed"
    COMMITMENT_DONE = "commitment_done"  # marked done by the coordinator
    COMMITMENT_REDATED = "commitment_redated"  # a new date by the coordinator
    COMMITMENT_ENDED = "commitment_ended"
