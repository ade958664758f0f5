"""Reading import files: encodings, delimiters, headers, cells, and line numbers as in the file."""
from __future__ import annotations

from datetime import date

import pytest

from application import csv_table
from application.csv_table import Column, ImportFileError, Problem, parse_bool, parse_date, parse_int, read_table
from application.import_rows import CANDIDATE_COLUMNS, OFFER_COLUMNS, candidate_row, offer_row

COLUMNS = (Column("reference", required=True), Column("nom", required=True), Column("notes"))
HEADER = "reference;prenom;nom;telephone;commune;codes_rome;competences;disponible_le;rayon_km;consentement_sms;notes"
ROW = "D1;Zoé;Canari;06 12 34 56 78;Lyon;K2204|G1602;nettoyage, tri;2026-12-01;10;oui;Préfère le matin"


def candidates(*lines: str, header: str = HEADER) -> list:
    table = read_table("\n".join((header, *lines)).encode("utf-8"), CANDIDATE_COLUMNS)
    assert table.problems == []
    return [candidate_row(record) for record in table.records]


def test_semicolons_with_a_byte_order_mark_and_crlf_line_ends() -> None:
    data = ("\ufeff" + HEADER + "\r\n" + ROW + "\r\n").encode("utf-8")
    table = read_table(data, CANDIDATE_COLUMNS)
    assert table.delimiter == ";" and table.columns[0] == "reference"  # the BOM is not part of the first name
    ((row, problems),) = [candidate_row(r) for r in table.records]
    assert problems == []
    assert (row.line, row.reference, row.sms_consent) == (2, "D1", True)
    d = row.details
    assert (d.first_name, d.last_name, d.phone, d.commune) == ("Zoé", "Canari", "06 12 34 56 78", "Lyon")
    assert (d.rome_codes, d.skills) == (("K2204", "G1602"), ("nettoyage", "tri"))
    assert (d.available_from, d.mobility_km, d.notes) == (date(2026, 12, 1), 10, "Préfère le matin")


def test_commas_with_quoted_lists_and_a_multi_line_note_keep_the_file_line_numbers() -> None:
    header = HEADER.replace(";", ",")
    data = "\n".join(
        [
            header,
            'D1,Zoé,Canari,0612345678,Lyon,"K2204, G1602","nettoyage|tri",01/12/2026,,non,"ligne un',
            'ligne deux"',
            "",
            "D2,Léo,Merle,0611111111,Paris,K2204,,2026-12-02,5,,",
        ]
    ).encode("utf-8")
    table = read_table(data, CANDIDATE_COLUMNS)
    assert table.delimiter == ","
    rows = [candidate_row(r)[0] for r in table.records]
    assert [r.line for r in rows] == [2, 5]  # the note spans lines 2-3, line 4 is blank
    assert rows[0].details.rome_codes == ("K2204", "G1602")
    assert rows[0].details.skills == ("nettoyage", "tri")
    assert rows[0].details.notes == "ligne un\nligne deux"
    assert rows[0].details.available_from == date(2026, 12, 1)
    assert (rows[0].details.mobility_km, rows[1].details.mobility_km) == (20, 5)  # an empty radius: the form's 20 km
    assert (rows[0].sms_consent, rows[1].sms_consent) == (False, False)  # "non", and empty: no consent


def test_header_names_are_read_without_accents_case_or_spaces_and_optional_columns_may_be_left_out() -> None:
    header = "Référence;Prénom;NOM;Téléphone;Commune;Codes ROME;Disponible le"
    ((row, problems),) = candidates("D9;Zoé;Canari;0612345678;Lyon;K2204;2026-12-01", header=header)
    assert problems == [] and row.details.skills == () and row.details.notes == "" and row.sms_consent is False


