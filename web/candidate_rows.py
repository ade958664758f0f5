"""The rows of the advisor's job-seeker list, rendered without the template engine.

The list is the advisors' most viewed page and its 20 rows were half of its server time:
Jinja renders each row through nested generators, one `escape` and one `Markup` object per
value. Here each value goes through the same `markupsafe.escape` that Jinja's autoescape
uses, and the page's rows are one `str.join`. The output is byte for byte what the former
loop in `candidates/_results.html` gave (tests/web/test_candidate_rows.py renders both).

No rendered row is kept between requests: a name must not outlive its erasure in memory
(docs/adr/0006, 0019).
"""
from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from application.queries.candidates import CandidateListItem
from web.labels import french_date

#: Indentation and line breaks as the former template loop left them (`trim_blocks`,
#: `lstrip_blocks`); rows are joined by a line break and the template adds the last one.
_ROW = (
    "    <tr>\n"
    '      <th scope="row"><a href="/conseiller/demandeurs/{id}">{name}</a></th>\n'
    "      <td>{commune}</td>\n"
    "      <td>{skills}</td>\n"
    "      <td>{available}</td>\n"
    "      <td>{consent}</td>\n"
    "    </tr>"
)


def candidate_row(item: CandidateListItem) -> str:
    """One `<tr>` of the list; every value from the read model is escaped."""
    return _ROW.format(
        id=escape(item.id),
        name=escape(item.full_name),
        commune=escape(item.commune),
        skills=escape(item.skills_text),
        available=escape(french_date(item.available_from)),
        consent="Oui" if item.sms_consent else "Non",
    )


def candidate_rows(items: Iterable[CandidateListItem]) -> Markup:
    """The list's `<tr>` rows as one string safe for the template (`{{ rows }}`)."""
    return Markup("\n".join([candidate_row(item) for item in items]))
