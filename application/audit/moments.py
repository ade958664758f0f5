"""Which point of an aggregate's history an auditor asks for: `?version=N`, `?at=…`, or `?from=N&to=M`.

`at` is a wall-clock time in Europe/Paris, without an offset ("2026-03-01T10:00"), as the
people who write the questions read their clocks. An ambiguous time (the repeated hour in
October) means its first occurrence; a time that does not exist (the skipped hour in March)
is read with the offset before the change, i.e. one hour later on the clock (docs/adr/0015).
An explicit offset ("…+01:00" or "Z") is accepted and wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MAX_VERSION = 10_000_000


class BadMomentError(ValueError):
    """The address asks for a version or a time that cannot be read; the message is French."""

    def __init__(self, message: str, parameter: str = "") -> None:
        super().__init__(message)
        #: The parameter at fault ("version", "at", "from" or "to"), for the page to show the message beside
        #: its field; "" when no one parameter is (several ways of choosing at once).
        self.parameter = parameter


@dataclass(frozen=True)
class Moment:
    """What to show: the latest state (all None), one version, one instant, or the change between two versions."""

    version: int | None = None
    at: datetime | None = None  # aware, UTC
    from_version: int | None = None
    to_version: int | None = None

    @property
    def is_diff(self) -> bool:
        return self.from_version is not None


def parse_version(raw: str, name: str = "version") -> int:
    text = raw.strip()
    if not text.isdigit() or len(text) > 8 or not 1 <= int(text) <= MAX_VERSION:
        raise BadMomentError(f"Le paramètre « {name} » doit être un numéro de version entier, à partir de 1.", name)
    return int(text)


def parse_paris_time(raw: str) -> datetime:
    """'2026-03-01T10:00' (Paris wall clock) -> the aware UTC instant."""
    text = raw.strip().replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadMomentError(
            "La date « at » doit s'écrire AAAA-MM-JJTHH:MM (heure de Paris), par exemple 2026-03-01T10:00.", "at"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS, fold=0)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00 in Paris is before year 1 in UTC
        raise BadMomentError("La date « at » est hors du calendrier consultable.", "at") from None


def parse_moment(params: dict[str, str]) -> Moment:
    """Read the query parameters; only one way of choosing at a time."""
    version, at = params.get("version", ""), params.get("at", "")
    first, last = params.get("from", ""), params.get("to", "")
    chosen = [name for name, value in (("version", version), ("at", at), ("from/to", first or last)) if value.strip()]
    if len(chosen) > 1:
        raise BadMomentError("Choisissez une seule façon de remonter le temps : version, date (at) ou comparaison (from/to).")
    if version.strip():
        return Moment(version=parse_version(version))
    if at.strip():
        return Moment(at=parse_paris_time(at))
    if first.strip() or last.strip():
        if not (first.strip() and last.strip()):
            raise BadMomentError("Une comparaison demande deux versions : « from » et « to ».",
                                 "to" if first.strip() else "from")
        low, high = parse_version(first, "from"), parse_version(last, "to")
        return Moment(from_version=low, to_version=high)
    return Moment()
