"""A registration and a number change racing for one number on PostgreSQL end in the duplicate-number
refusal (a 409), never in a deadlock (a 500). A change (or an import) claims its number before its event
insert takes the events table's lock; a registration's claim, held back (`claim_new`), must also go
before that lock, so that it waits on the other's claim holding nothing (docs/adr/0020, session 6)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.errors import DuplicateError
from infrastructure.bootstrap import Services, bootstrap
from tests.conftest import AdvanceableClock, settings_for
from tests.integration.helpers import advisor, count, details, domain_events, max_id, mobile

DUPLICATE = {"phone": "Une personne inscrite dans l'agence a déjà ce numéro."}


def _in_thread(call: Callable[[], Any], outcome: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            outcome.append(call())
        except Exception as error:  # noqa: BLE001 - the test looks at which error it was
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _waiting_on_a_lock(services: Services) -> int:
    return count(services, "SELECT COUNT(*) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND wait_event_type = 'Lock'")


HEADER = "reference;prenom;nom;telephone;commune;codes_rome;competences;disponible_le;rayon_km;consentement_sms;notes"


def _change(services: Services, person: UUID, phone: str) -> tuple[Callable[[], Any], Any, int]:
    """A's number changed to `phone`: what to run, what it answers, how many people it adds."""
    version = services.app.repository.get(person).version
    return (lambda: services.app.change_candidate_profile(person, version, details(phone=phone), caller=advisor()),
            version + 1, 0)


def _import(services: Services, person: UUID, phone: str) -> tuple[Callable[[], Any], Any, int]:
    row = f"R1;Prénom;Nom;{phone};Villeurbanne;K2204;nettoyage;01/12/2026;15;oui;"
    return (lambda: [r.reference for r in services.app.import_candidates(
        f"{HEADER}\n{row}\n".encode(), advisor()).imported], ["R1"], 1)


@pytest.mark.postgres
@pytest.mark.parametrize("claiming_first", [_change, _import], ids=["number change", "csv import"])
def test_a_registration_racing_another_claim_of_its_number_is_refused_as_a_duplicate(
    claiming_first: Callable[[Services, UUID, str], tuple[Callable[[], Any], Any, int]],
    postgres_url: str, tmp_path: Path, clock: AdvanceableClock, fast_passwords: Any
) -> None:
    one, other = (bootstrap(settings_for(tmp_path, postgres_url), clock=clock, passwords=fast_passwords)
                  for _ in range(2))
    try:
        wanted = mobile(7)
        person = one.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
        first, answer, added = claiming_first(one, person, wanted)
        keys, head = count(one, "SELECT COUNT(*) FROM personal_keys"), max_id(one)

        # The first command holds its transaction open once its claim of the number is written.
        claimed, release = threading.Event(), threading.Event()
        claim = one.app.phone_claims.claim

        def claim_then_hold(*args: Any, **kwargs: Any) -> Any:
            refused = claim(*args, **kwargs)
            claimed.set()
            release.wait(60)
            return refused

        one.app.phone_claims.claim = claim_then_hold  # type: ignore[method-assign]
        answered: list[Any] = []
        holder = _in_thread(first, answered)
        try:
            assert claimed.wait(60), "the first command never claimed its number"
            registered: list[Any] = []
            registration = _in_thread(lambda: other.app.register_candidate(
                details(phone=wanted, last_name="Autre"), sms_consent=True, caller=advisor()), registered)
            for _ in range(600):  # bounded: 30 s at most
                if _waiting_on_a_lock(one) or not registration.is_alive():
                    break
                time.sleep(0.05)
        finally:
            release.set()  # the first command goes on: its event insert takes the events table's lock
        holder.join(120)
        registration.join(120)

        assert not holder.is_alive() and not registration.is_alive()
        assert answered == [answer]
        assert len(registered) == 1 and isinstance(registered[0], DuplicateError), registered
        assert registered[0].errors == DUPLICATE
        # The refused registration wrote nothing: no key, no event, no claim, no row.
        assert count(one, "SELECT COUNT(*) FROM personal_keys") == keys + added
        assert len({event.originator_id for event in domain_events(one, head)}) == 1  # the first's person
        assert count(one, "SELECT COUNT(*) FROM phone_claims") == 1 + added
        assert count(one, "SELECT COUNT(*) FROM rm_candidates") == 1 + added
        assert count(one, "SELECT COUNT(*) FROM rm_candidates WHERE phone = '+33610000007'") == 1
    finally:
        one.close()
        other.close()
