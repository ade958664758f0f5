"""An export made by worker processes is the export made in process: same lines, same rows, in
order, erased people as "[effacé]", a period honoured, progress reported, and a record that
does not decrypt stops it with the same error, leaving nothing behind (or, for an investigation, is
written as what went wrong) — on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from cloudevents.core.formats.json import JSONFormat

from infrastructure.bootstrap import Services
from infrastructure.export_verifier import verify_export
from infrastructure.export_lines import UndecodableRecord
from infrastructure.export_workers import ExportWorkers
from infrastructure.log_export import LogExporter
from tests.conftest import AdvanceableClock
from tests.integration.helpers import advisor, details, mobile
from tests.integration.test_export_decoding import a_day_of_work
from tests.integration.test_log_integrity import tamper


def exporters(services: Services) -> tuple[LogExporter, LogExporter]:
    """(in process, two workers), both in batches of 3 records so that the workers take turns."""
    assert services.audit is not None
    exporter = services.audit.exporter
    assert exporter.parallel is not None
    parts = (exporter.database, exporter.records, exporter.decoders, exporter.key, exporter.clock, exporter.on_exported)
    workers = dataclasses.replace(exporter.parallel, workers=2, from_records=0)
    checked = exporter.verifier
    return LogExporter(*parts, batch=3, verifier=checked), LogExporter(*parts, parallel=workers, batch=3, verifier=checked)


def two_people(services: Services) -> tuple[str, str]:
    """The person registered by the first record, and the last one registered."""
    assert services.audit is not None
    people = [str(UUID(bytes=originator)) for _, originator, _, topic, _ in services.audit.records.records()
              if topic.endswith(b"Candidate.Registered")]
    return people[0], people[-1]


def lines(folder: Path, name: str) -> list[bytes]:
    return (folder / name).read_bytes().splitlines()


def test_workers_write_the_lines_and_rows_the_exporting_process_writes(services: Services, tmp_path: Path) -> None:
    a_day_of_work(services)  # ends with an erasure
    in_process, in_workers = exporters(services)
    alone = in_process.export(tmp_path / "alone")
    progress: list[tuple[int, int]] = []
    shared = in_workers.export(tmp_path / "workers", progress=lambda done, total: progress.append((done, total)))

    count = alone.manifest.count
    assert count > 10 and shared.manifest.count == count + 1  # the first export is itself recorded
    assert lines(tmp_path / "workers", "events.jsonl")[:count] == lines(tmp_path / "alone", "events.jsonl")
    assert lines(tmp_path / "workers", "events.csv")[: count + 1] == lines(tmp_path / "alone", "events.csv")
    text = (tmp_path / "workers" / "events.jsonl").read_text(encoding="utf-8")
    assert '"last_name":"[effacé]"' in text and "Nom1" not in text and "Nom2" in text
    assert verify_export(tmp_path / "workers", services.audit.key.public_key).ok  # type: ignore[union-attr]
    assert shared.manifest.previous_head == alone.manifest.head
    assert len(progress) == -(-(count + 1) // 3)  # one report per batch of 3
    assert progress[-1][0] == progress[-1][1] >= count + 1


def test_workers_honour_the_period(services: Services, clock: AdvanceableClock, tmp_path: Path) -> None:
    a_day_of_work(services)
    clock.advance(minutes=5)
    since = clock.now()
    for n in range(10, 15):  # five more people, five minutes later
        services.app.register_candidate(details(phone=mobile(n), last_name=f"Nom{n}"), True, advisor())
    in_process, in_workers = exporters(services)
    before = in_process.export(tmp_path / "alone-before", until=since)
    assert in_workers.export(tmp_path / "workers-before", until=since).manifest.count == before.manifest.count > 10
    assert lines(tmp_path / "workers-before", "events.jsonl") == lines(tmp_path / "alone-before", "events.jsonl")

    after = in_process.export(tmp_path / "alone-after", since=since)
    assert after.manifest.count == 5 + 2  # the five people, and the two exports just made
    shared = in_workers.export(tmp_path / "workers-after", since=since, until=since + timedelta(minutes=1))
    assert shared.manifest.count == after.manifest.count + 1
    assert lines(tmp_path / "workers-after", "events.jsonl")[:-1] == lines(tmp_path / "alone-after", "events.jsonl")


@pytest.mark.parametrize("where", ["in process", "in workers"])
def test_a_record_that_does_not_decrypt_stops_the_export_with_the_same_error(
    services: Services, tmp_path: Path, where: str
) -> None:
    a_day_of_work(services)
    first, other = two_people(services)
    # The personal data of the first person now claims to be another's: it cannot decrypt with that key.
    tamper(services, "UPDATE {table} SET state = REPLACE(state, CAST(? AS BLOB), CAST(? AS BLOB)) WHERE {id} = 1"
           if services.database.dialect == "sqlite" else
           "UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), ?, ?), 'UTF8') "
           "WHERE {id} = (SELECT min({id}) FROM {table})", (first, other))
    exporter = exporters(services)[0 if where == "in process" else 1]
    with pytest.raises(UndecodableRecord, match=r"record \d+ does not decode \(personal data .* does not decrypt"):
        exporter.export(tmp_path / "out")
    # Nothing half-written is left: the lines written before it held people's data in clear.
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("where", ["in process", "in workers"])
def test_an_investigation_exports_a_record_that_does_not_decode_as_what_went_wrong(
    services: Services, tmp_path: Path, where: str
) -> None:
    a_day_of_work(services)
    services.audit.seal(force=True)  # type: ignore[union-attr]
    second, _, version, _, _ = list(services.audit.records.records())[1]  # type: ignore[union-attr]
    tamper(services, "UPDATE {table} SET state = CAST('not json' AS BLOB) WHERE {id} = ?"
           if services.database.dialect == "sqlite" else
           "UPDATE {table} SET state = convert_to('not json', 'UTF8') WHERE {id} = ?", (second,))
    exporter = exporters(services)[0 if where == "in process" else 1]
    result = exporter.export(tmp_path / "out", despite_integrity_failure=True)
    written = lines(tmp_path / "out", "events.jsonl")
    events = [JSONFormat().read(None, line) for line in written]  # each one a CloudEvent still
    assert len(events) == result.manifest.count > 10  # every record, the altered one included
    altered = events[1]
    assert altered.get_extension("sequence") == str(second)
    assert altered.get_data() == {"undecodable": "Expecting value: line 1 column 1 (char 0)", "originator_version": version}
    # No time to give (`time` is optional in CloudEvents; "" would not be one): the others all have theirs.
    assert [b'"time":' in line for line in written] == [n != 1 for n in range(len(written))]
    row = lines(tmp_path / "out", "events.csv")[2]
    assert row.startswith(f"{second},{altered.get_subject()}/{version},,".encode()) and b'""undecodable""' in row
    assert verify_export(tmp_path / "out", services.audit.key.public_key).ok  # type: ignore[union-attr]
    assert result.manifest.log_integrity["problem"]["notification_id"] == second  # type: ignore[index]


def test_a_worker_that_stops_is_reported_and_the_others_are_stopped(services: Services) -> None:
    assert services.audit is not None and services.audit.exporter.parallel is not None
    a_day_of_work(services)
    setup = services.audit.exporter.parallel.setup
    records = list(services.audit.records.records())
    with ExportWorkers(2, setup) as workers:
        workers.processes[1].kill()
        with pytest.raises(RuntimeError, match="export worker .* stopped"):
            list(workers.chunks([records, records, records]))
        processes = list(workers.processes)
    assert all(process.poll() is not None for process in processes)


def test_workers_of_an_export_abandoned_midway_stop_by_themselves(services: Services) -> None:
    a_day_of_work(services)
    assert services.audit is not None and services.audit.exporter.parallel is not None
    records = list(services.audit.records.records())
    with ExportWorkers(2, services.audit.exporter.parallel.setup) as workers:
        chunks = workers.chunks([records * 50] * 20)  # answers larger than a pipe holds
        assert next(chunks).count == 50 * len(records)  # then the writer fails: nobody reads the rest
        processes = list(workers.processes)
    assert [process.returncode for process in processes] == [0, 0]  # ended, not killed


# PostgreSQL only: SQLite has no exported snapshots, its workers are given the records (the tests above).
@pytest.mark.parametrize("store", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_on_postgresql_workers_read_their_ranges_in_the_exporting_sessions_snapshot(
    services: Services, tmp_path: Path
) -> None:
    assert services.audit is not None and services.audit.records.shares_snapshots
    a_day_of_work(services)
    # Ids burnt by rolled-back inserts leave holes: ranges of ids hold fewer records, or none.
    tamper(services, "SELECT setval(pg_get_serial_sequence('{table}', '{id}'), (SELECT max({id}) FROM {table}) + 7)")
    for n in range(20, 23):
        services.app.register_candidate(details(phone=mobile(n), last_name=f"Nom{n}"), True, advisor())
    records = services.audit.records
    before = list(records.records())
    with records.exported_snapshot() as (snapshot, last):
        assert last == before[-1][0]
        services.app.register_candidate(details(phone=mobile(30), last_name="Nom30"), True, advisor())  # committed after
        with records.in_snapshot(snapshot) as read:
            assert [tuple(r) for r in read(0, last + 100)] == [tuple(r) for r in before]
            assert [r[0] for r in read(last - 8, last)] == [r[0] for r in before if r[0] > last - 8]
    assert list(records.records())[-1][0] > last

    in_process, in_workers = exporters(services)
    alone = in_process.export(tmp_path / "alone")
    progress: list[tuple[int, int]] = []
    last = max_sequence(services)
    shared = in_workers.export(tmp_path / "workers", progress=lambda done, total: progress.append((done, total)))
    count = alone.manifest.count
    assert shared.manifest.count == count + 1 and shared.manifest.last_sequence == last
    assert lines(tmp_path / "workers", "events.jsonl")[:count] == lines(tmp_path / "alone", "events.jsonl")
    assert lines(tmp_path / "workers", "events.csv")[: count + 1] == lines(tmp_path / "alone", "events.csv")
    assert verify_export(tmp_path / "workers", services.audit.key.public_key).ok
    assert progress[-1][0] == progress[-1][1] == shared.manifest.last_sequence  # ids covered, holes included


def max_sequence(services: Services) -> int:
    assert services.audit is not None
    return services.audit.records.max_id()


def test_the_key_vault_reads_many_peoples_keys_at_once_as_it_reads_each(services: Services, clock: AdvanceableClock) -> None:
    from infrastructure import personal_data

    a_day_of_work(services)  # one of its people is erased
    people = [str(UUID(bytes=originator)) for _, originator, _, topic, _ in services.audit.records.records()  # type: ignore[union-attr]
              if topic.endswith(b"Candidate.Registered")]
    asked = [*people, "never-registered", *(f"nobody-{n}" for n in range(personal_data.KEYS_PER_QUERY))]

    def fresh() -> personal_data.DatabaseKeyVault:  # an empty cache, as an export's
        return personal_data.DatabaseKeyVault(services.database, services.settings.secret_key, clock, cache_seconds=60)

    one_by_one = {subject: fresh().key_for(subject, create=False) for subject in asked}
    at_once = fresh().keys_for(asked)
    assert at_once == one_by_one
    assert sum(key is None for key in at_once.values()) == 1 + 1 + personal_data.KEYS_PER_QUERY  # the erased, and nobodies
    assert all(len(key) == 32 for key in at_once.values() if key is not None)
