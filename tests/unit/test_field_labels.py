"""An auditor reads every field of a record or an event under a French name, with its stored path."""
from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

from eventsourcing.domain import DomainEvent

import domain
from application.audit.timeline import SHOWN_APART
from web.field_labels import FIELD_WORDS, field_label, field_value

#: The library's own fields, shown apart (version, time) or not at all.
LIBRARY_FIELDS = {"originator_id", "originator_version", "originator_topic", "timestamp"}


def domain_field_names() -> set[str]:
    """The fields of every domain event and value (dataclasses), and every attribute an aggregate sets."""
    names: set[str] = set()
    for module_info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{module_info.name}")
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            classes = [cls, *(sub for sub in vars(cls).values() if inspect.isclass(sub) and issubclass(sub, DomainEvent))]
            names.update(f.name for c in classes if dataclasses.is_dataclass(c) for f in dataclasses.fields(c))
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        for class_def in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            if issubclass(getattr(module, class_def.name), Exception):  # an error's fields are not recorded
                continue
            for node in ast.walk(class_def):
                if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                        and isinstance(node.value, ast.Name) and node.value.id == "self"):
                    names.add(node.attr.lstrip("_"))
    return names


def test_every_field_the_domain_records_has_a_french_name() -> None:
    shown = domain_field_names() - LIBRARY_FIELDS - set(SHOWN_APART) | {"reason", "reason_text"}
    assert sorted(shown - FIELD_WORDS.keys()) == []


def test_a_path_reads_word_by_word() -> None:
    assert field_label("profile.first_name") == "Profil › Prénom"
    assert field_label("terms.title") == "Conditions de l'offre › Intitulé"
    assert field_label("agency_id") == "Agence"


def test_ids_and_positions_in_a_path_are_kept_short() -> None:
    path = "shortlist.suggestions.2b4f1c3e-0000-4000-8000-000000000001.decision"
    assert field_label(path) == "Liste restreinte › Suggestions › 2b4f1c3e… › Décision"
    assert field_label("entries.2.outcome") == "Fiches concernées › n° 2 › Issue"


def test_a_field_without_a_french_word_has_no_name_and_shows_its_path_alone() -> None:
    assert field_label("profile.shoe_size") is None


def test_a_code_reads_in_french_beside_the_code_the_export_holds() -> None:
    decision = "shortlist.suggestions.2b4f1c3e-0000-4000-8000-000000000001.decision"
    assert field_value(decision, "rejected") == "Rejetée (rejected)"
    assert field_value(decision, "") == "À décider"
    assert field_value("profile.contract_types", "CDI, interim") == "CDI, Intérim (CDI, interim)"
    assert field_value("role", "advisor") == "conseiller (advisor)"


def test_a_status_reads_as_what_carries_it_a_conversation_or_a_message() -> None:
    conversation = "conversations.2b4f1c3e-0000-4000-8000-000000000001.status"
    assert field_value(conversation, "awaiting_reply") == "En attente de réponse (awaiting_reply)"
    assert field_value("status", "delivered", "Outreach.DeliveryStatusChanged") == "remis (delivered)"
    assert field_value("status", "declined", "Outreach.ConversationMoved") == "Pas intéressé·e (declined)"
    assert field_value("entries.2.outcome", "erased") == "erased"  # a retention entry's: not a conversation's


def test_free_text_and_unknown_codes_are_shown_as_they_are() -> None:
    assert field_value("terms.title", "Agent de propreté") == "Agent de propreté"
    assert field_value("profile.contract_types", "CDI, temps partagé") == "CDI, temps partagé"
    assert field_value("status", "delivered") == "delivered"  # no event, no collection: which status is unknown


def test_keys_of_a_collection_read_as_keys_not_as_field_names() -> None:
    message = "messages.rl-14aaf0c2d9e84b7f9a3c5e6d7f801234.status"
    assert field_label(message) == "Messages › rl-14aaf… › État"
    answer = "conversations.2b4f1c3e-0000-4000-8000-000000000001.answers.availability"
    assert field_label(answer) == "Conversations › 2b4f1c3e… › Réponses › Disponibilité"
    assert field_label("exclusions.distance") == "Personnes écartées, par motif › trop loin (distance ou rayon de mobilité)"
    assert field_label("eligible_composition.sex.F") == (
        "Composition des personnes éligibles › Sexe (lorsqu'il est renseigné) › Femmes")
