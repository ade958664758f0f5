"""The Mistral ranker's rationale prompt: what is asked, the JSON schema imposed, the strict check of the answer.

The model sees the offer's terms and, per suggested person, an alias ("p1", "p2"...) with the
criteria met and missed, in the French phrases the advisor reads (application/criteria_text.py).
No candidate id, name, phone, note, address or commune is sent. The schema is imposed through the
API's `json_schema` response format, and the answer is checked again here, because a schema
"guaranteed" by a server is still input: exact keys, the aliases sent (each once), bounded plain text.
"""
from __future__ import annotations

import json
import unicodedata
from typing import Any

from application.criteria_text import describe
from application.ranking import Assessment, RankingQuery
from infrastructure.mistral_client import json_answer

PROMPT_ID = "match-rationale"
PROMPT_VERSION = "2"  # 2: the criteria phrases say whose value and limit each is (criteria_text.describe)
SCHEMA_NAME = "justifications"
MAX_CHARS = 300  # the prompt asks for 200: some slack, then refusal
TOKENS_PER_RATIONALE = 120
#: Unicode categories refused in a rationale: controls, format characters (bidi overrides, zero
#: widths), surrogates, private use, unassigned, and line/paragraph separators.
REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")

SYSTEM = (
    "Tu assistes un conseiller d'un service public de l'emploi. Pour chaque personne proposée pour une offre, "
    "écris en français une justification courte (une phrase, 200 caractères au plus) qui dit pourquoi elle est "
    "proposée et ce qui lui manque. Appuie-toi uniquement sur les critères remplis et manqués fournis : "
    "n'invente aucun fait, ne suppose rien sur la personne (âge, sexe, origine, santé, situation familiale), "
    "ne prends aucune décision à la place du conseiller. Réponds uniquement par l'objet JSON demandé, "
    "avec une justification pour chaque identifiant reçu, et rien d'autre."
)


class RationaleError(ValueError):
    """The model's answer is not the JSON object asked for."""


def aliases(count: int) -> list[str]:
    return [f"p{n}" for n in range(1, count + 1)]


def schema(ids: list[str]) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {"id": {"type": "string", "enum": ids}, "texte": {"type": "string", "maxLength": MAX_CHARS}},
        "required": ["id", "texte"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {SCHEMA_NAME: {"type": "array", "items": item, "minItems": len(ids), "maxItems": len(ids)}},
        "required": [SCHEMA_NAME],
        "additionalProperties": False,
    }


def messages(query: RankingQuery, people: list[tuple[str, Assessment]]) -> list[dict[str, str]]:
    """The chat messages for `people` given as (alias, assessment), best first."""
    facts = {
        "offre": {
            "intitule": query.title,
            "code_rome": query.rome_code,
            "competences_requises": list(query.required_skills),
            "competences_appreciees": list(query.optional_skills),
        },
        "personnes": [
            {
                "id": alias,
                "criteres_remplis": [describe(c, True) for c in assessment.met],
                "criteres_manques": [describe(c, False) for c in assessment.missed],
            }
            for alias, assessment in people
        ],
    }
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": json.dumps(facts, ensure_ascii=False)},
    ]


def max_tokens(count: int) -> int:
    return TOKENS_PER_RATIONALE * count + 60


def _plain(text: Any, alias: str) -> str:
    if not isinstance(text, str):
        raise RationaleError(f"{alias}: the text is not a string")
    text = text.strip()
    if not text or len(text) > MAX_CHARS:
        raise RationaleError(f"{alias}: the text is empty or longer than {MAX_CHARS} characters")
    if any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in text):
        raise RationaleError(f"{alias}: the text holds control or invisible characters")
    return text


def parse(content: str | None, finish_reason: str, ids: list[str]) -> dict[str, str]:
    """alias -> rationale, exactly one per alias sent; RationaleError otherwise."""
    answer = json_answer(content, finish_reason, RationaleError)
    if not isinstance(answer, dict) or set(answer) != {SCHEMA_NAME} or not isinstance(answer[SCHEMA_NAME], list):
        raise RationaleError(f"the answer is not an object with only {SCHEMA_NAME!r}")
    found: dict[str, str] = {}
    for item in answer[SCHEMA_NAME]:
        if not isinstance(item, dict) or set(item) != {"id", "texte"}:
            raise RationaleError("an item does not have exactly the keys id and texte")
        alias = item["id"]
        if not isinstance(alias, str) or alias not in ids or alias in found:
            raise RationaleError("an item names an id that was not sent, or names it twice")
        found[alias] = _plain(item["texte"], alias)
    if len(found) != len(ids):
        raise RationaleError(f"{len(found)} rationales for {len(ids)} people")
    return found


def recorded(alias: str, text: str) -> str:
    """What the rationale call returned about one person, as recorded in the suggestion (JSON text)."""
    return json.dumps({"id": alias, "texte": text}, ensure_ascii=False, sort_keys=True)
