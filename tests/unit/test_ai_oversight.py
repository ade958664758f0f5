"""The administrators' stop over the AI: recorded, reasoned, and obeyed by matching."""
from __future__ import annotations

import pytest

from application.caller import Caller
from application.errors import AccessDeniedError, AiAlreadyInStateError, AiSwitchedOffError, InvalidReasonError
from application.values import Reason
from domain.ai_oversight import AI_OVERSIGHT_ID, AiOversight
from tests.unit.fakes import in_memory_relais

ADMIN = Caller("admin-1", "admin", "", "req-1")
ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-2")


@pytest.fixture
def app(clock):
    return in_memory_relais(clock)


def test_switching_the_ai_off_is_an_administrators_recorded_decision_with_a_reason(app):
    with pytest.raises(AccessDeniedError):
        app.switch_ai(False, Reason("incident"), ADVISOR)
    with pytest.raises(InvalidReasonError):
        app.switch_ai(False, Reason("envie"), ADMIN)
    app.switch_ai(False, Reason("incident", "scores aberrants signalés"), ADMIN)
    events = list(app.repository.event_store.get(AI_OVERSIGHT_ID))
    switched = events[-1]
    assert isinstance(switched, AiOversight.SwitchedOff)
    assert (switched.provenance.actor_id, switched.reason.code) == ("admin-1", "incident")
    assert switched.reason.text == "" and switched.reason_text.value == "scores aberrants signalés"


def test_the_switch_refuses_a_no_op(app):
    with pytest.raises(AiAlreadyInStateError):
        app.switch_ai(True, Reason("maintenance"), ADMIN)
    app.switch_ai(False, Reason("maintenance"), ADMIN)
    with pytest.raises(AiAlreadyInStateError):
        app.switch_ai(False, Reason("maintenance"), ADMIN)


def test_while_the_ai_is_off_no_suggestion_may_be_asked_for_and_it_comes_back_when_switched_on(app):
    app.require_ai_enabled()  # never switched: on
    app.switch_ai(False, Reason("audit"), ADMIN)
    with pytest.raises(AiSwitchedOffError):
        app.require_ai_enabled()
    app.switch_ai(True, Reason("audit"), ADMIN)
    app.require_ai_enabled()
