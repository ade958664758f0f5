"""Phone numbers are stored in E.164, French numbers accepted without the country code."""
from __future__ import annotations

import re

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


def normalise_phone(raw: str, field: str = "phone") -> str:
    text = raw.strip()
    plain = _PLAIN_FRENCH.fullmatch(text)
    if plain is not None:
        # Parsing is two thirds of the check (a third of a registration's validation): for the plain
        # forms above its outcome is known, and the library still decides whether the number is valid.
        number = phonenumbers.PhoneNumber(country_code=FRANCE, national_number=int(plain[1].translate(_SEPARATORS)))
    else:
        try:
            number = phonenumbers.parse(text, "FR")
        except phonenumbers.NumberParseException:
            raise InvalidValueError({field: INVALID_PHONE}) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValueError({field: INVALID_PHONE})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
