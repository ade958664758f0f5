"""Every field the domain records has been judged secret or not (docs/adr/0014, amendment
"secrets are not exported"): the rule in application/secret_fields.py works by the field's name,
so a new field whose name escapes it (an `auth_tokens`, an `api_key`) must be looked at by a
person before it reaches an export or an auditor's page. Adding a field fails this test until it is
classified here or caught by the rule."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import domain
from application.secret_fields import is_secret

#: Judged not secret (session 5). `key` is a matching criterion's name (domain.matching.CriterionCheck),
#: `key_id` a public signing key's id, `deleted_keys` a count of erasures. People's names and numbers are
#: personal data, not secrets: sealed under each person's key and shown to those entitled (docs/adr/0006).
NOT_SECRET = frozenset({
    'actor_id', 'actor_role', 'advisor_id', 'agency_id', 'aggregate_id', 'ai', 'answer', 'answers', 'as_of',
    'attempted_at', 'attempts', 'available_by', 'available_from', 'birth_date', 'body', 'candidate_id',
    'channel', 'code', 'commune', 'commune_code', 'confidence', 'contract_type', 'contract_types',
    'correlation_id', 'count', 'criteria_met', 'criteria_missed', 'cutoff', 'decision', 'delay_hours',
    'deleted_keys', 'description', 'detail', 'due_at', 'duration_minutes', 'entries', 'erased', 'error_code',
    'examined', 'export_id', 'fallback_reason', 'first_name', 'first_sequence', 'handoff', 'head',
    'hours_per_week', 'input_sha256', 'intent', 'key', 'key_id', 'kind', 'last_activity_at',
    'last_activity_kind', 'last_name', 'last_sequence', 'latency_ms', 'limit', 'log_integrity', 'low_confidence',
    'max_distance_km', 'max_hours_per_week', 'max_reminders', 'message_id', 'method', 'mobility_km', 'model',
    'months', 'needs', 'next_step', 'note', 'notes', 'offer_id', 'offer_title', 'optional_skills', 'outcome',
    'output', 'path', 'pending_due', 'pending_step', 'phone', 'priority_area', 'prompt_id', 'prompt_version',
    'provenance', 'provider_message_id', 'query', 'questionnaire_reminders', 'rank', 'rationale',
    'rationale_ai', 'readings', 'reason', 'reason_text', 'recipients', 'reconciled', 'records_answer',
    'request_id', 'required_skills', 'requirement', 'retryable', 'role', 'rome_code', 'rome_codes',
    'salary_max', 'salary_min', 'salary_min_expected', 'score', 'sex', 'since', 'skills', 'starts_at',
    'started_by', 'status', 'step', 'subject_id', 'suggestion_count', 'suggestion_id', 'text', 'timestamp', 'title',
    'tokens_in', 'tokens_out', 'until', 'username', 'value',
})


def recorded_field_names() -> set[str]:
    """The annotated fields of every class the domain defines, nested classes (events) included."""
    names: set[str] = set()
    for module_info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{module_info.name}")
        todo = [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
        while todo:
            cls = todo.pop()
            names.update(n for n in vars(cls).get("__annotations__", {}) if not n.startswith("_"))
            todo.extend(v for v in vars(cls).values() if inspect.isclass(v) and v.__module__ == module.__name__)
    return names


def test_every_recorded_field_is_judged_secret_or_not() -> None:
    unjudged = sorted(n for n in recorded_field_names() if not is_secret(n) and n not in NOT_SECRET)
    assert not unjudged, (
        f"fields not yet judged: {unjudged}. If one holds a secret, make application/secret_fields.py "
        "catch it (and test it); if not, add it to NOT_SECRET."
    )


def test_the_staff_password_hash_is_judged_secret_and_nothing_judged_safe_is_masked() -> None:
    assert "password_hash" in recorded_field_names() and is_secret("password_hash")
    assert not any(is_secret(name) for name in NOT_SECRET)
