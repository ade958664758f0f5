"""How the domain's value objects are written into stored events.

Stored topics and names are part of the log format: never rename them.
"""
from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

from eventsourcing.persistence import Transcoding

from domain.candidate import CandidateProfile
from domain.matching import AiOutput, CriterionCheck, MatchCriteria
from domain.offer import OfferTerms
from domain.provenance import Provenance, Reason
from domain.retention_run import RetentionEntry


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


MAX_SHARED_VALUES = 4_096
_new = object.__new__
_set = object.__setattr__


class _DataclassAsDict(Transcoding):
    """A frozen dataclass written as a dict of its fields (tuples come back as tuples)."""

    #: Values that recur from event to event (who acted, in which request; a criterion checked)
    #: are made once and shared: they are frozen, and each one made costs more than the look-up.
    #: Only for text fields (the key is the field values; 1 and True would be one key) holding
    #: nothing about a person: what is cached stays in memory.
    shared = False

    def encode(self, obj: Any) -> dict[str, Any]:
        # Shallow on purpose: nested value objects keep their own transcoding. In field order (the stored
        # bytes follow it); the names are read once, dataclasses.fields() was a tenth of an encoding.
        names = self.__dict__.get("_field_order")
        if names is None:
            names = self.__dict__["_field_order"] = tuple(f.name for f in fields(self.type))
        return {name: getattr(obj, name) for name in names}

    def shared_values(self) -> dict[Any, Any] | None:
        """The table of the values made so far, keyed by their fields as parsed (shared types only). The
        transcoder looks a value up in it before walking its fields: a recurring value costs one look-up,
        and a hit means the fields were hashable scalars that an earlier decode accepted."""
        if not self.shared:
            return None
        return self.__dict__.setdefault("_values", {})

    def decode(self, data: dict[str, Any]) -> Any:
        if not self.shared:
            return self._make(data)
        values = self.__dict__.setdefault("_values", {})
        try:
            key = tuple(data.items())
            return values[key]
        except KeyError:
            pass
        except TypeError:  # a list among the fields: not a key, and rare
            return self._make(data)
        if len(values) >= MAX_SHARED_VALUES:
            values.clear()
        value = values[key] = self._make(data)
        return value

    def _make(self, data: dict[str, Any]) -> Any:
        known = self._known_names()
        if known.issuperset(data):  # the usual case: no field was removed since the event was written
            for name, value in data.items():  # in place: the dict was just parsed, and a copy cost a tenth of a replay
                if value.__class__ is list:
                    data[name] = tuple(value)
            if len(data) == len(known) and self._plain():
                # Every field given, in field order (encode writes them so), and nothing for __init__ to check or
                # compute: the frozen __init__'s one object.__setattr__ per field was a tenth of a replay.
                made = _new(self.type)
                _set(made, "__dict__", data)
                return made
            return self.type(**data)
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return self.type(**values)

    def _plain(self) -> bool:
        """A dataclass whose __init__ only stores its fields: no __post_init__, no slots, no init-only field."""
        plain = self.__dict__.get("_is_plain")
        if plain is None:
            kind = self.type
            plain = self.__dict__["_is_plain"] = (
                not hasattr(kind, "__post_init__") and "__slots__" not in vars(kind)
                and all(f.init for f in fields(kind))
                and len(kind.__dataclass_fields__) == len(fields(kind))  # no InitVar or ClassVar pseudo-field
            )
        return plain

    def _known_names(self) -> frozenset[str]:
        # Read once per transcoding: dataclasses.fields() was a tenth of a 1,000-event replay.
        names = self.__dict__.get("_names")
        if names is None:
            names = self.__dict__["_names"] = frozenset(f.name for f in fields(self.type))
        return names


class ProvenanceAsDict(_DataclassAsDict):
    shared = True
    type = Provenance
    name = "provenance"


class ReasonAsDict(_DataclassAsDict):  # not shared: its free text may be about a person
    type = Reason
    name = "reason"


class CandidateProfileAsDict(_DataclassAsDict):
    type = CandidateProfile
    name = "candidate_profile"


class OfferTermsAsDict(_DataclassAsDict):
    type = OfferTerms
    name = "offer_terms"


class MatchCriteriaAsDict(_DataclassAsDict):
    type = MatchCriteria
    name = "match_criteria"


class CriterionCheckAsDict(_DataclassAsDict):
    shared = True
    type = CriterionCheck
    name = "criterion_check"


class AiOutputAsDict(_DataclassAsDict):
    type = AiOutput
    name = "ai_output"


class RetentionEntryAsDict(_DataclassAsDict):
    type = RetentionEntry
    name = "retention_entry"


VALUE_TRANSCODINGS: tuple[Transcoding, ...] = (
    DateAsISO(),
    ProvenanceAsDict(),
    ReasonAsDict(),
    CandidateProfileAsDict(),
    OfferTermsAsDict(),
    MatchCriteriaAsDict(),
    CriterionCheckAsDict(),
    AiOutputAsDict(),
    RetentionEntryAsDict(),
)