"""`relais import-candidates` and `relais import-offers`, run as an operator would (a separate process).

Exit status: 0 every row imported or already imported, 1 some rows rejected (listed as
`line N: column: reason`), 2 nothing could be done (usage, file, agency).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.helpers import domain_events, mobile
from tests.integration.test_cli import PASSWORD, Relais, assert_fails

HEADER = "reference;prenom;nom;telephone;commune;codes_rome;competences;disponible_le;rayon_km;consentement_sms;notes"
OFFER_HEADER = "reference,intitule,code_rome,competences,commune,type_contrat,heures_semaine,salaire_min,salaire_max"


@pytest.fixture
def relais(tmp_path: Path) -> Relais:
    relais = Relais(tmp_path / "data")
    created = relais("create-user", "--username", "conseil.est", "--role", "advisor", "--agency", "lyon-est",
                     "--new-agency", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    return relais


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def person(n: int, **changes: str) -> str:
    cells = {"ref": f"DE-{n}", "prenom": "Zoé", "nom": f"Nom{n}", "telephone": mobile(n), "commune": "Lyon",
             "disponible_le": "2026-12-01", **changes}
    return (f"{cells['ref']};{cells['prenom']};{cells['nom']};{cells['telephone']};{cells['commune']};K2204;"
            f"nettoyage;{cells['disponible_le']};10;oui;")


def test_import_candidates_twice_imports_once_and_exits_0(relais: Relais, tmp_path: Path) -> None:
    path = write(tmp_path, "demandeurs.csv", HEADER, *(person(n) for n in range(5)))
    first = relais("import-candidates", str(path), "--agency", "lyon-est", "--operator", "import.lyon")
    assert first.returncode == 0, first.stderr
    assert "5 imported, 0 already imported, 0 rejected" in first.stdout
    assert "into agency lyon-est" in first.stdout
    again = relais("import-candidates", str(path), "--agency", "lyon-est")
    assert again.returncode == 0, again.stderr
    assert "0 imported, 5 already imported, 0 rejected" in again.stdout
    rows = relais.rows("SELECT agency_id, last_name, phone FROM rm_candidates ORDER BY last_name")
    assert [(r["agency_id"], r["last_name"]) for r in rows] == [("lyon-est", f"Nom{n}") for n in range(5)]
    assert relais.log_length() == 1 + 5  # the account, then each person once
    services = relais.services()
    try:
        actors = {event.provenance.actor_id for event in domain_events(services, after=1)}
    finally:
        services.close()
    assert actors == {"cli:import.lyon"}  # who imported them, as given


def test_bad_rows_are_printed_with_their_line_and_the_command_exits_1(relais: Relais, tmp_path: Path) -> None:
    path = write(tmp_path, "demandeurs.csv", HEADER, person(1), person(2, telephone="12", commune="Atlantide"),
                 person(3, disponible_le="31/02/2026"), person(4, telephone=mobile(1)), person(5))
    result = relais("import-candidates", str(path), "--agency", "lyon-est")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert "2 imported, 0 already imported, 3 rejected" in lines[0]
    assert lines[1:] == [
        "line 3: commune: Commune inconnue.",
        "line 3: telephone: Numéro de téléphone invalide (ex. 06 12 34 56 78 ou +33 6 12 34 56 78).",
        "line 4: disponible_le: Date invalide : AAAA-MM-JJ ou JJ/MM/AAAA attendu.",
        "line 5: telephone: Même numéro que la ligne 2.",
    ]
    assert "Traceback" not in result.stderr
    assert len(relais.rows("SELECT id FROM rm_candidates")) == 2


def test_import_offers_reads_a_comma_separated_file(relais: Relais, tmp_path: Path) -> None:
    path = write(tmp_path, "offres.csv", OFFER_HEADER, 'OF-1,Agent de propreté,K2204,"nettoyage|tri",Lyon,CDI,35,22000,24000',
                 "OF-2,Cariste,N1101,,Lyon,CDD,70,22000,24000")
    result = relais("import-offers", str(path), "--agency", "lyon-est")
    assert result.returncode == 1
    assert "offers from" in result.stdout and "1 imported, 0 already imported, 1 rejected" in result.stdout
    assert "line 3: heures_semaine: La durée hebdomadaire va de 1 à 48 heures." in result.stdout
    assert [r["title"] for r in relais.rows("SELECT title FROM rm_offers")] == ["Agent de propreté"]
    again = relais("import-offers", str(path), "--agency", "lyon-est")
    assert "0 imported, 1 already imported, 1 rejected" in again.stdout


def test_unusable_commands_and_files_exit_2_and_import_nothing(relais: Relais, tmp_path: Path) -> None:
    good = write(tmp_path, "ok.csv", HEADER, person(1))
    assert_fails(relais("import-candidates", str(good), "--agency", "lyon-ouest"), "no advisor account", "lyon-ouest")
    assert_fails(relais("import-candidates", str(tmp_path / "absent.csv"), "--agency", "lyon-est"), "cannot read")
    bad_header = write(tmp_path, "entete.csv", "reference;prenom;nom;age", "DE-1;Zoé;Canari;30")
    assert_fails(relais("import-candidates", str(bad_header), "--agency", "lyon-est"),
                 "unknown columns: age", "missing required columns: telephone")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\n" + person(1, nom="Crémieux") + "\n").encode("cp1252"))
    assert_fails(relais("import-candidates", str(latin1), "--agency", "lyon-est"), "not UTF-8", "line 2")
    no_agency = relais("import-candidates", str(good))
    assert no_agency.returncode == 2 and "--agency" in no_agency.stderr
    assert relais.rows("SELECT id FROM rm_candidates") == []
    assert relais.log_length() == 1  # only the account
