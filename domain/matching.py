"""Matching vocabulary: what an advisor asks for, why a person fits, and which model said so."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from domain import commune_code
from domain.errors import InvalidValueError
from domain.values import CONTRACT_TYPES, bounded_int, required_text, rome_code, skills

REJECTION_REASONS = ("competence_manquante", "mobilite", "disponibilite", "deja_en_formation", "autre")
ACCEPTANCE_REASONS = ("profil_adapte", "demande_personne", "autre")
MANUAL_ADDITION_REASONS = ("connu_du_conseiller", "demande_personne", "profil_proche", "autre")
#: What a criterion check is about (see CriterionCheck).
CRITERION_KEYS = ("rome_code", "skill", "optional_skill", "distance", "availability", "contract_type", "hours", "salary")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MATCH_KIND = "match"


@dataclass(frozen=True)
class MatchCriteria:
    """What the advisor asks a shortlist for. Numbers at 0 and empty texts mean "not specified"."""

    rome_code: str
    commune: str
    available_by: date  # people available on or before this day
    required_skills: tuple[str, ...] = ()
    optional_skills: tuple[str, ...] = ()
    max_distance_km: int = 30
    contract_type: str = ""
    hours_per_week: int = 0
    salary_min: int = 0
    salary_max: int = 0
    limit: int = DEFAULT_LIMIT
    # Added in session 5 (docs/adr/0005): the INSEE code of `commune`, what the shortlist is centred on;
    # "unknown" when an older request's label designates no single commune (domain/commune_code.py).
    commune_code: str = ""

    def validated(self) -> MatchCriteria:
        """The same criteria, normalised, or InvalidValueError naming each bad field in French."""
        errors: dict[str, str] = {}
        checks = (
            lambda: rome_code(self.rome_code),
            lambda: required_text(self.commune, "commune", "La commune"),
            lambda: commune_code.commune_code(self.commune_code),
            lambda: skills(self.required_skills, "required_skills"),
            lambda: skills(self.optional_skills, "optional_skills"),
            lambda: bounded_int(self.max_distance_km, "max_distance_km", 0, 500, "La distance maximale va de 0 à 500 km."),
            lambda: bounded_int(
                self.hours_per_week, "hours_per_week", 0, 48, "La durée hebdomadaire va de 0 (non précisée) à 48 heures."
            ),
            lambda: bounded_int(self.salary_min, "salary_min", 0, 1_000_000, "Le salaire minimum doit être positif."),
            lambda: bounded_int(self.salary_max, "salary_max", 0, 1_000_000, "Le salaire maximum doit être positif."),
            lambda: bounded_int(self.limit, "limit", 1, MAX_LIMIT, f"Le nombre de suggestions va de 1 à {MAX_LIMIT}."),
        )
        for check in checks:
            try:
                check()
            except InvalidValueError as error:
                errors.update(error.errors)
        if self.contract_type and self.contract_type not in CONTRACT_TYPES:
            errors["contract_type"] = "Type de contrat inconnu."
        if self.salary_max and self.salary_max < self.salary_min:
            errors["salary_max"] = "Le salaire maximum doit être supérieur ou égal au minimum."
        if not isinstance(self.available_by, date):
            errors["available_by"] = "La date de disponibilité est obligatoire."
        if errors:
            raise InvalidValueError(errors)
        required = skills(self.required_skills)
        return replace(
            self,
            rome_code=rome_code(self.rome_code),
            commune=" ".join(self.commune.split()),
            required_skills=required,
            optional_skills=tuple(s for s in skills(self.optional_skills) if s not in required),
        )


@dataclass(frozen=True)
class CriterionCheck:
    """One reason a person fits or does not: `key` from CRITERION_KEYS, the person's `value`, the `limit` asked.

    E.g. ("skill", "nettoyage de locaux", ""), ("distance", "12", "20"), ("availability", "2026-12-01", "2026-12-15").
    """

    key: str
    value: str
    limit: str = ""

    def __post_init__(self) -> None:
        if self.key not in CRITERION_KEYS:
            raise ValueError(f"unknown criterion {self.key!r}")


@dataclass(frozen=True)
class AiOutput:
    """Provenance of a model output (DESIGN.md §2): replayed as recorded, never re-asked.

    `latency_ms` and the token counts are those of the whole call, which may have produced
    several suggestions. `fallback_reason` says why the offline model replaced another one.
    """

    kind: str
    model: str
    prompt_id: str
    prompt_version: str
    input_sha256: str
    output: str  # the structured output about this suggestion, as received and validated (JSON text)
    latency_ms: int
    tokens_in: int
    tokens_out: int
    fallback_reason: str = ""


@dataclass(frozen=True)
class Suggestion:
    """One suggested person, as a match request records it (one MatchSuggested event each)."""

    suggestion_id: UUID
    candidate_id: UUID
    rank: int
    score: float
    criteria_met: tuple[CriterionCheck, ...]
    criteria_missed: tuple[CriterionCheck, ...]
    rationale: str
    ai: AiOutput
    rationale_ai: AiOutput | None = None  # the call that wrote the rationale, when another one did


def check_ranking(suggestions: tuple[Suggestion, ...] | list[Suggestion], limit: int) -> None:
    """Ranks 1..n, each person and suggestion once, at most `limit` (a broken ranking is a bug, not input)."""
    if len(suggestions) > limit:
        raise ValueError(f"{len(suggestions)} suggestions for a limit of {limit}")
    if [s.rank for s in suggestions] != list(range(1, len(suggestions) + 1)):
        raise ValueError("suggestion ranks must run from 1, best first")
    if len({s.candidate_id for s in suggestions}) != len(suggestions):
        raise ValueError("a person is suggested twice")
    if len({s.suggestion_id for s in suggestions}) != len(suggestions):
        raise ValueError("a suggestion id is used twice")
