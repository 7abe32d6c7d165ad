"""The coordinator's view of an invite: the link, its QR caption, and the question asked
before a link is re-issued for a talk that has begun."""

from __future__ import annotations

from datetime import datetime

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, Keyboard
from bot.catalog import Catalog, role_name
from bot.models import Case, Party, Proposal, Talk
from bot.vocabulary import TalkStatus


def _tap(verb: CaseVerb, ref: int | None) -> str:
    return buttons.encode(CaseTap(verb, ref or 0))


def invite_view(catalog: Catalog, language: str, party: Party, case: Case, link: str,
                expires: datetime) -> tuple[str, str, Keyboard]:
    """The link message, the QR code's caption, and the buttons under the QR code."""
    text = catalog("coordinator.invite_ready", language, name=party.name,
                   role=role_name(catalog, party.role, language), reference=case.reference,
                   link=link, expires=expires.date().isoformat())
    caption = catalog("coordinator.invite_qr_caption", language, name=party.name)
    keyboard: Keyboard = (
        ((catalog("button.revoke_invite", language), _tap(CaseVerb.REVOKE, party.id)),),
        ((catalog("button.new_invite", language), _tap(CaseVerb.REISSUE, party.id)),),
        ((catalog("button.case_card", language), _tap(CaseVerb.CARD, case.id)),),
    )
    return text, caption, keyboard


def new_link_keyboard(catalog: Catalog, language: str, party_id: int | None) -> Keyboard:
    return (((catalog("button.new_invite", language), _tap(CaseVerb.REISSUE, party_id)),),)


def reissue_question(catalog: Catalog, language: str, party: Party,
                     talk: Talk) -> tuple[str, Keyboard]:
    finished = talk.status == TalkStatus.ENDED
    key = "coordinator.reissue_finished" if finished else "coordinator.reissue_begun"
    rows: list[tuple[tuple[str, str], ...]] = [
        ((catalog("button.reissue_keep", language), _tap(CaseVerb.REISSUE_KEEP, party.id)),)]
    if not finished:
        rows.append(((catalog("button.reissue_restart", language),
                      _tap(CaseVerb.REISSUE_RESTART, party.id)),))
    rows.append(((catalog("button.reissue_cancel", language),
                  _tap(CaseVerb.CARD, party.case_id)),))
    return catalog(key, language, name=party.name), tuple(rows)


def proposal_rows(catalog: Catalog, language: str,
                  proposals: list[Proposal]) -> list[tuple[tuple[str, str], ...]]:
    """For each proposal still open: invite them (one tap), or not."""
    return [((catalog("button.invite_supporter", language, name=p.name),
              _tap(CaseVerb.INVITE_PROPOSAL, p.id)),
             (catalog("button.decline_proposal", language, name=p.name),
              _tap(CaseVerb.DECLINE_PROPOSAL, p.id)))
            for p in proposals if p.party_id is None and p.declined_at is None]
