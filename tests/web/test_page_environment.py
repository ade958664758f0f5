"""The pages' Jinja environment keeps each template's globals in a plain dict (docs/adr/0019, session 6):
templates render as Jinja's own environment renders them, with every global the app sets."""
from __future__ import annotations

from jinja2 import Environment

from web.app import PageEnvironment, template_environment

MACROS_AND_GLOBALS = """{% from "_macros.html" import pagination %}{{ greeting }} {{ range(3)|list }}
{% include "candidates/_results.html" %}"""


class Results:
    items: list[object] = []  # noqa: RUF012 - a stand-in for a page of results
    total = 45
    number = 2
    size = 20
    pages = 3
    has_previous = True
    has_next = True


def test_a_template_renders_as_with_jinjas_own_environment_globals_included() -> None:
    ours = template_environment()
    assert isinstance(ours, PageEnvironment)
    stock = Environment(loader=ours.loader, autoescape=ours.autoescape, trim_blocks=True, lstrip_blocks=True)
    stock.filters.update(ours.filters)
    for environment in (ours, stock):
        environment.globals["greeting"] = "Bonjour <b>"
    context = {"results": Results(), "q": "soudure & fils", "rows": ""}
    rendered = ours.from_string(MACROS_AND_GLOBALS).render(context)
    assert rendered == stock.from_string(MACROS_AND_GLOBALS).render(context)
    assert "Bonjour &lt;b&gt; [0, 1, 2]" in rendered and "page=3" in rendered and "45 demandeurs" in rendered
    assert isinstance(ours.get_template("base.html").globals, dict)


def test_the_globals_the_app_sets_reach_its_pages(signed_in) -> None:
    advisor = signed_in("advisor")  # the SMS simulator is on in tests: its link is a global of base.html
    page = advisor.get("/conseiller/demandeurs")
    assert page.status_code == 200 and 'href="/simulateur"' in page.text
    token = page.text.split('hx-headers=\'{"x-csrftoken": "', 1)[1].split('"', 1)[0]
    assert len(token) > 32  # Litestar's csrf_token(), a global too
