"""The shop served by several app processes at once, as on several workers or hosts.

One embedded database (the session's SecantusDB), one Chroma server process and three uvicorn
processes (`uvicorn app.main:create_app --factory`, each its own Python with its own caches) on free
ports, all pointed at the same MONGODB_URI and CHROMA_URL. What must hold across them: an edit made
through one shows on the others within 2 s (their caches follow the shared versions:
shop.core.versions), no overselling and one order per Idempotency-Key when clients of every process
order at once, the scheduler's job runs once, and the vector index is built once and read by all.

The processes start once for the module (~25 s on 2 cores: each loads the embedding model); each test
uses the `cluster` as it finds it and leaves it usable, so a check of another shared mechanism (the
rate limits kept in MongoDB) is one more test function taking `cluster`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import chromadb
import httpx
import pytest
from pymongo import MongoClient
from pymongo.database import Database

from app.chroma_server import running_chroma
from app.embedded_mongo import EmbeddedMongo, free_port
from shop.backoffice.owners import create_owner
from shop.catalog.categories import save_categories
from shop.core.db import database, ensure_indexes
from tests.fixtures import DEMO_CATEGORIES
from tests.support.admin_login import OWNER_EMAIL, OWNER_PASSWORD
from tests.support.databases import drop_test_database
from tests.support.products import make_product, product_form

pytestmark = pytest.mark.processes

PROCESSES = 3
START_TIMEOUT = 240.0
"""Three processes each load the embedding model: ~25 s on an idle 2-core machine, minutes on a busy one."""
FOLLOW_WITHIN = 2.0
"""The promise: an edit through one process shows on every other within this many seconds."""
ROOT = Path(__file__).resolve().parents[2]
CONTACT_LIMIT = 4
"""Contact messages one address may send an hour, counted across all processes."""


@dataclass
class Cluster:
    """The app processes serving one shop, and what they share."""

    urls: list[str]
    db: Database
    chroma_url: str
    data_dir: Path
    products: dict[str, dict[str, Any]]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def client(self, index: int) -> httpx.Client:
        return httpx.Client(base_url=self.urls[index], timeout=30)

    def log_tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}" for log in self.logs)


def _environment(mongodb_uri: str, db_name: str, chroma_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "CHROMA_", "OPENAI_"))}
    env.update(
        MONGODB_URI=mongodb_uri,
        MONGODB_DB=db_name,
        CHROMA_URL=chroma_url,
        DATA_DIR=str(data_dir),
        BACKUP_DIR=str(data_dir / "backups"),
        SEED_DEMO="false",
        SEMANTIC_SEARCH="true",
        FORECAST_INTERVAL_HOURS="0",  # the backup is the job under test; a forecast fit is seconds of CPU x3
        BACKUP_INTERVAL_HOURS="24",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        OMP_WAIT_POLICY="PASSIVE",
        ANONYMIZED_TELEMETRY="False",
        PYTHONUNBUFFERED="1",
        # Orders are this module's load, not its limit; the contact form's limit is the one shared.
        LIMIT_ORDERS_PER_VISITOR="1000/1h",
        LIMIT_ORDERS_PER_IP="1000/1h",
        LIMIT_CONTACT_PER_VISITOR="0/1h",  # off
        LIMIT_CONTACT_PER_IP=f"{CONTACT_LIMIT}/1h",
    )
    return env


def _wait_ready(cluster: Cluster) -> None:
    """Every process answers /healthz with its start-up work (vector index, pre-rendering) done."""
    deadline = time.monotonic() + START_TIMEOUT
    pending = set(range(len(cluster.urls)))
    while pending and time.monotonic() < deadline:
        for index in sorted(pending):
            if cluster.processes[index].poll() is not None:
                pytest.fail(f"app process {index} exited at start-up:\n{cluster.log_tail()}")
            try:
                health = httpx.get(f"{cluster.urls[index]}/healthz", timeout=2).json()
            except (httpx.HTTPError, ValueError):
                continue
            if health.get("warm") and health.get("semanticSearch"):
                pending.discard(index)
        time.sleep(0.25)
    if pending:
        pytest.fail(f"app processes {sorted(pending)} not ready in {START_TIMEOUT:.0f} s:\n{cluster.log_tail()}")


@pytest.fixture(scope="module")
def cluster(
    mongo_server: EmbeddedMongo, mongo_client: MongoClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("several-processes")
    name = f"test_processes_{os.getpid()}"
    db = database(mongo_client, name)
    ensure_indexes(db)
    save_categories(db, DEMO_CATEGORIES)
    create_owner(db, OWNER_EMAIL, OWNER_PASSWORD)
    products = {
        "edited": make_product(db, name="Sidamo Natural", slug="sidamo-natural", price=Decimal("12.00"), stock=50),
        "scarce": make_product(db, name="Gesha Village Lot 7", slug="gesha-lot-7", price=Decimal("48.00"), stock=5),
        "keyed": make_product(db, name="Darjeeling First Flush", slug="darjeeling-ff", category="tea", stock=40),
        "other": make_product(db, name="Acacia Honey", slug="acacia-honey", category="food", stock=30),
    }
    with running_chroma(data_dir / "chroma", log_path=data_dir / "chroma.log") as chroma_url:
        env = _environment(mongo_server.uri, name, chroma_url, data_dir)
        ports = [free_port() for _ in range(PROCESSES)]
        found = Cluster([f"http://127.0.0.1:{port}" for port in ports], db, chroma_url, data_dir, products)
        try:
            for index, port in enumerate(ports):
                log_path = data_dir / f"app-{index}.log"
                found.logs.append(log_path)
                command = [
                    *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
                    *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
                ]
                with log_path.open("wb") as log:
                    found.processes.append(
                        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                    )
            _wait_ready(found)
            yield found
        finally:
            for process in found.processes:
                process.terminate()
            for process in found.processes:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    drop_test_database(mongo_client, name)


def _order(product: dict[str, Any], quantity: int = 1) -> dict[str, Any]:
    return {
        "customerName": "Ada Buyer",
        "email": "ada@example.com",
        "address": "1 Market Street, Springfield",
        "items": [{"productId": str(product["_id"]), "quantity": quantity}],
    }


def _sign_in(client: httpx.Client) -> None:
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:300]
    form = {"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf_token": token.group(1)}
    signed_in = client.post("/admin/login", data=form)
    assert signed_in.status_code == 303, signed_in.text[:300]


def test_vector_index_built_once_on_the_chroma_server(cluster: Cluster) -> None:
    """One process embedded the catalog under the lock; every process searches it semantically."""
    host, port = cluster.chroma_url.removeprefix("http://").split(":")
    server = chromadb.HttpClient(host=host, port=int(port))
    assert server.get_collection("products").count() == len(cluster.products)
    assert cluster.db.job_locks.find_one({"_id": "vector-index"}) is None  # released after the sync
    for index in range(PROCESSES):
        with cluster.client(index) as client:
            found = client.get("/api/products", params={"q": "honey from acacia flowers"}).json()
            assert found["items"][0]["slug"] == "acacia-honey"


def test_an_edit_through_one_process_shows_on_the_others_within_2_s(cluster: Cluster) -> None:
    product = cluster.products["edited"]
    pid, slug = str(product["_id"]), product["slug"]
    readers = [cluster.client(index) for index in range(1, PROCESSES)]
    for reader in readers:  # the page and the answer are cached on every reader before the edit
        assert "$12.00" in reader.get(f"/products/{slug}").text
        assert reader.get(f"/api/products/{pid}").json()["price"] == 12.0
        assert "Sidamo Natural" in reader.get("/api/products", params={"category": "coffee"}).text
    with cluster.client(0) as editor:
        _sign_in(editor)
        edit_page = editor.get(f"/admin/products/{pid}").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', edit_page)
        assert csrf is not None
        form = product_form(name="Sidamo Natural Reserve", slug=slug, price="13.75", stock="50", stock_seen="50")
        saved = editor.post(f"/admin/products/{pid}", data={**form, "csrf_token": csrf.group(1)})
        assert saved.status_code == 303, saved.text[:500]
    edited_at = time.monotonic()
    lag: dict[int, float] = {}
    while len(lag) < len(readers) and time.monotonic() - edited_at < FOLLOW_WITHIN + 3:
        for index, reader in enumerate(readers):
            if index in lag:
                continue
            page = reader.get(f"/products/{slug}").text
            detail = reader.get(f"/api/products/{pid}").json()
            listing = reader.get("/api/products", params={"category": "coffee"}).text
            if "$13.75" in page and detail["price"] == 13.75 and "Sidamo Natural Reserve" in listing:
                assert "Sidamo Natural Reserve" in page and detail["name"] == "Sidamo Natural Reserve"
                lag[index] = time.monotonic() - edited_at
        time.sleep(0.05)
    for reader in readers:
        reader.close()
    print(f"seconds until each other process showed the edit: {lag}")
    assert len(lag) == len(readers), f"not every process showed the edit: {lag}"
    assert max(lag.values()) <= FOLLOW_WITHIN, f"seconds until each process showed the edit: {lag}"


def test_no_overselling_when_every_process_sells_the_last_units(cluster: Cluster) -> None:
    product = cluster.products["scarce"]
    stock = int(cluster.db.products.find_one({"_id": product["_id"]})["stock"])
    buyers = stock * 3
    statuses: list[int] = []
    start = threading.Barrier(buyers)

    def buy(index: int) -> None:
        with cluster.client(index % PROCESSES) as client:
            start.wait()
            statuses.append(client.post("/api/orders", json=_order(product)).status_code)

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses.count(201) == stock, statuses
    assert all(code in (201, 409) for code in statuses), statuses
    assert cluster.db.products.find_one({"_id": product["_id"]})["stock"] == 0
    assert cluster.db.orders.count_documents({"products.productId": product["_id"]}) == stock
    for index in range(PROCESSES):  # and every process shows it sold out soon after
        deadline = time.monotonic() + FOLLOW_WITHIN + 1
        while httpx.get(f"{cluster.urls[index]}/api/products/{product['_id']}").json()["stock"] != 0:
            assert time.monotonic() < deadline, f"process {index} still shows stock"
            time.sleep(0.1)


def test_one_order_per_idempotency_key_across_processes(cluster: Cluster) -> None:
    product = cluster.products["keyed"]
    key = f"several-processes-{os.getpid()}-{time.time_ns()}"
    answers: list[httpx.Response] = []
    start = threading.Barrier(PROCESSES * 3)

    def place(index: int) -> None:
        with cluster.client(index % PROCESSES) as client:
            start.wait()
            answers.append(client.post("/api/orders", json=_order(product, 2), headers={"Idempotency-Key": key}))

    threads = [threading.Thread(target=place, args=(i,)) for i in range(PROCESSES * 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [answer.status_code for answer in answers] == [201] * len(threads), [a.text[:200] for a in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == len(threads) - 1
    assert cluster.db.orders.count_documents({"products.productId": product["_id"]}) == 1
    assert cluster.db.products.find_one({"_id": product["_id"]})["stock"] == 38


def test_the_scheduled_jobs_run_once(cluster: Cluster) -> None:
    """Every process's scheduler ticks about 20 s after its start (app.scheduler.FIRST_RUN_DELAY) and
    finds the backup due and the scarce product low: the lock document lets exactly one of them make
    the backup, and the claim on the product's inventory row lets exactly one send the alert."""
    deadline = time.monotonic() + 45
    while (job := cluster.db.jobs.find_one({"name": "backup"})) is None:
        assert time.monotonic() < deadline, f"no backup ran:\n{cluster.log_tail()}"
        time.sleep(0.5)
    time.sleep(3)  # the other processes' ticks come within a second or two of the first
    backups = sorted((cluster.data_dir / "backups").glob("*"))
    assert len(backups) == 1, (job, backups)
    assert job["status"] == "ok", job
    alerts = cluster.db.outbox.count_documents({"subject": {"$regex": "^Low stock"}})
    assert alerts == 1, list(cluster.db.outbox.find({}, {"subject": 1}))


def test_a_limit_is_shared_by_every_process(cluster: Cluster) -> None:
    """Limits live in MongoDB: an address past its share on one process is refused by all of them."""
    message = {"name": "Ann", "email": "ann@example.com", "subject": "Hello", "message": "Just saying hello."}
    statuses = []
    for attempt in range(CONTACT_LIMIT + 2):
        with cluster.client(attempt % PROCESSES) as client:  # a fresh visitor each time, round the processes
            statuses.append(client.post("/contact", data=message).status_code)
    assert statuses == [200] * CONTACT_LIMIT + [429, 429], statuses
    assert cluster.db.contact_messages.count_documents({}) == CONTACT_LIMIT
