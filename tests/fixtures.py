"""Every shared test fixture, in one pytest plugin registered by tests/conftest.py.

One real SecantusDB server per test session and a fresh database per test: no mocks of our storage,
every test talks MongoDB's wire protocol to a real server through pymongo. On top of that database:
the settings, services and app clients, a signed-in owner, the agent tests' small catalog and
scripted agents, the discovery tests' small shop with the real MiniLM model (loaded once per session)
and a real Chroma, the agent bench's demo catalog, a live server with headless Chromium, and the local
LLM server for the `llm` tests.

Plain helpers that are not fixtures (make_product, login, Chat, ScriptedChatModel, http_stub...) live
in tests/support/ and are imported from there. The agent and the app are imported inside the
fixtures that need them: LangChain costs ~3.5 s to import, which `pytest tests/shop` should not pay.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pymongo import MongoClient
from pymongo.database import Database

from app.embedded_mongo import EmbeddedMongo, free_port
from demo.seed import demo_categories
from shop.backoffice.owners import create_owner
from shop.catalog.categories import save_categories
from shop.catalog.snapshot import Catalog
from shop.conversations.store import Conversation, new_key
from shop.core.db import connect, database, ensure_indexes
from shop.core.settings import Settings
from shop.discovery.hybrid import HybridSearch
from shop.discovery.index_sync import ProductIndex
from shop.services import ShopServices
from tests.support.admin_login import OWNER_EMAIL, OWNER_PASSWORD, OwnerAccount, login, session_csrf
from tests.support.chat import Chat
from tests.support.databases import drop_test_database
from tests.support.live_server import serving
from tests.support.products import make_product
from tests.support.small_shop import SHOP
from tools.context import ToolContext
from vectorstore import LocalSentenceEmbedding, ProductVectorStore

if TYPE_CHECKING:
    from agent.service import ChatAgent
    from bench.agent_eval.catalog import CatalogView
    from tests.support.scripted_model import ScriptedChatModel

ROOT = Path(__file__).resolve().parents[1]

# --- the database --------------------------------------------------------------------------------

_db_names = itertools.count()
# A test shop sells what the demo shop sells, in its categories (a test of another kind of shop
# replaces them: tests/app/test_other_kind_of_shop.py).
DEMO_CATEGORIES = demo_categories()


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashes() -> Iterator[None]:
    """Owner passwords hashed with argon2 at its lowest cost (1 pass over 1 MiB) instead of the
    shop's (3 passes over 64 MiB, ~0.15 s a hash on 2 cores): every signed-in test hashes once and
    verifies once, ~0.3 s each, ~1.5 min of the suite. The same argon2 code runs; the unknown-email
    dummy hash is rebuilt with it so both login paths still cost the same. As Django's test settings do."""
    from argon2 import PasswordHasher

    from shop.backoffice import owners

    shop_hasher, shop_dummy = owners._hasher, owners._DUMMY_HASH
    owners._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    owners._DUMMY_HASH = owners._hasher.hash("not a password")
    yield
    owners._hasher, owners._DUMMY_HASH = shop_hasher, shop_dummy


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedMongo]:
    server = EmbeddedMongo(tmp_path_factory.mktemp("secantus") / "db")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_server: EmbeddedMongo) -> Iterator[MongoClient]:
    client = connect(mongo_server.uri, maxPoolSize=100)
    yield client
    client.close()


@pytest.fixture
def db(mongo_client: MongoClient) -> Iterator[Database]:
    name = f"test_{os.getpid()}_{next(_db_names)}"
    test_db = database(mongo_client, name)
    save_categories(test_db, DEMO_CATEGORIES)
    yield test_db
    drop_test_database(mongo_client, name)


# --- the shop and its app ------------------------------------------------------------------------


