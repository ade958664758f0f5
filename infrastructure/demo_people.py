"""Demo values of the optional fields the oversight figures read (docs/adr/0016).

Shares roughly follow job seekers registered with the French employment service (about
one in six under 26, one in five 55 or over, slightly more women than men, about one in
seven living in a priority neighbourhood); some are left unrecorded, as in real files.
Each person's values come from their own generator (seeded by their phone number), so
adding these fields does not change the rest of the demo.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

AGE_RANGES = ((18, 25, 16), (26, 44, 46), (45, 54, 18), (55, 64, 20))  # (youngest, oldest, weight %)


def figures_fields(phone: str, today: date) -> dict[str, str]:
    rng = random.Random(phone)
    youngest, oldest, _ = rng.choices(AGE_RANGES, weights=[w for *_, w in AGE_RANGES])[0]
    born = today - timedelta(days=rng.randint(youngest * 365 + 1, oldest * 365 + 364))
    form = rng.random()
    birth_date = "" if form < 0.10 else str(born.year) if form < 0.20 else born.isoformat()
    sex = rng.choices(("F", "M", ""), weights=(50, 45, 5))[0]
    priority_area = rng.choices(("yes", "no", ""), weights=(15, 65, 20))[0]
    return {"birth_date": birth_date, "sex": sex, "priority_area": priority_area}
