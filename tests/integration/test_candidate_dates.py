"""Dates a person's record holds are judged against the day they are typed, not again at every later edit
(review 8, finding 7): an availability recorded years ago must not block a change of phone number."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from application.errors import InvalidValueError
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, details, mobile


def test_an_old_availability_does_not_block_other_edits_but_a_new_one_is_still_judged(services: Services, clock: Any) -> None:
    today = clock.now().date()
    kept = details(phone=mobile(1), available_from=today)
    person = services.app.register_candidate(kept, True, advisor())
    clock.advance(days=365 * 11)  # the date is now over ten years back

    version = services.app.change_candidate_profile(person, 1, replace(kept, phone=mobile(2)), advisor())
    assert version == 2  # the phone changed, the old date stayed: accepted
    with pytest.raises(InvalidValueError) as refused:
        services.app.change_candidate_profile(person, 2, replace(kept, phone=mobile(2), available_from=date(2001, 1, 1)),
                                              advisor())
    assert "available_from" in refused.value.errors
