"""The list's rows rendered outside Jinja give the very bytes the former template loop gave.

`FORMER_RESULTS` is `candidates/_results.html` as it was before web/candidate_rows.py (its
loop over `results.items`), rendered by the app's own Jinja environment; the current
fragment is rendered with `rows` from the row renderer. Same data, same bytes.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from application.queries.candidates import CandidateListItem
from application.queries.paging import Page
from domain.personal_data import ERASED_PLACEHOLDER
from tests.web.conftest import HTMX, candidate_form, created_id, post
from web.app import template_environment
from web.candidate_rows import candidate_row, candidate_rows, escape_text

FORMER_RESULTS = """{% from "_macros.html" import pagination %}
<p role="status" class="result-count">
  {% if results.total == 0 %}Aucun demandeur{% if q %} ne correspond à « {{ q }} »{% endif %}.
  {% elif results.total == 1 %}1 demandeur{% if q %} pour « {{ q }} »{% endif %}.
  {% else %}{{ results.total }} demandeurs{% if q %} pour « {{ q }} »{% endif %}.{% endif %}
</p>
{% if results.items %}
<div class="overflow-auto">
<table class="striped">
  <thead>
    <tr><th scope="col">Nom</th><th scope="col">Commune</th><th scope="col">Compétences</th><th scope="col">Disponible le</th><th scope="col">SMS</th></tr>
  </thead>
  <tbody>
    {% for c in results.items %}
    <tr>
      <th scope="row"><a href="/conseiller/demandeurs/{{ c.id }}">{{ c.full_name }}</a></th>
      <td>{{ c.commune }}</td>
      <td>{{ c.skills_text }}</td>
      <td>{{ c.available_from|french_date }}</td>
      <td>{% if c.sms_consent %}Oui{% else %}Non{% endif %}</td>
    </tr>
    {% endfor %}
  </tbody>
</table>
</div>
{% endif %}
{{ pagination(results, "/conseiller/demandeurs", q, "#resultats") }}
"""

ENVIRONMENT = template_environment()
FORMER = ENVIRONMENT.from_string(FORMER_RESULTS)
CURRENT = ENVIRONMENT.get_template("candidates/_results.html")


def item(
    first_name: str = "Zoé",
    last_name: str = "Martin",
    commune: str = "Lyon",
    skills: tuple[str, ...] = ("soudure", "cuisine"),
    available_from: str = "2026-12-01",
    sms_consent: bool = True,
    id: str = "3f1c2a9e-0000-4000-8000-000000000001",
) -> CandidateListItem:
    return CandidateListItem(
        id, first_name, last_name, commune, list(skills), available_from, sms_consent,
        f"{last_name} {first_name}", ", ".join(skills),
    )


TRICKY = [
    item(first_name="<b>Zoé</b>", last_name="O'Brien & \"fils\""),
    item(first_name=ERASED_PLACEHOLDER, last_name=ERASED_PLACEHOLDER, sms_consent=False),
    item(first_name="", last_name="", commune="", skills=(), available_from=""),
    item(commune="Saint-Denis (93) <script>alert(1)</script>", skills=("C++ & C#", "'quote'", "a|b")),
    item(available_from="bientôt <demain> & \"après\""),
    item(available_from="2026-11-30T23:30:00+00:00", id="<id&\"'>"),
    item(first_name="{{ 7*7 }}", last_name="{% raw %}", commune="{id}", skills=("{name}",)),
]


def both(items: list[CandidateListItem], total: int | None = None, number: int = 1, q: str = "") -> tuple[str, str]:
    page = Page(items, len(items) if total is None else total, number, 20)
    former = FORMER.render(results=page, q=q)
    current = CURRENT.render(results=page, q=q, rows=candidate_rows(items))
    return former, current


def test_rows_with_markup_quotes_erased_and_empty_values_render_the_same_bytes() -> None:
    former, current = both(TRICKY)
    assert current == former
    assert "&lt;b&gt;Zoé&lt;/b&gt;" in current and "O&#39;Brien &amp; &#34;fils&#34;" in current
    assert "<script>" not in current and "{{ 7*7 }}" in current


def test_a_full_page_of_rows_with_pagination_and_a_search_renders_the_same_bytes() -> None:
    rows = [item(last_name=f"Nom{n:02d}", sms_consent=n % 2 == 0) for n in range(20)]
    former, current = both(rows, total=45, number=2, q="<nom> & \"co\"")
    assert current == former
    assert current.count("<tr>") == 21 and "Page 2 sur 3" in current and "&lt;nom&gt; &amp; &#34;co&#34;" in current


def test_one_row_and_no_row_render_the_same_bytes() -> None:
    former, current = both([item()], q="martin")
    assert current == former
    former, current = both([], q="personne")
    assert current == former and "Aucun demandeur" in current


@settings(max_examples=200, deadline=None)
@given(
    first_name=st.text(max_size=20),
    last_name=st.text(max_size=20),
    commune=st.text(max_size=20),
    skills=st.lists(st.text(max_size=10), max_size=3).map(tuple),
    available_from=st.one_of(st.dates().map(str), st.text(max_size=12)),
    sms_consent=st.booleans(),
)
def test_any_text_renders_the_same_bytes_as_the_former_template(
    first_name: str, last_name: str, commune: str, skills: tuple[str, ...], available_from: str, sms_consent: bool
) -> None:
    row = item(first_name, last_name, commune, skills, available_from, sms_consent)
    former, current = both([row, item()])
    assert current == former


def test_a_row_escapes_every_value_it_shows() -> None:
    row = candidate_row(item(first_name="<i>", last_name="&", commune="\"", skills=("'",), available_from="<x>"))
    assert "<i>" not in row and "&amp; &lt;i&gt;" in row
    assert "<td>&#34;</td>" in row and "<td>&#39;</td>" in row and "<td>&lt;x&gt;</td>" in row


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("&<>'\"ab é\\;#") | st.characters(), max_size=40))
def test_escaping_replaces_characters_as_markupsafe_does(text: str) -> None:
    assert escape_text(text) == str(escape(text))


def test_the_page_and_its_htmx_fragment_show_the_same_escaped_rows(advisor) -> None:
    response = post(advisor, "/conseiller/demandeurs/nouveau",
                    candidate_form(first_name="<b>Zoé</b>", last_name="O'Brien & fils"))
    candidate_id = created_id(response)
    row = (f'<th scope="row"><a href="/conseiller/demandeurs/{candidate_id}">'
           "O&#39;Brien &amp; fils &lt;b&gt;Zoé&lt;/b&gt;</a></th>")
    fragment = advisor.get("/conseiller/demandeurs", headers=HTMX).text
    page = advisor.get("/conseiller/demandeurs").text
    assert row in fragment and fragment.strip() in page
    assert "<b>Zoé</b>" not in page
