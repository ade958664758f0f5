"""Reading an import file: UTF-8 CSV, a header row, `;` or `,` between cells (pure, stdlib only).

The file as a whole is refused (`ImportFileError`, nothing imported) when it is too big,
not UTF-8, not well-formed CSV, or its header names unknown columns or lacks required
ones. Past that point every problem belongs to one row and one column (`Problem`), and
the other rows go on.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
DELIMITERS = (";", ",", "\t")
TRUE_WORDS = frozenset({"oui", "o", "1", "true", "vrai", "yes", "y", "x"})
FALSE_WORDS = frozenset({"non", "n", "0", "false", "faux", "no"})
LIST_SEPARATORS = re.compile(r"[|,]")
CODE_SEPARATORS = re.compile(r"[|,;\s]+")
SPACES_IN_NUMBERS = str.maketrans("", "", " \u00a0\u202f")


class ImportFileError(Exception):
    """The file cannot be read as a whole; nothing of it is imported."""

    def __init__(self, message: str, english: str, *, too_large: bool = False) -> None:
        self.message = message  # French, for the upload page
        self.english = english  # for the command line
        self.too_large = too_large
        super().__init__(message)


class CellError(ValueError):
    """One cell cannot be read; the message is French and names what is expected."""


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False


@dataclass(frozen=True)
class Problem:
    """Why a row was not imported: its line in the file, the column ("" for the whole row)."""

    line: int
    column: str
    reason: str


@dataclass(frozen=True)
class Record:
    """One data row: its first line in the file and its cells by column name (stripped)."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Table:
    delimiter: str
    columns: tuple[str, ...]
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def plain(text: str) -> str:
    """Lower case, no accents, words joined by `_`: 'Prénom ' -> 'prenom', 'Codes ROME' -> 'codes_rome'."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "_".join(re.findall(r"[a-z0-9]+", without_accents.lower()))


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : découpez-le en plusieurs fichiers.",
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it",
            too_large=True,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"Le fichier n'est pas encodé en UTF-8 (ligne {line}) : enregistrez-le au format « CSV UTF-8 ».",
            f"the file is not UTF-8 (line {line}): save it as 'CSV UTF-8'",
        ) from None
    if not text.strip():
        raise ImportFileError("Le fichier est vide.", "the file is empty")
    return text


def read_table(data: bytes, columns: Sequence[Column]) -> Table:
    """The file's data rows, each with its line number, or ImportFileError."""
    text = decode(data)
    known = {c.name for c in columns}
    delimiter = _sniff_delimiter(text, known)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    table = Table(delimiter, ())
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, or a row of empty cells left by a spreadsheet
            if header is None:
                header = _check_header(cells, columns, start)
                table.columns = tuple(header)
                continue
            if len(table.records) + len({p.line for p in table.problems}) >= MAX_ROWS:
                raise ImportFileError(
                    f"Le fichier compte plus de {_thousands(MAX_ROWS)} lignes : découpez-le en plusieurs fichiers.",
                    f"the file has more than {MAX_ROWS} rows: split it",
                    too_large=True,
                )
            _add_row(table, header, cells, start)
    except csv.Error as error:
        raise ImportFileError(
            f"Le fichier n'est pas un CSV valide à la ligne {reader.line_num} (guillemets mal fermés ?).",
            f"not valid CSV at line {reader.line_num} ({error})",
        ) from None
    if header is None:
        raise ImportFileError("Le fichier est vide.", "the file is empty")
    return table


def _sniff_delimiter(text: str, known: set[str]) -> str:
    """The delimiter under which the first line names the most known columns (`;` on a tie)."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            return (0, 0)
        return (sum(plain(c) in known for c in cells), len(cells))

    return max(DELIMITERS, key=lambda d: (score(d), -DELIMITERS.index(d)))


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _check_header(cells: list[str], columns: Sequence[Column], line: int) -> list[str]:
    names = [plain(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()  # trailing empty columns, as spreadsheets sometimes write them
    known = {c.name for c in columns}
    problems: list[str] = []
    english: list[str] = []
    unnamed = [str(i + 1) for i, name in enumerate(names) if not name]
    unknown = [cells[i].strip() for i, name in enumerate(names) if name and name not in known]
    twice = sorted({name for name in names if name and names.count(name) > 1})
    missing = [c.name for c in columns if c.required and c.name not in names]
    if unknown:
        problems.append("colonnes inconnues : " + ", ".join(unknown))
        english.append("unknown columns: " + ", ".join(unknown))
    if missing:
        problems.append("colonnes obligatoires absentes : " + ", ".join(missing))
        english.append("missing required columns: " + ", ".join(missing))
    if twice:
        problems.append("colonnes en double : " + ", ".join(twice))
        english.append("duplicate columns: " + ", ".join(twice))
    if unnamed:
        problems.append("colonnes sans nom (n° " + ", ".join(unnamed) + ")")
        english.append("unnamed columns (no. " + ", ".join(unnamed) + ")")
    if problems:
        accepted = ", ".join(c.name + ("*" if c.required else "") for c in columns)
        raise ImportFileError(
            f"En-tête (ligne {line}) : " + " ; ".join(problems) + f". Colonnes acceptées (* obligatoire) : {accepted}.",
            f"header (line {line}): " + "; ".join(english) + f". Accepted columns (* required): {accepted}",
        )
    return names


def _add_row(table: Table, header: list[str], cells: list[str], line: int) -> None:
    while len(cells) > len(header) and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) != len(header):
        table.problems.append(
            Problem(
                line,
                "",
                f"La ligne compte {len(cells)} valeurs pour {len(header)} colonnes "
                f"(un « {table.delimiter} » dans une valeur sans guillemets ?).",
            )
        )
        return
    table.records.append(Record(line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}))


# Cells -------------------------------------------------------------------------------


def parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("Date invalide : AAAA-MM-JJ ou JJ/MM/AAAA attendu.")


def parse_bool(text: str, default: bool = False) -> bool:
    word = plain(text)
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("Valeur attendue : oui ou non.")


def parse_int(text: str) -> int:
    cleaned = text.translate(SPACES_IN_NUMBERS)
    if not re.fullmatch(r"-?[0-9]{1,9}", cleaned):
        raise CellError("Nombre entier attendu.")
    return int(cleaned)


def split_list(text: str) -> tuple[str, ...]:
    """Items of a list cell, separated by `|` or `,`."""
    return tuple(item.strip() for item in LIST_SEPARATORS.split(text) if item.strip())


def split_codes(text: str) -> tuple[str, ...]:
    """Codes (no spaces inside), separated by `|`, `,`, `;` or spaces."""
    return tuple(code for code in CODE_SEPARATORS.split(text) if code)
