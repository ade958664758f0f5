"""The admin's account forms: open an account, assign a role and an agency."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from web.forms.fields import Form


@dataclass
class OpenAccountForm(Form):
    password: str = ""

    @classmethod
    def empty(cls) -> OpenAccountForm:
        return cls(values={"role": "advisor"})

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> OpenAccountForm:
        form = cls()
        for name in ("username", "role", "agency_id"):
            form.text(data, name)
        raw = data.get("password", "")
        # The password is never echoed back into the page.
        form.password = str(raw[-1] if isinstance(raw, list) and raw else raw)
        return form


@dataclass
class AssignRoleForm(Form):
    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> AssignRoleForm:
        form = cls()
        for name in ("role", "agency_id", "version"):
            form.text(data, name)
        return form