@pytest.fixture
def settings(mongo_server: EmbeddedMongo, tmp_path: Path, db: Database) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_uri=mongo_server.uri,
        mongodb_db=db.name,
        data_dir=tmp_path / "var",
        seed_demo=False,
        catalog_refresh_seconds=0,
        # Tests place many orders and reviews from one client in a second; the limits' own tests
        # (tests/app/test_limits.py) turn them on with low values.
        rate_limits=False,
    )


@pytest.fixture
def services(db: Database, settings: Settings) -> Iterator[ShopServices]:
    built = ShopServices.build(db, settings, background_mail=False)
    yield built
    built.close()


@pytest.fixture
def client(services: ShopServices, settings: Settings) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


@pytest.fixture
def owner(db: Database) -> OwnerAccount:
    """An owner account with a known password."""
    return OwnerAccount(create_owner(db, OWNER_EMAIL, OWNER_PASSWORD), OWNER_EMAIL, OWNER_PASSWORD)


@pytest.fixture
def owner_client(services: ShopServices, settings: Settings, owner: OwnerAccount) -> Iterator[TestClient]:
    """A second client (its own cookies) signed in as the owner; `owner_client.csrf` holds the token."""
    from app.main import create_app

    with TestClient(create_app(settings, services)) as test_client:
        response = login(test_client, owner.email, owner.password)
        assert response.status_code == 303, response.text
        test_client.csrf = session_csrf(services.db, test_client)  # type: ignore[attr-defined]
        yield test_client


# --- products ------------------------------------------------------------------------------------


@pytest.fixture
def product_factory(db: Database) -> Any:
    def factory(**overrides: Any) -> dict[str, Any]:
        return make_product(db, **overrides)

    return factory


@pytest.fixture
def items(product_factory: Any) -> dict[str, dict[str, Any]]:
    """Six products across the shelves; chamomile is sold out, the hand cream nearly."""
    specs = {
        "yirga": ("Ethiopia Yirgacheffe", "coffee", "14.50", 12, "Floral light roast with jasmine and bergamot."),
        "espresso": ("House Espresso Roast", "coffee", "14.95", 30, "A chocolatey medium-dark espresso blend."),
        "earl": ("Earl Grey Supreme", "tea", "9.50", 20, "Black tea with bergamot oil and blue cornflowers."),
        "chamomile": ("Chamomile Dream", "tea", "7.25", 0, "Caffeine-free chamomile flowers for calm evenings."),
        "honey": ("Wildflower Honey", "food", "10.50", 15, "Runny wildflower honey from small beekeepers."),
        "cream": ("Rose Hand Cream", "beauty", "18.00", 3, "A rich hand cream with rose oil and shea butter."),
    }
    out = {}
    for key, (name, category, price, stock, description) in specs.items():
        slug = name.lower().replace(" ", "-")
        out[key] = product_factory(
            name=name,
            slug=slug,
            category=category,
            price=Decimal(price),
            stock=stock,
            description=description,
            tags=[category],
            attributes={},
        )
    return out


# --- search: the small shop, the real embedding model and a real Chroma ---------------------------


@pytest.fixture(scope="session")
def embedding() -> LocalSentenceEmbedding:
    """The real MiniLM model, loaded once for the whole session (a few seconds each time otherwise)."""
    return LocalSentenceEmbedding()


@pytest.fixture
def store(tmp_path: Path, embedding: LocalSentenceEmbedding) -> ProductVectorStore:
    return ProductVectorStore(tmp_path / "chroma", embedding=embedding)


@pytest.fixture
def catalog(services: ShopServices) -> Catalog:
    return services.catalog


@pytest.fixture
def index(store: ProductVectorStore) -> ProductIndex:
    return ProductIndex(store)


@pytest.fixture
def search(store: ProductVectorStore) -> HybridSearch:
    return HybridSearch(store)


@pytest.fixture
def small_shop(product_factory: Any) -> dict[str, dict[str, Any]]:
    """The eight products of tests/support/small_shop.py, by slug."""
    return {spec["slug"]: product_factory(**spec) for spec in SHOP}


