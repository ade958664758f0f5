"""The outreach tick: send what is due, reconcile what a crash left unanswered, give up after the reminders.

The scheduler only calls `run_outreach_tick()`. What is due comes from the projection of the log,
and the aggregate has the last word (a stale row is skipped). Attempts are saved BEFORE the
provider is called; its answers after. Two ticks racing on one outreach: the second save fails
and that tick leaves the outreach to the first, so a message never goes out twice.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from application.errors import NotFoundError, StaleEditError
from application.follow_ups import DueFollowUp, TickReport
from application.outreach_texts import message_body
from application.sms import OutgoingSms, SmsReceipt, SmsSendError, message_id
from domain.candidate import Candidate
from domain.conversation import STOP_CONFIRMATION, is_give_up
from domain.outreach import Outreach
from domain.provenance import Provenance

if TYPE_CHECKING:
    from application.app import Relais

log = logging.getLogger(__name__)
#: A retryable failure is tried again this much later.
RETRY_DELAY = timedelta(minutes=10)
SAVE_ATTEMPTS = 5
#: Why a message attempted before an opt-out (or an erasure) and never received by the provider is not sent.
NO_LONGER_CONTACTABLE = "no_longer_contactable"


@dataclass
class _Counts:
    due: int = 0
    sent: int = 0
    reconciled: int = 0
    failed: int = 0
    gave_up: int = 0
    stopped: int = 0
    skipped: int = 0
    held: int = 0


@dataclass
class _Batch:
    """Messages of one outreach recorded as attempted, to hand to the provider (or to reconcile)."""

    to_send: list[OutgoingSms] = field(default_factory=list)
    to_reconcile: list[tuple[OutgoingSms, datetime]] = field(default_factory=list)
    #: Messages to reconcile that must not be sent again if the provider never got them: the person
    #: opted out (STOP, consent withdrawn) or was erased after the attempt was recorded.
    never_resend: set[str] = field(default_factory=set)


class OutreachSending:
    def run_outreach_tick(self: Relais, limit: int = 10_000) -> TickReport:
        now = self._now()
        quiet = self.quiet_hours
        if quiet is not None and not quiet.allows(now):
            return TickReport(quiet_until=quiet.next_allowed(now))
        if self.catch_up_read_models is not None:
            # Who may be contacted is read from the read model: bring it up to this instant first.
            self.catch_up_read_models()
        rows = list(self._schedule().due(now, limit))
        counts = _Counts(due=len(rows))
        by_outreach: dict[UUID, list[DueFollowUp]] = defaultdict(list)
        for row in rows:
            by_outreach[row.outreach_id].append(row)
        for outreach_id, due in by_outreach.items():
            held_before = counts.held
            try:
                self._tick_outreach(outreach_id, due, now, counts)
            except StaleEditError:
                # Another process is working on it: it sends, we do not (what we held stays counted so).
                counts.skipped += len(due) - (counts.held - held_before)
            except Exception:
                log.exception("outreach %s: tick failed; retried at the next tick", outreach_id)
        return TickReport(**vars(counts))

    def _tick_outreach(self: Relais, outreach_id: UUID, due: list[DueFollowUp], now: datetime,
                       counts: _Counts) -> None:
        # Phones of the people who may still be contacted (consented, not opted out, not erased),
        # in one read; the outreach aggregate has the last word on what is due.
        phones = self._directory().contacts(sorted({row.candidate_id for row in due}, key=str))
        quiet = self.quiet_hours
        if quiet is not None:
            # Quiet hours where the number is from (an overseas mobile): a message is left due, sent at a
            # later tick; a give-up sends nothing and is recorded now.
            sendable = [row for row in due if row.candidate_id not in phones or is_give_up(row.step)
                        or quiet.allows_for(now, phones[row.candidate_id])]
            counts.held += len(due) - len(sendable)
            if not sendable:
                return
            due = sendable
        outreach: Outreach = self._get(outreach_id, Outreach)
        provenance = Provenance.job("outreach-tick", f"tick-{uuid4()}")
        batch = _Batch()
        for row in due:
            mid = message_id(outreach_id, row.candidate_id, row.step)
            unanswered = outreach.unanswered(mid)
            if unanswered is not None:
                phone = phones.get(row.candidate_id) or self._phone(row.candidate_id)
                if row.candidate_id not in phones and unanswered.step != STOP_CONFIRMATION:
                    batch.never_resend.add(mid)
                batch.to_reconcile.append((OutgoingSms(mid, phone, unanswered.body), unanswered.attempted_at))
                continue
            if not outreach.is_due(row.candidate_id, row.step, now):
                counts.skipped += 1
                continue
            phone = phones.get(row.candidate_id)
            if phone is None:
                outreach.stop(row.candidate_id, provenance, now)  # opted out or erased since: never contacted
                counts.stopped += 1
            elif is_give_up(row.step):
                outreach.give_up(row.candidate_id, row.step, provenance, now)
                counts.gave_up += 1
            else:
                body = message_body(row.step, outreach.text, outreach.requirement)
                outreach.record_attempt(row.candidate_id, row.step, mid, body, self.follow_up_policy, provenance, now)
                batch.to_send.append(OutgoingSms(mid, phone, body))
        if outreach.pending_events:
            self._save(outreach)  # the attempts are on record before any provider call
        self._deliver(outreach_id, batch, provenance, counts, outreach)

    def _deliver(self: Relais, outreach_id: UUID, batch: _Batch, provenance: Provenance, counts: _Counts,
                 outreach: Outreach | None = None) -> None:
        """Call the provider, then record its answers (reconciling first what was left unanswered)."""
        answers: list[Callable[[Outreach], None]] = []
        resend: list[OutgoingSms] = []
        now = self._now()
        for sms, attempted_at in batch.to_reconcile:
            receipt = self.sms_gateway.find(sms, attempted_at) if sms.to_phone else None
            if receipt is not None:
                answers.append(_answer(sms.message_id, receipt, True, provenance, now))
                counts.reconciled += 1
            elif sms.message_id in batch.never_resend:
                # The provider never got it and the person may no longer be contacted: settle it, unsent.
                answers.append(lambda o, m=sms.message_id: o.record_send_failure(
                    m, NO_LONGER_CONTACTABLE, None, provenance, now))
                counts.stopped += 1
            else:
                resend.append(sms)  # the provider never got it: then, and only then, resend
        if resend:
            # On record before the provider is called again: a second process reconciling the same
            # attempts at once (a leader change mid-tick) loses this save and sends nothing.
            assert outreach is not None, "only a tick reconciles, with its outreach in hand"
            for sms in resend:
                outreach.reattempt(sms.message_id, provenance, now)
            self._save(outreach)
            batch.to_send.extend(resend)
        for sms, result in zip(batch.to_send, self._send_all(batch.to_send), strict=True):
            if isinstance(result, SmsSendError) and result.maybe_sent:
                # It may have reached the provider: left "attempted", so that a later tick reconciles it
                # (`find`) before any new attempt; never resent blindly (application/sms.py).
                counts.failed += 1
            elif isinstance(result, SmsSendError):
                retry_at = now + RETRY_DELAY if result.retryable else None
                answers.append(lambda o, m=sms.message_id, e=result, r=retry_at: o.record_send_failure(
                    m, e.reason, r, provenance, now))
                counts.failed += 1
            else:
                answers.append(_answer(sms.message_id, result, False, provenance, now))
                counts.sent += 1
        if not answers:
            return
        if outreach is not None:
            # The aggregate we just saved is current: record the answers on it, reload only on a race.
            for apply in answers:
                apply(outreach)
            try:
                self._save(outreach)
                return
            except StaleEditError:
                pass
        self._change_outreach(outreach_id, lambda o: [apply(o) for apply in answers])

    def _send_all(self: Relais, messages: list[OutgoingSms]) -> list[SmsReceipt | SmsSendError]:
        """One provider call per message; a gateway that can take a batch (the simulator) gets one call."""
        send_many = getattr(self.sms_gateway, "send_many", None)
        if send_many is not None and messages:
            return list(send_many(messages))
        results: list[SmsReceipt | SmsSendError] = []
        for sms in messages:
            try:
                results.append(self.sms_gateway.send(sms))
            except SmsSendError as error:
                results.append(error)
        return results

    def _change_outreach(self: Relais, outreach_id: UUID, change: Callable[[Outreach], object]) -> None:
        """Load, change, save; on a concurrent save, again on the new version (changes are idempotent)."""
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            outreach: Outreach = self._get(outreach_id, Outreach)
            change(outreach)
            if not outreach.pending_events:
                return
            try:
                self._save(outreach)
                return
            except StaleEditError:
                if attempt == SAVE_ATTEMPTS:
                    raise

    def _candidate(self: Relais, candidate_id: UUID) -> Candidate | None:
        try:
            return self._get(candidate_id, Candidate)
        except NotFoundError:
            return None

    def _phone(self: Relais, candidate_id: UUID) -> str:
        """The number a message was attempted to, even if the person opted out since (to reconcile it)."""
        candidate = self._candidate(candidate_id)
        return candidate.profile.phone.value if candidate is not None and not candidate.erased else ""

    def _schedule(self: Relais):  # noqa: ANN202 - an OutreachSchedule
        if self.outreach_schedule is None:
            raise RuntimeError("no OutreachSchedule configured")
        return self.outreach_schedule


def _answer(mid: str, receipt: SmsReceipt, reconciled: bool, provenance: Provenance,
            now: datetime) -> Callable[[Outreach], None]:
    status = receipt.status if receipt.status in ("queued", "sent", "delivered", "undelivered", "failed") else "queued"
    return lambda o: o.record_provider_answer(mid, receipt.provider_message_id, status, reconciled, provenance, now)

