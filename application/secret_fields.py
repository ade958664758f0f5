"""Which recorded fields are secrets that no reader of the log is shown: not the auditor's pages
(application/audit/state.py), not the compliance export (infrastructure/export_lines.py).

One rule for both, by the field's name: a field is secret when one of the words of its name
(snake_case, camelCase or dotted) is a secret word. Today that is the staff accounts'
`password_hash` (Account.Opened, Account.PasswordChanged); the rule also covers fields a later
feature may add (a provider's `auth_token`, a `client_secret`). Whole words, not substrings:
the AI provenance's `tokens_in` and `tokens_out` are costs, not secrets. A secret field keeps
its place with the value MASKED, so readers see the same shape. docs/adr/0014 (amendment,
session 5) lists what was checked.
"""
from __future__ import annotations

import re
from typing import Any

MASKED = "[masqué]"
SECRET_WORDS = frozenset({"password", "passwords", "passwd", "passphrase", "secret", "secrets", "token", "credential", "credentials"})
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
#: Names already judged, name -> secret? A hot loop (the export's decoder) reads it before calling
#: is_secret: one dict look-up per field instead of a call.
JUDGED: dict[str, bool] = {}


def is_secret(name: str) -> bool:
    try:
        return JUDGED[name]
    except KeyError:
        if len(JUDGED) > 10_000:  # names come from code, but dict keys may come from data
            JUDGED.clear()
        words = _WORD.findall(_CAMEL_HUMP.sub("_", name).lower())
        secret = JUDGED[name] = not SECRET_WORDS.isdisjoint(words)
        return secret


def masked(value: Any) -> Any:
    """Plain JSON data (dicts, lists, scalars) with the value of every secret field replaced by
    MASKED, at any depth; dicts are changed in place."""
    if value.__class__ is dict:
        for name, item in value.items():
            if is_secret(name):
                value[name] = MASKED
            elif item.__class__ is dict or item.__class__ is list:
                masked(item)
    elif value.__class__ is list:
        for item in value:
            masked(item)
    return value
