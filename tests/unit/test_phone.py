"""Phone numbers: what the form accepts, and that the quick reading of plain French numbers gives
exactly what the phonenumbers library's full parse gives (same number, same refusal), overseas
departments' numbers typed as one dials them from France included."""
from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.phone import INVALID_PHONE, normalise_phone, searched_phone
from domain.errors import InvalidValueError


#: Every region dialled with a trunk 0 from France that is not metropolitan France.
OVERSEAS = ("GP", "BL", "MF", "MQ", "GF", "RE", "YT", "PM")


def by_the_library(raw: str) -> str | None:
    """The rule as written before the quick path: parse as French, keep if valid, write E.164; a number
    typed without a country code that France does not know is read as each overseas region would."""
    try:
        number = phonenumbers.parse(raw.strip(), "FR", keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code_source != phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY:
        return None
    for region in OVERSEAS:
        overseas = phonenumbers.parse(raw.strip(), region)
        if phonenumbers.is_valid_number_for_region(overseas, region):
            return phonenumbers.format_number(overseas, phonenumbers.PhoneNumberFormat.E164)
    return None


def ours(raw: str) -> str | None:
    try:
        return normalise_phone(raw)
    except InvalidValueError as error:
        assert error.errors == {"phone": INVALID_PHONE}
        return None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("  +33 6 12 34 56 78 ", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("01 42 68 53 00", "+33142685300"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),  # not a plain form: read by the full parse
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+32 470 12 34 56", "+32470123456"),  # a Belgian mobile
        # Overseas mobiles, typed as they are dialled from anywhere in France.
        ("06 96 18 23 17", "+596696182317"),  # Martinique
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe
        ("06.94.12.34.56", "+594694123456"),  # Guyane
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("0639 01 23 45", "+262639012345"),  # Mayotte
        ("+596 696 18 23 17", "+596696182317"),
    ],
)
def test_a_valid_number_is_stored_in_e164(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", [
    "", "06 12 34 56", "06 12 34 56 78 9", "00 00 00 00 00", "08 99 99 99 99 9", "bonjour",
    "+33 6 96 18 23 17",  # a Martinique mobile with metropolitan France's code: no such number
])
def test_an_invalid_number_is_refused_with_a_french_message(typed: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        normalise_phone(typed, field="mobile")
    assert refused.value.errors == {"mobile": INVALID_PHONE}


SEPARATOR = st.sampled_from(["", "", " ", ".", "-", "  ", "/", "\u00a0"])
DIGIT = st.sampled_from("0123456789")
PREFIX = st.sampled_from(["0", "+33", "+33 ", "+33-", "0033", "+330", "", "+", "00"])


@st.composite
def typed_numbers(draw: st.DrawFn) -> str:
    digits = draw(st.lists(DIGIT, min_size=7, max_size=11))
    body = "".join(digit + draw(SEPARATOR) for digit in digits).rstrip()
    return draw(st.sampled_from(["", " "])) + draw(PREFIX) + body + draw(st.sampled_from(["", " ", "-"]))


@st.composite
def plain_french_numbers(draw: st.DrawFn) -> str:
    """The forms the quick path reads: a trunk 0 or +33, then nine digits, one separator at most between two."""
    digits = draw(st.lists(DIGIT, min_size=9, max_size=9))
    separator = st.sampled_from(["", " ", ".", "-"])
    body = "".join(digit + draw(separator) for digit in digits[:-1]) + digits[-1]
    return draw(st.sampled_from(["0", "+33", "+33 ", "+33.", "+33-"])) + body


@settings(max_examples=1000, deadline=None)
@given(plain_french_numbers())
def test_every_plain_french_number_reads_as_the_library_reads_it(typed: str) -> None:
    assert ours(typed) == by_the_library(typed)


@settings(max_examples=1000, deadline=None)
@given(typed_numbers())
def test_every_typed_number_reads_as_the_library_reads_it(typed: str) -> None:
    assert ours(typed) == by_the_library(typed)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789 .-+()٠١٢٣٤٥٦٧٨٩０１２x", max_size=20))
def test_any_text_reads_as_the_library_reads_it(typed: str) -> None:
    assert ours(typed) == by_the_library(typed)


@pytest.mark.parametrize(("text", "number"), [
    ("06 12 34 56 78", "+33612345678"), ("0612345678", "+33612345678"), ("+33 6 12 34 56 78", "+33612345678"),
    ("0033 6 12 34 56 78", "+33612345678"), ("+33 (0)6 12 34 56 78", "+33612345678"),
    ("+44 20 7946 0958", "+442079460958"),
    # Not a number: searched by name, as before.
    ("06 12", None), ("Martin 06 12 34 56 78", None), ("69001", None), ("Dupont", None), ("", None),
    ("00000000-0000-0000-0000-000000000000", None),
])
def test_a_search_text_is_a_phone_number_only_when_it_is_one_whole(text: str, number: str | None) -> None:
    """"Martin 06 12…" would parse (the library finds a number inside words): it is a name search."""
    assert searched_phone(text) == number