@pytest.fixture
def indexed(small_shop: dict[str, dict[str, Any]], catalog: Catalog, index: ProductIndex) -> dict[str, str]:
    """The small shop, indexed; returns slug -> product id."""
    index.sync(catalog)
    return {slug: str(doc["_id"]) for slug, doc in small_shop.items()}


# --- the agent and its tools ---------------------------------------------------------------------


@pytest.fixture
def make_agent(services: ShopServices) -> Callable[..., tuple[ChatAgent, ScriptedChatModel]]:
    """ChatAgents driven by a scripted model: the real graph, tools and database around it."""
    from agent.service import ChatAgent
    from tests.support.scripted_model import ScriptedChatModel

    def make(*script: Any, repeat_last: bool = False) -> tuple[ChatAgent, ScriptedChatModel]:
        model = ScriptedChatModel(script=list(script), repeat_last=repeat_last)
        return ChatAgent(services, model=model), model

    return make


@pytest.fixture
def chat() -> Callable[..., Chat]:
    return Chat


@pytest.fixture
def make_ctx(services: ShopServices) -> Callable[..., ToolContext]:
    """A ToolContext like the agent builds for a conversation, for calling tools directly."""

    def make(role: str = "customer") -> ToolContext:
        key = new_key()
        conversation = Conversation(key=key, role=role, channel="web", cart_id=key)  # type: ignore[arg-type]
        return ToolContext(services, role, conversation, cart_id=key if role == "customer" else None)  # type: ignore[arg-type]

    return make


@pytest.fixture
def ctx(make_ctx: Callable[..., ToolContext]) -> ToolContext:
    return make_ctx()


# --- the agent bench ------------------------------------------------------------------------------

_bench_names = itertools.count()


@pytest.fixture(scope="module")
def demo_catalog(mongo_client: MongoClient) -> Iterator[Catalog]:
    """The demo catalog (160 products, the demo's categories) as the shop's Catalog service reads it
    from a real database, seeded once per test module (seeding per test cost 3-5 s each on a busy
    machine). Read it, do not change it."""
    from tests.support.transcripts import seed_catalog

    bench_db = database(mongo_client, f"bench_eval_{os.getpid()}_{next(_bench_names)}")
    ensure_indexes(bench_db)
    save_categories(bench_db, DEMO_CATEGORIES)
    seed_catalog(bench_db)
    try:
        yield Catalog(bench_db, refresh_seconds=0)
    finally:
        drop_test_database(mongo_client, bench_db.name)


@pytest.fixture(scope="module")
def demo_view(demo_catalog: Catalog) -> CatalogView:
    """The demo catalog as the agent bench reads it."""
    from bench.agent_eval.catalog import CatalogView

    return CatalogView(demo_catalog.all())


# --- the local LLM (tests marked llm) ------------------------------------------------------------

# Shared with `make run` on purpose: the 1.1 GB join happens once per checkout, not once per test run.
MODEL_DIR = Path(os.environ.get("LOCAL_LLM_MODEL_DIR", ROOT / "var" / "models"))


@pytest.fixture(scope="module")
def model_path() -> Path:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (compiled at install time)")
    from agent.local_llm.model import ensure_model

    return ensure_model(MODEL_DIR)


@pytest.fixture(scope="module")
def base_url(model_path: Path) -> Iterator[str]:
    """`python -m agent.local_llm` on a free port for the tests marked llm, stopped afterwards."""
    port = free_port()
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    cmd = [sys.executable, "-m", "agent.local_llm", "--model-dir", str(MODEL_DIR), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"server exited with {proc.returncode}"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("local LLM server did not come up in 180 s")
        yield f"{url}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- a live server and Debian's headless Chromium (tests marked browser) -------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(services: ShopServices, settings: Settings) -> Iterator[str]:
    from app.main import create_app

    with serving(create_app(settings, services)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright's sync API keeps an event loop running while it is
    open, which would break later tests that call asyncio.run() if it lived for the whole session."""
    if CHROMIUM is None:
        pytest.fail("Debian's chromium is not installed; `make test` installs it (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
