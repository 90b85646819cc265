"""The embedded database's supervisor: a killed database comes back on its port with its data, and the
client that was connected to it works again without being told."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymongo.write_concern import WriteConcern

from app.embedded_mongo import EmbeddedMongo, Supervisor, port_in_use
from shop.core.db import connect


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    supervised = Supervisor(EmbeddedMongo(tmp_path / "db"), backoff_seconds=(0.1, 0.5))
    supervised.start()
    yield supervised
    supervised.stop()


def wait_for(condition: object, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s")


def test_a_killed_database_is_restarted_with_its_data_and_the_client_reconnects(supervisor: Supervisor) -> None:
    client = connect(supervisor.uri)
    try:
        notes = client.shop.get_collection("notes", write_concern=WriteConcern("majority"))
        notes.insert_many([{"n": n} for n in range(100)])  # acknowledged: on disk (--sync-on-commit)
        first = supervisor.server.process
        assert first is not None and supervisor.status.state == "running"

        first.kill()  # kill -9
        wait_for(lambda: supervisor.status.state == "restarting", 5)
        status = supervisor.status
        assert status.last_exit_code == -9 and status.restarts == 0 and status.down_seconds is not None
        wait_for(lambda: supervisor.status.state == "running", 30)

        assert supervisor.status.restarts == 1 and supervisor.status.down_seconds is None
        assert supervisor.server.process is not first and supervisor.server.process.poll() is None
        # The same client, never closed or rebuilt: pymongo finds the server again on the same port.
        assert notes.count_documents({}) == 100
        notes.insert_one({"n": 100})
        assert sorted(doc["n"] for doc in notes.find({}, {"_id": 0}))[-3:] == [98, 99, 100]
    finally:
        client.close()


def test_stop_ends_the_supervision(supervisor: Supervisor) -> None:
    process = supervisor.server.process
    assert process is not None
    supervisor.stop()
    assert process.poll() is not None and supervisor.server.process is None
    time.sleep(3 * Supervisor.POLL_SECONDS)  # a supervisor still watching would start it again
    assert supervisor.status.state == "stopped" and supervisor.server.process is None
    assert not port_in_use(supervisor.server.port)
