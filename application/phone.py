"""Phone numbers are stored in E.164, French numbers accepted without the country code, overseas
departments' included: "06 96 12 34 56" is a mobile in Martinique, dialled so from all of France."""
from __future__ import annotations

import re
from functools import cache

import phonenumbers

from domain.errors import InvalidValueError

INVALID_PHONE = "Numéro de téléphone invalide (ex. 06 12 34 56 78 ou +33 6 12 34 56 78)."
FRANCE = 33
#: How advisors nearly always type a French number: "06 12 34 56 78", "06.12.34.56.78", "0612345678",
#: "+33 6 12 34 56 78", with at most one space, dot or hyphen between digits. Group 1: the national
#: significant number (without the trunk 0), which is what `phonenumbers.parse(text, "FR")` finds in
#: such text. ASCII digits only (`\d` would also take other scripts' digits, which parse reads too).
_PLAIN_FRENCH = re.compile(r"(?:0|\+33[ .-]?)([1-9](?:[ .-]?[0-9]){8})")
_SEPARATORS = str.maketrans("", "", " .-")
#: The overseas departments and collectivities inside the French numbering plan (a trunk 0 then nine
#: digits from anywhere in France) with their own country codes: one region per code, since the library
#: checks a number against every region sharing its code (Saint-Barthélemy and Saint-Martin with
#: Guadeloupe's +590, Mayotte with Réunion's +262).
_OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "PM")


def normalise_phone(raw: str, field: str = "phone") -> str:
    text = raw.strip()
    plain = _PLAIN_FRENCH.fullmatch(text)
    if plain is not None:
        # Parsing and the library's walk through the number types were most of a registration's
        # validation: for the plain forms above the parse's outcome is known, and validity is the
        # library's own French rules, applied as it applies them (`_valid_in_france`).
        national = plain[1].translate(_SEPARATORS)
        if _valid_in_france(national):
            return f"+{FRANCE}{national}"
        overseas = _overseas(text) if text.startswith("0") else None
        if overseas is None:
            raise InvalidValueError({field: INVALID_PHONE})
        return overseas
    try:
        number = phonenumbers.parse(text, "FR", keep_raw_input=True)
    except phonenumbers.NumberParseException:
        raise InvalidValueError({field: INVALID_PHONE}) from None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    typed_nationally = number.country_code_source == phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
    overseas = _overseas(text) if typed_nationally else None
    if overseas is None:
        raise InvalidValueError({field: INVALID_PHONE})
    return overseas


def _overseas(national_text: str) -> str | None:
    """The E.164 of a nationally typed number that is not metropolitan France's, when it is an overseas one."""
    for region in _OVERSEAS_REGIONS:
        number = phonenumbers.parse(national_text, region)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


#: What a search text holds when it is a phone number: digits, and what people write between them.
#: Checked first because `phonenumbers.parse` also finds a number inside words ("Martin 06 12…").
_PHONE_SEARCH = re.compile(r"\+?[0-9][0-9 .()/-]{5,30}")


def searched_phone(text: str) -> str | None:
    """The E.164 number a search text is (as registration normalises it), or None: search by name."""
    if not _PHONE_SEARCH.fullmatch(text.strip()):
        return None
    try:
        return normalise_phone(text)
    except InvalidValueError:
        return None


Rule = tuple[frozenset[int], re.Pattern[str]]


def _valid_in_france(national: str) -> bool:
    """`phonenumbers.is_valid_number` of +33 `national`: the number fits France's general pattern and
    the pattern of some number type (fixed line, mobile, toll free...), each with its possible lengths."""
    general, kinds = _french_rules()
    return _fits(national, general) and any(_fits(national, kind) for kind in kinds)


def _fits(national: str, rule: Rule | None) -> bool:
    if rule is None:  # no such type in France: the library says no match
        return False
    lengths, pattern = rule
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


@cache
def _french_rules() -> tuple[Rule | None, tuple[Rule | None, ...]]:
    """The installed library's metadata for France, read once (as its `_number_type_helper` reads it)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    assert metadata is not None and metadata.country_code == FRANCE

    def rule(desc: phonenumbers.PhoneNumberDesc | None) -> Rule | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length), re.compile(desc.national_number_pattern)

    # Any type will do, so the order does not change the answer: the numbers advisors type first.
    kinds = (metadata.mobile, metadata.fixed_line, metadata.premium_rate, metadata.toll_free, metadata.shared_cost,
             metadata.voip, metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail)
    return rule(metadata.general_desc), tuple(rule(kind) for kind in kinds)
