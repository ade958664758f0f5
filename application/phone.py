"""Phone numbers are stored in E.164, French numbers accepted without the country code."""
from __future__ import annotations

import phonenumbers

from domain.errors import InvalidValueError

INVALID_PHONE = "Numéro de téléphone invalide (ex. 06 12 34 56 78 ou +33 6 12 34 56 78)."


def normalise_phone(raw: str, field: str = "phone") -> str:
    try:
        number = phonenumbers.parse(raw.strip(), "FR")
    except phonenumbers.NumberParseException:
        raise InvalidValueError({field: INVALID_PHONE}) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValueError({field: INVALID_PHONE})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
