"""The inbound paths: a reply (Twilio webhook and simulator page alike) and a delivery status.

Order matters: opt-out words first (code, never the AI), then "CONSEILLER", then the AI reading.
The same provider message id twice has one effect; a late status never moves a message back.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from application.errors import AiSwitchedOffError, InvalidValueError, StaleEditError
from application.outreach_reading import ai_output
from application.outreach_sending import _Batch, _Counts
from application.outreach_texts import STOP_CONFIRMATION_TEXT, message_body
from application.phone import normalise_phone
from application.reply_reading import ReplyToRead
from application.sms import InboundSms, OutgoingSms, message_id
from domain.conversation import FIRST_CONTACT, STOP_CONFIRMATION
from domain.outreach import Outreach
from domain.personal_data import PersonalData
from domain.provenance import Provenance
from domain.sms_keywords import asks_for_advisor, is_opt_out

if TYPE_CHECKING:
    from application.app import Relais

log = logging.getLogger(__name__)
MAX_REPLY = 1600
#: Provider statuses with another name (Twilio's) mapped onto ours.
STATUS_ALIASES = {"accepted": "queued", "scheduled": "queued", "sending": "sent"}
ATTEMPTS = 5


class OutreachInbound:
    def receive_sms(self: Relais, sms: InboundSms) -> None:
        try:
            phone = normalise_phone(sms.from_phone)
        except InvalidValueError:
            log.warning("inbound SMS %s from an invalid number: ignored", sms.provider_message_id)
            return
        if sms.provider_message_id and self._directory().reply_received(sms.provider_message_id):
            # Redelivered (the provider retries webhooks), perhaps after a newer outreach to the same
            # number was approved: the aggregate's own check would only see that newer outreach.
            log.info("inbound SMS %s already recorded: ignored", sms.provider_message_id)
            return
        conversations = self._directory().conversations_for_phone(phone)
        provenance = Provenance.job("sms-inbound", sms.provider_message_id or f"in-{uuid4()}")
        if is_opt_out(sms.body):
            self._opt_out(phone, sms, conversations, provenance)
            return
        if not conversations:
            log.info("inbound SMS %s matches no conversation: ignored", sms.provider_message_id)
            return
        outreach_id, candidate_id = conversations[0]
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._receive_reply(outreach_id, candidate_id, sms, provenance)
                return
            except StaleEditError:
                if attempt == ATTEMPTS:
                    raise

    def _receive_reply(self: Relais, outreach_id: UUID, candidate_id: UUID, sms: InboundSms,
                       provenance: Provenance) -> None:
        outreach: Outreach = self._get(outreach_id, Outreach)
        text = PersonalData(str(candidate_id), sms.body[:MAX_REPLY])
        if not outreach.receive_reply(candidate_id, sms.provider_message_id, text, provenance, self._now()):
            return  # the same message delivered twice
        if asks_for_advisor(sms.body):
            outreach.hand_to_advisor(candidate_id, "asked_advisor", provenance, self._now())
        else:
            step = outreach.conversation(candidate_id).step
            question = outreach.text if step == FIRST_CONTACT else message_body(step, outreach.text,
                                                                               outreach.requirement)
            try:
                reading = self.read_reply(ReplyToRead(sms.body[:MAX_REPLY], step, question, outreach.offer_title))
            except AiSwitchedOffError:
                outreach.hand_to_advisor(candidate_id, "ai_off", provenance, self._now())
            else:
                outreach.interpret_reply(candidate_id, sms.provider_message_id, uuid4(), reading.intent,
                                         reading.needs, reading.confidence,
                                         PersonalData(str(candidate_id), reading.answer), ai_output(reading),
                                         provenance, self._now())
        self._save(outreach)

    def _opt_out(self: Relais, phone: str, sms: InboundSms, conversations: list[tuple[UUID, UUID]],
                 provenance: Provenance) -> None:
        """Opt everyone with this number out, stop their conversations, confirm once."""
        people = set(self._directory().candidates_with_phone(phone)) | {c for _, c in conversations}
        newly = False
        for candidate_id in sorted(people, key=str):
            candidate = self._candidate(candidate_id)
            if candidate is not None and candidate.opt_out("sms", provenance, self._now()):
                self._save(candidate)
                newly = True
        for position, (outreach_id, candidate_id) in enumerate(conversations):
            confirm = position == 0 and newly

            def change(outreach: Outreach, cid: UUID = candidate_id, first: bool = position == 0,
                       confirm: bool = confirm) -> None:
                now = self._now()
                if first:
                    text = PersonalData(str(cid), sms.body[:MAX_REPLY])
                    outreach.receive_reply(cid, sms.provider_message_id, text, provenance, now)
                outreach.stop(cid, provenance, now)
                mid = message_id(outreach.id, cid, STOP_CONFIRMATION)
                if confirm and mid not in outreach.messages:
                    outreach.record_attempt(cid, STOP_CONFIRMATION, mid, STOP_CONFIRMATION_TEXT,
                                            self.follow_up_policy, provenance, now)

            self._change_outreach(outreach_id, change)
            if confirm:
                mid = message_id(outreach_id, candidate_id, STOP_CONFIRMATION)
                outreach: Outreach = self._get(outreach_id, Outreach)
                if outreach.unanswered(mid) is not None:
                    batch = _Batch(to_send=[OutgoingSms(mid, phone, STOP_CONFIRMATION_TEXT)])
                    self._deliver(outreach_id, batch, provenance, _Counts())

    def record_sms_status(self: Relais, provider_message_id: str, status: str, error_code: str = "") -> None:
        found = self._directory().message_for_provider_id(provider_message_id)
        if found is None:
            log.info("status %s for unknown message %s: ignored", status, provider_message_id)
            return
        outreach_id, mid = found
        status = STATUS_ALIASES.get(status, status)
        provenance = Provenance.job("sms-status", f"status-{provider_message_id}-{status}")
        self._change_outreach(outreach_id, lambda o: o.record_status(mid, status, error_code[:20], provenance,
                                                                     self._now()))

    def _directory(self: Relais):  # noqa: ANN202 - an OutreachDirectory
        if self.outreach_directory is None:
            raise RuntimeError("no OutreachDirectory configured")
        return self.outreach_directory
