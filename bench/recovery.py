"""Recovery after kill -9 of the embedded database, under order load.

Starts the shop the way `make run` does (`python -m app run`: the app and its supervised embedded
database) in a temporary folder on free ports, with a small demo shop; then several clients place
orders through POST /api/orders, each with its own Idempotency-Key and retrying the same key after a
503 or a dropped connection, as a careful client does. Meanwhile the database process is killed with
SIGKILL (--kills times), and the bench prints for each kill: the time until /healthz answers 200
again, the time until an order sent after the kill succeeds, and the slowest request while the
database was down. At the end it compares the acknowledged orders with the orders in the database
(none lost, none twice), and times SIGTERM of the shop until it and its database are gone.

    .venv/bin/python bench/recovery.py [--clients 6] [--kills 2] [--products 12]

The local chat model is not started (OPENAI_BASE_URL points at a closed port) and neither is the
semantic search model nor the owner jobs: they only slow the start and add nothing to this measure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded_mongo import free_port
from shop.core.db import connect, database

ROOT = Path(__file__).resolve().parent.parent
BENCH_EMAIL_DOMAIN = "recovery.bench.example"


@dataclass
class Attempt:
    started: float  # time.monotonic()
    seconds: float
    status: int  # 0: no HTTP answer (connection refused or reset)


@dataclass
class Load:
    """What the clients did: every request, and every acknowledged order by its key."""

    attempts: list[Attempt] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> order id
    unanswered_keys: set[str] = field(default_factory=set)  # keys still being retried at the end
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is `pid` (any thread of it), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def database_pid(app_pid: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in child_pids(app_pid):
            try:
                if b"secantusd" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
            except OSError:
                continue
        time.sleep(0.1)
    raise RuntimeError("the shop's database process was not found")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = 60.0) -> tuple[int, bytes]:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        connection.close()


def client(port: int, number: int, product_ids: list[str], load: Load, stop: threading.Event) -> None:
    """One client: orders one after the other, each retried under its key until it is acknowledged."""
    sequence = 0
    while not stop.is_set():
        sequence += 1
        key = f"recovery-{number}-{sequence}"
        body = json.dumps(
            {
                "customerName": f"Bench {key}",
                "email": f"client{number}@{BENCH_EMAIL_DOMAIN}",
                "address": "1 Recovery Road, Benchtown",
                "items": [{"productId": product_ids[(number + sequence) % len(product_ids)], "quantity": 1}],
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        give_up = None
        while True:
            started = time.monotonic()
            status, answer = request(port, "POST", "/api/orders", body, headers)
            with load.lock:
                load.attempts.append(Attempt(started, time.monotonic() - started, status))
            if status == 201:
                with load.lock:
                    load.acknowledged[key] = json.loads(answer)["id"]
                break
            if status not in (0, 503):
                with load.lock:
                    load.unexpected.append(f"{status} {answer[:200]!r}")
                break
            if stop.is_set():  # finishing: keep retrying this key for a while, never start a new one
                give_up = give_up or time.monotonic() + 30
                if time.monotonic() > give_up:
                    with load.lock:
                        load.unanswered_keys.add(key)
                    break
            time.sleep(0.2)


def wait_healthy(port: int, timeout: float) -> float:
    """Seconds until /healthz answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        status, _ = request(port, "GET", "/healthz", timeout=10)
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"/healthz did not answer 200 within {timeout:.0f} s")


def measure_kill(port: int, app_pid: int, load: Load) -> dict[str, float]:
    """kill -9 the database; seconds until /healthz is 200, until an order sent after the kill is
    acknowledged, and the slowest request that started while the database was down."""
    pid = database_pid(app_pid)
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    healthy = killed + wait_healthy(port, 120)
    ordered = None
    while ordered is None and time.monotonic() - killed < 120:
        with load.lock:
            done = [a.started + a.seconds for a in load.attempts if a.status == 201 and a.started >= killed]
        ordered = min(done) if done else None
        time.sleep(0.05)
    with load.lock:  # requests in flight at the kill, or sent before /healthz was 200 again
        during = [a for a in load.attempts if a.started < healthy and a.started + a.seconds > killed]
    new_pid = database_pid(app_pid)
    return {
        "health": healthy - killed,
        "orders": (ordered - killed) if ordered is not None else float("nan"),
        "requests": len(during),
        "failed": sum(1 for a in during if a.status != 201),
        "max_latency": max((a.seconds for a in during), default=0.0),
        "new_pid": float(new_pid),
    }


