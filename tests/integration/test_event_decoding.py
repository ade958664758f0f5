"""Every stored event of a realistic day reads back through the application's transcoder (orjson)
exactly as through the library's own JSON transcoder, personal data included, on each store."""
from __future__ import annotations

from eventsourcing.persistence import JSONTranscoder

from application.orjson_transcoder import OrjsonTranscoder
from infrastructure.bootstrap import Services
from tests.integration.helpers import notifications
from tests.integration.test_export_decoding import a_day_of_work


def test_every_stored_event_reads_back_as_the_library_reads_it(services: Services) -> None:
    a_day_of_work(services)
    ours = services.app.mapper.transcoder
    assert isinstance(ours, OrjsonTranscoder)
    library = JSONTranscoder()
    for transcoding in ours.names.values():
        library.register(transcoding)
    records = notifications(services)
    for record in records:
        assert ours.decode(record.state) == library.decode(record.state), record.topic
    assert len({record.topic for record in records}) >= 6
