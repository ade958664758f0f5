"""The two import formats: their columns, and how a row becomes a job seeker's details or an offer's terms.

Column names are French (the agencies' spreadsheets are); README.md documents them.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from application.candidates import CandidateDetails
from application.csv_table import (
    CellError,
    Column,
    Problem,
    Record,
    parse_bool,
    parse_date,
    parse_int,
    plain,
    split_codes,
    split_list,
)
from domain.offer import OfferTerms
from domain.values import CONTRACT_TYPES

REFERENCE = "reference"
MAX_REFERENCE_LENGTH = 64
DEFAULT_MOBILITY_KM = 20  # as the registration form proposes
# A French social security number (NIR), with or without its key: never an import reference.
NIR_LIKE = re.compile(r"[1-478][0-9]{2}(?:[0-9]{2}|2A|2B)[0-9]{8}(?:[0-9]{2})?", re.IGNORECASE)
CONTRACT_CODES = {plain(code): code for code in CONTRACT_TYPES}

CANDIDATE_COLUMNS = (
    Column(REFERENCE, required=True),
    Column("prenom", required=True),
    Column("nom", required=True),
    Column("telephone", required=True),
    Column("commune", required=True),
    Column("codes_rome", required=True),
    Column("competences"),
    Column("disponible_le", required=True),
    Column("rayon_km"),
    Column("consentement_sms"),
    Column("notes"),
    # Read when the job seeker profile has these fields (the matching criteria).
    Column("types_contrat"),
    Column("heures_max_semaine"),
    Column("salaire_min_souhaite"),
    # Optional, for the oversight figures (docs/adr/0016): empty cells mean not recorded.
    Column("date_naissance"),
    Column("sexe"),
    Column("qpv"),
)
OFFER_COLUMNS = (
    Column(REFERENCE, required=True),
    Column("intitule", required=True),
    Column("code_rome", required=True),
    Column("competences"),
    Column("commune", required=True),
    Column("type_contrat", required=True),
    Column("heures_semaine", required=True),
    Column("salaire_min", required=True),
    Column("salaire_max", required=True),
    Column("description"),
)
#: Field names of the use cases' errors -> the column that holds the value.
CANDIDATE_FIELD_COLUMNS = {
    "first_name": "prenom",
    "last_name": "nom",
    "phone": "telephone",
    "commune": "commune",
    "rome_codes": "codes_rome",
    "skills": "competences",
    "available_from": "disponible_le",
    "mobility_km": "rayon_km",
    "notes": "notes",
    "contract_types": "types_contrat",
    "max_hours_per_week": "heures_max_semaine",
    "salary_min_expected": "salaire_min_souhaite",
    "birth_date": "date_naissance",
    "sex": "sexe",
    "priority_area": "qpv",
}
OFFER_FIELD_COLUMNS = {
    "title": "intitule",
    "rome_code": "code_rome",
    "skills": "competences",
    "commune": "commune",
    "contract_type": "type_contrat",
    "hours_per_week": "heures_semaine",
    "salary_min": "salaire_min",
    "salary_max": "salaire_max",
    "description": "description",
}
REQUIRED_VALUE = "Valeur obligatoire."


@dataclass(frozen=True)
class CandidateRow:
    line: int
    reference: str
    details: CandidateDetails
    sms_consent: bool


@dataclass(frozen=True)
class OfferRow:
    line: int
    reference: str
    terms: OfferTerms


class _Cells:
    """Reads the cells of one record, collecting a problem per bad cell instead of stopping."""

    def __init__(self, record: Record, columns: tuple[Column, ...]) -> None:
        self.record = record
        self.required = {c.name for c in columns if c.required}
        self.problems: list[Problem] = []

    def text(self, column: str) -> str:
        value = self.record.get(column)
        if not value and column in self.required:
            self.problems.append(Problem(self.record.line, column, REQUIRED_VALUE))
        return value

    def read(self, column: str, parse: Callable[[str], Any], default: Any) -> Any:
        value = self.text(column)
        if not value:
            return default
        try:
            return parse(value)
        except CellError as error:
            self.problems.append(Problem(self.record.line, column, str(error)))
            return default


def reference(text: str) -> str:
    value = " ".join(text.split())
    if len(value) > MAX_REFERENCE_LENGTH:
        raise CellError(f"La référence fait au plus {MAX_REFERENCE_LENGTH} caractères.")
    if any(not c.isprintable() for c in value):
        raise CellError("La référence contient des caractères de contrôle.")
    if NIR_LIKE.fullmatch(value.replace(" ", "").replace(".", "")):
        raise CellError("La référence ressemble à un numéro de sécurité sociale : utilisez le numéro de dossier de l'agence.")
    return value


def contract_code(text: str) -> str:
    code = CONTRACT_CODES.get(plain(text))
    if code is None:
        raise CellError("Type de contrat inconnu (" + ", ".join(CONTRACT_TYPES) + ").")
    return code


def contract_codes(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(contract_code(item) for item in split_list(text)))


SEX_WORDS = {"f": "F", "femme": "F", "m": "M", "homme": "M"}


def sex_code(text: str) -> str:
    code = SEX_WORDS.get(plain(text))
    if code is None:
        raise CellError("Sexe : F, M (ou femme, homme), ou vide si non renseigné.")
    return code


def priority_area_code(text: str) -> str:
    return "yes" if parse_bool(text) else "no"


def candidate_row(record: Record) -> tuple[CandidateRow, list[Problem]]:
    """The row, and the problems of its cells (placeholders stand in for the bad ones)."""
    cells = _Cells(record, CANDIDATE_COLUMNS)
    ref = cells.read(REFERENCE, reference, "")
    values: dict[str, Any] = {
        "first_name": cells.text("prenom"),
        "last_name": cells.text("nom"),
        "phone": cells.text("telephone"),
        "commune": cells.text("commune"),
        "rome_codes": cells.read("codes_rome", split_codes, ()),
        "skills": split_list(cells.text("competences")),
        "available_from": cells.read("disponible_le", parse_date, date.min),
        "mobility_km": cells.read("rayon_km", parse_int, DEFAULT_MOBILITY_KM),
        "notes": cells.text("notes"),
    }
    consent = cells.read("consentement_sms", parse_bool, False)
    optional = {
        "contract_types": ("types_contrat", contract_codes),
        "max_hours_per_week": ("heures_max_semaine", parse_int),
        "salary_min_expected": ("salaire_min_souhaite", parse_int),
        "birth_date": ("date_naissance", str.strip),  # its formats are checked by the use case
        "sex": ("sexe", sex_code),
        "priority_area": ("qpv", priority_area_code),
    }
    defaults = {f.name: f.default for f in fields(CandidateDetails)}
    for field_name, (column, parse) in optional.items():
        if field_name in defaults and record.get(column):  # else the profile's default: no constraint
            values[field_name] = cells.read(column, parse, defaults[field_name])
    # Phone, commune, codes and lengths are checked by the use case (`to_profile`), as for the form.
    return CandidateRow(record.line, ref, CandidateDetails(**values), consent), cells.problems


def offer_row(record: Record) -> tuple[OfferRow, list[Problem]]:
    cells = _Cells(record, OFFER_COLUMNS)
    ref = cells.read(REFERENCE, reference, "")
    terms = OfferTerms(
        title=cells.text("intitule"),
        rome_code=cells.text("code_rome"),
        skills=split_list(cells.text("competences")),
        commune=cells.text("commune"),
        contract_type=cells.read("type_contrat", contract_code, ""),
        hours_per_week=cells.read("heures_semaine", parse_int, 0),
        salary_min=cells.read("salaire_min", parse_int, 0),
        salary_max=cells.read("salaire_max", parse_int, 0),
        description=cells.text("description"),
    )
    return OfferRow(record.line, ref, terms), cells.problems


def merge_problems(line: int, found: list[Problem], errors: dict[str, str], columns: dict[str, str]) -> list[Problem]:
    """The cells' problems, then the use case's errors by field for the columns not yet reported."""
    reported = {p.column for p in found}
    more = [Problem(line, columns.get(name, ""), message) for name, message in errors.items()]
    return found + [p for p in more if p.column not in reported]