def check_database(uri: str, load: Load) -> tuple[int, int, int, list[str]]:
    """(orders of the bench in the database, acknowledged orders missing, keys ordered more than once,
    problems): every acknowledged order is there once, with the id the client was given."""
    mongo = connect(uri)
    try:
        db = database(mongo, "aishop")
        docs = list(db.orders.find({"email": {"$regex": f"@{BENCH_EMAIL_DOMAIN}$"}}, {"customerName": 1}))
    finally:
        mongo.close()
    by_key: dict[str, list[str]] = {}
    for doc in docs:
        by_key.setdefault(doc["customerName"].removeprefix("Bench "), []).append(str(doc["_id"]))
    missing = [key for key, order_id in load.acknowledged.items() if order_id not in by_key.get(key, [])]
    twice = [key for key, ids in by_key.items() if len(ids) > 1]
    problems = [f"acknowledged but missing: {key}" for key in missing[:5]]
    problems += [f"ordered {len(by_key[key])} times: {key}" for key in twice[:5]]
    strays = set(by_key) - set(load.acknowledged) - load.unanswered_keys
    problems += [f"in the database but never sent: {key}" for key in sorted(strays)[:5]]
    return len(docs), len(missing), len(twice), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6, help="clients placing orders at once")
    parser.add_argument("--kills", type=int, default=2, help="times the database is killed")
    parser.add_argument("--products", type=int, default=12, help="demo products to seed")
    parser.add_argument("--steady", type=float, default=5.0, help="seconds of load before and between kills")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aishop-recovery-") as tmp:
        port, db_port = free_port(), free_port()
        env = dict(
            os.environ,
            DATA_DIR=str(Path(tmp) / "var"),
            PORT=str(port),
            EMBEDDED_DB_PORT=str(db_port),
            DEMO_PRODUCTS=str(args.products),
            SEMANTIC_SEARCH="false",
            SCHEDULER_ENABLED="false",
            OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",  # no local model started
            PYTHONUNBUFFERED="1",
        )
        log_path = Path(tmp) / "shop.log"
        started = time.monotonic()
        with log_path.open("wb") as log_file:
            shop = subprocess.Popen(
                [sys.executable, "-m", "app", "run"], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
        try:
            wait_healthy(port, 300)
            print(f"shop up in {time.monotonic() - started:.1f} s (pid {shop.pid}, http :{port}, database :{db_port})")
            uri = f"mongodb://127.0.0.1:{db_port}/?directConnection=true"
            mongo = connect(uri)
            try:
                db = database(mongo, "aishop")
                # Stock enough that no order is refused for it: this bench is about the database dying.
                db.products.update_many({}, {"$set": {"stock": 1_000_000}})
                product_ids = [str(doc["_id"]) for doc in db.products.find({}, {"_id": 1})]
            finally:
                mongo.close()
            time.sleep(1.5)  # the app's catalog snapshot sees the new stock

            load = Load()
            stop = threading.Event()
            threads = [
                threading.Thread(target=client, args=(port, n, product_ids, load, stop), daemon=True)
                for n in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            time.sleep(args.steady)
            with load.lock:
                steady = [a.seconds for a in load.attempts if a.status == 201]
            print(
                f"steady load: {args.clients} clients, {len(steady) / args.steady:.0f} orders/s, "
                f"p50 {statistics.median(steady) * 1000:.0f} ms, max {max(steady) * 1000:.0f} ms"
            )
            results = []
            for number in range(1, args.kills + 1):
                result = measure_kill(port, shop.pid, load)
                results.append(result)
                print(
                    f"kill -9 #{number}: /healthz 200 after {result['health']:.1f} s, orders succeed after "
                    f"{result['orders']:.1f} s; while down {result['requests']} requests, {result['failed']} "
                    f"failed (503 or reset), slowest {result['max_latency']:.1f} s"
                )
                time.sleep(args.steady)
            stop.set()
            for thread in threads:
                thread.join(60)

            found, missing, twice, problems = check_database(uri, load)
            print(
                f"orders: {len(load.acknowledged)} acknowledged, {found} in the database; lost {missing}, "
                f"duplicated {twice}, still unanswered {len(load.unanswered_keys)}, "
                f"unexpected answers {len(load.unexpected)}"
            )
            for problem in problems + load.unexpected[:5]:
                print("  " + problem)

            db_pid = database_pid(shop.pid)
            stopping = time.monotonic()
            shop.send_signal(signal.SIGTERM)
            shop.wait(30)
            app_gone = time.monotonic() - stopping
            while alive(db_pid) and time.monotonic() - stopping < 30:
                time.sleep(0.05)
            print(
                f"SIGTERM: app gone in {app_gone:.1f} s (exit {shop.returncode}), "
                f"database gone in {time.monotonic() - stopping:.1f} s"
            )
            worst = max(r["health"] for r in results)
            ok = not missing and not twice and not load.unexpected and worst < 10
            print(f"worst recovery {worst:.1f} s (target < 10 s): {'PASS' if ok else 'FAIL'}")
            return 0 if ok else 1
        finally:
            if shop.poll() is None:
                shop.kill()
                shop.wait()
            if shop.returncode not in (0, 143, -15):
                print(log_path.read_text()[-3000:])


if __name__ == "__main__":
    raise SystemExit(main())