def test_tab_separated_files_are_read_too() -> None:
    table = read_table("reference\tnom\nA1\tMartin\n".encode(), COLUMNS)
    assert table.delimiter == "\t" and table.records[0].cells == {"reference": "A1", "nom": "Martin"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-12-01", date(2026, 12, 1)), ("01/12/2026", date(2026, 12, 1)), ("1/2/2027", date(2027, 2, 1))],
)
def test_dates_in_iso_or_french_form(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-13-01", "31/02/2026", "12-01-2026", "demain"])
def test_other_dates_are_refused(text: str) -> None:
    with pytest.raises(csv_table.CellError, match="AAAA-MM-JJ"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("oui", True), ("OUI", True), ("1", True), ("true", True), ("Vrai", True), ("non", False), ("0", False),
     ("false", False), ("Faux", False), ("", False)],
)
def test_booleans(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


def test_integers_accept_thousands_spaces_only() -> None:
    assert parse_int("22 000") == parse_int("22\u202f000") == 22000
    for bad in ("22,5", "vingt", "1e3", "12345678901"):
        with pytest.raises(csv_table.CellError):
            parse_int(bad)


def test_every_bad_cell_of_a_row_is_reported_with_its_line_and_column() -> None:
    ((_, problems),) = candidates("D1;;Canari;0612345678;Lyon;K2204;;32/12/2026;dix;peut-être;")
    assert [(p.line, p.column) for p in problems] == [
        (2, "prenom"), (2, "disponible_le"), (2, "rayon_km"), (2, "consentement_sms")
    ]
    assert problems[0].reason == "Valeur obligatoire."


def test_a_row_with_too_many_or_too_few_cells_is_reported_but_trailing_empty_cells_are_fine() -> None:
    data = "reference;nom;notes\nA1;Martin;x;;\nA2;Durand;a;b\nA3;Petit\n".encode()
    table = read_table(data, COLUMNS)
    assert [r.line for r in table.records] == [2]
    assert [(p.line, p.column) for p in table.problems] == [(3, ""), (4, "")]
    assert "4 valeurs pour 3 colonnes" in table.problems[0].reason


def test_blank_lines_and_rows_of_empty_cells_are_skipped_and_do_not_shift_line_numbers() -> None:
    table = read_table("\n\nreference;nom\n\nA1;Martin\n;;\n\nA2;Durand\n".encode(), COLUMNS)
    assert [(r.line, r.cells["reference"]) for r in table.records] == [(5, "A1"), (8, "A2")]


def test_unknown_missing_and_duplicate_columns_refuse_the_whole_file_naming_them() -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table("reference;Âge;nom;nom;couleur\n".encode(), COLUMNS + (Column("prenom", required=True),))
    message = caught.value.message
    assert "colonnes inconnues : Âge, couleur" in message
    assert "colonnes obligatoires absentes : prenom" in message
    assert "colonnes en double : nom" in message
    assert "unknown columns: Âge, couleur" in caught.value.english and not caught.value.too_large


def test_a_file_that_is_not_utf8_is_refused_with_the_line_of_the_first_bad_byte() -> None:
    data = "reference;nom\nA1;Martin\nA2;".encode() + "Crémieux".encode("cp1252") + b"\n"
    with pytest.raises(ImportFileError, match=r"UTF-8 \(ligne 3\)"):
        read_table(data, COLUMNS)


def test_badly_quoted_and_empty_files_are_refused() -> None:
    with pytest.raises(ImportFileError, match="CSV valide"):
        read_table(b'reference;nom\nA1;"Martin\n', COLUMNS)
    with pytest.raises(ImportFileError, match="vide"):
        read_table(b"\xef\xbb\xbf\r\n\r\n", COLUMNS)


def test_files_over_the_size_or_row_limits_are_refused_before_anything_is_read(monkeypatch) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table(b"x" * (csv_table.MAX_BYTES + 1), COLUMNS)
    assert caught.value.too_large and "5 Mo" in caught.value.message
    monkeypatch.setattr(csv_table, "MAX_ROWS", 3)
    assert len(read_table(("reference;nom\n" + "".join(f"A{n};N\n" for n in range(3))).encode(), COLUMNS).records) == 3
    with pytest.raises(ImportFileError) as caught:
        read_table(("reference;nom\n" + "".join(f"A{n};N\n" for n in range(4))).encode(), COLUMNS)
    assert caught.value.too_large and "3 lignes" in caught.value.message


@pytest.mark.parametrize(
    ("reference", "reason"),
    [("1 85 05 78 006 084 36", "sécurité sociale"), ("185057800608436", "sécurité sociale"),
     ("2850578006084", "sécurité sociale"), ("X" * 65, "64 caractères")],
)
def test_references_that_look_like_a_social_security_number_or_are_too_long_are_refused(
    reference: str, reason: str
) -> None:
    ((_, problems),) = candidates(ROW.replace("D1", reference, 1))
    assert [p.column for p in problems] == ["reference"] and reason in problems[0].reason


def test_offer_rows_map_contract_labels_and_numbers() -> None:
    header = "reference;intitule;code_rome;competences;commune;type_contrat;heures_semaine;salaire_min;salaire_max;description"
    data = "\n".join(
        [header, "O1;Cariste;N1101;cariste|CACES 3;Lyon;Intérim;35;22 000;24000;", "O2;X;N1101;;Lyon;CDX;trente;1;0;"]
    ).encode()
    table = read_table(data, OFFER_COLUMNS)
    (first, no_problem), (_, problems) = (offer_row(r) for r in table.records)
    assert no_problem == [] and first.reference == "O1"
    terms = first.terms
    assert (terms.contract_type, terms.hours_per_week, terms.salary_min, terms.salary_max) == ("interim", 35, 22000, 24000)
    assert terms.skills == ("cariste", "CACES 3")
    assert problems == [
        Problem(3, "type_contrat", "Type de contrat inconnu (CDI, CDD, interim, alternance, saisonnier)."),
        Problem(3, "heures_semaine", "Nombre entier attendu."),
    ]
