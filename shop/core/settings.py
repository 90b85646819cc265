"""One settings object for the whole shop, read from the environment and `.env`.

It lives in shop/ (the lowest layer that needs configuration) so that app/, agent/ and tools/ can all
read it without any layer importing upward.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# A request limit: "COUNT/PERIOD", PERIOD in seconds or with a unit (s, m, h, d): "5/10m" (ops-limits).
RATE_PATTERN = r"^\s*\d{1,9}\s*/\s*\d{0,9}\s*[smhd]?\s*$"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    shop_name: str = "AI Shop"
    shop_tagline: str = "Specialty coffee, fine tea, pantry treats and gentle creams."
    base_url: str = "http://127.0.0.1:8000"
    currency: str = "USD"
    currency_symbol: str = "$"
    owner_email: str = "owner@example.com"
    mail_from: str = "AI Shop <shop@example.com>"
    # --- Returns (issue 14, RETURNS: shop/returns/) ---
    # Where customers send returns: printed on the return label (commas become line breaks).
    # Empty: the label shows the shop's name only, until the owner sets it.
    return_address: str = ""

    # MongoDB: unset means "start the embedded SecantusDB under data_dir".
    mongodb_uri: str | None = None
    mongodb_db: str = "aishop"
    embedded_db_port: int = 27018

    host: str = "127.0.0.1"
    port: int = 8000
    # Several processes (ops-scale): app processes `python -m app run` starts (uvicorn workers).
    web_concurrency: int = Field(default=1, ge=1, le=32)
    data_dir: Path = PROJECT_ROOT / "var"
    media_dir: Path | None = None

    # Set to true behind HTTPS so cookies are never sent in clear text.
    cookie_secure: bool = False

    # Providers: empty means the embedded default (outbox collection, local media folder).
    resend_api_key: SecretStr | None = None
    resend_base_url: str = "https://api.resend.com"
    cloudinary_url: SecretStr | None = None

    # Vector index: a Chroma server when set (http://host:8000), else a local folder under data_dir.
    chroma_url: str | None = None
    # Semantic search needs the embedding model (~90 MB in memory); off means keyword search only.
    semantic_search: bool = True

    # Demo data seeded on first start of an empty database.
    seed_demo: bool = True
    demo_products: int = Field(default=160, ge=1, le=20000)

    # How long a catalog snapshot may be served before checking the database for changes.
    catalog_refresh_seconds: float = Field(default=1.0, ge=0)
    low_stock_threshold: int = 5
    page_size: int = Field(default=24, ge=1, le=100)

    # Owner jobs run by the in-app scheduler (and by `python -m app forecast|backup`). A lock document
    # in MongoDB makes sure two processes serving the same shop never run one job twice.
    scheduler_enabled: bool = True
    forecast_interval_hours: float = Field(default=24, ge=0)
    # Timezone of the owner's calendar days in sales analytics (an IANA name such as Europe/Berlin).
    shop_timezone: str = "UTC"
    # Backups: archives go to backup_dir (default DATA_DIR/backups); the newest backup_keep are kept.
    # backup_interval_hours 0 turns the scheduled backup off (the CLI still works).
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1)
    backup_interval_hours: float = Field(default=24, ge=0)

    # Shopping assistant: any OpenAI-compatible endpoint. With neither OPENAI_API_KEY nor
    # OPENAI_BASE_URL set, the chat talks to the embedded local model on 127.0.0.1:LOCAL_LLM_PORT
    # (`python -m agent.local_llm`). OPENAI_MODEL defaults to that local model's name, or to
    # gpt-4o-mini when an API key is set.
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    local_llm_port: int = 8765
    # Seconds to wait for the model per call; a small local model needs a generous bound.
    chat_timeout_seconds: float = Field(default=180, gt=0)
    chat_max_tokens: int = Field(default=350, ge=32, le=4000)
    # Graph steps per turn (a model call and a tool call are one step each): the agent ends with a
    # polite answer instead of looping when a turn needs more.
    chat_max_steps: int = Field(default=10, ge=3, le=60)
    # Turns of chat history the model sees; older turns are folded into a short summary.
    chat_history_turns: int = Field(default=6, ge=1, le=50)
    # Chat turns answered at once; the others wait in a fair line (one place per conversation) and
    # are told their position. Unset: 1 for the embedded model (one process, one answer at a time),
    # 4 for a hosted endpoint, which serves requests in parallel.
    chat_concurrent_turns: int | None = Field(default=None, ge=1, le=64)
    # Shop policies (shipping, returns, payment, contact) the assistant answers from; the owner
    # edits these Markdown files. Default: docs/policies in the project.
    policies_dir: Path | None = None

    # --- Limits and access (ops-limits; shop/security/) --------------------------------------------
    # Request limits per visitor (the session cookie) and per client address, counted in MongoDB so
    # every app process shares them. Each is "COUNT/PERIOD" (PERIOD: seconds, or with s, m, h or d:
    # "5/10m" = 5 per 10 minutes); a COUNT of 0 turns that one limit off. RATE_LIMITS=false turns all
    # of them off (the sign-in lock of five failures per email and address, and IP blocks, stay on).
    rate_limits: bool = True
    limit_orders_per_visitor: str = Field(default="5/10m", pattern=RATE_PATTERN)
    limit_orders_per_ip: str = Field(default="20/1h", pattern=RATE_PATTERN)
    limit_chat_per_visitor: str = Field(default="30/10m", pattern=RATE_PATTERN)
    limit_chat_per_ip: str = Field(default="120/1h", pattern=RATE_PATTERN)
    limit_reviews_per_visitor: str = Field(default="5/1h", pattern=RATE_PATTERN)
    limit_reviews_per_ip: str = Field(default="10/1d", pattern=RATE_PATTERN)
    limit_contact_per_visitor: str = Field(default="3/1h", pattern=RATE_PATTERN)
    limit_contact_per_ip: str = Field(default="10/1d", pattern=RATE_PATTERN)
    limit_login_per_ip: str = Field(default="20/15m", pattern=RATE_PATTERN)
    limit_login_per_account: str = Field(default="50/15m", pattern=RATE_PATTERN)
    # Returns (issue 14): return requests, the order page's form and POST /api/orders/{id}/returns;
    # every attempt counts (a wrong email too), so the form cannot be used to try order numbers.
    limit_returns_per_visitor: str = Field(default="10/1h", pattern=RATE_PATTERN)
    limit_returns_per_ip: str = Field(default="30/1d", pattern=RATE_PATTERN)
    # Places one client address may hold at once in the chat's line for the model (waiting or being
    # answered); 0 = no cap. Each conversation holds at most one place anyway.
    chat_turns_per_ip: int = Field(default=2, ge=0, le=64)
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs, e.g.
    # "127.0.0.1,10.0.0.0/8"). Empty: the header is ignored and the client is the TCP peer.
    trusted_proxies: str = ""
    # Key of the visitor-id signatures. Empty: generated once and kept in the database (all processes
    # of the shop share it); set it to rotate the key (every visitor then gets a new id and cart).
    session_secret: SecretStr | None = None
    # Seconds an app process serves its copy of the admin's IP blocks before reading them again.
    ip_block_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # Monitoring (app/middleware/metrics.py, app/logs.py): /metrics answers loopback clients, and
    # others only with "Authorization: Bearer METRICS_TOKEN"; LOG_FORMAT json writes one JSON object
    # a line (for a log collector), text is for people.
    metrics_token: SecretStr | None = None
    log_format: Literal["text", "json"] = "text"

    # --- Payments (issue 14; shop/payments/) -------------------------------------------------------
    # Offline methods offered at checkout (comma-separated: bank_transfer, pay_on_delivery; empty =
    # none). They need no keys. Stripe is offered when STRIPE_SECRET_KEY is set, PayPal when
    # PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are; their webhooks need STRIPE_WEBHOOK_SECRET and
    # PAYPAL_WEBHOOK_ID. DEFAULT_PAYMENT_METHOD: what an order without a choice pays with (unset: the
    # first offline method, else the first provider).
    offline_payment_methods: str = Field(default="bank_transfer", pattern=r"^[a-z_, ]*$")
    default_payment_method: str | None = None
    # The shop's bank details, shown with every bank-transfer order (page and email); "\n" for lines.
    bank_transfer_details: str = ""
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_base_url: str = "https://api.stripe.com"
    paypal_client_id: str | None = None
    paypal_client_secret: SecretStr | None = None
    paypal_webhook_id: str | None = None
    # PayPal's sandbox until you switch to the live API (https://api-m.paypal.com) with live keys.
    paypal_base_url: str = "https://api-m.sandbox.paypal.com"
    # Unpaid card/PayPal orders give their stock back after this many minutes (cancelled, emailed).
    payment_release_minutes: float = Field(default=30, ge=1, le=60 * 24)
    # Unpaid bank-transfer orders: after this many days; 0 = never (the owner cancels by hand).
    bank_transfer_release_days: float = Field(default=14, ge=0, le=365)

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @property
    def chroma_location(self) -> str | Path:
        return self.chroma_url or self.data_dir / "chroma"

    @property
    def resolved_backup_dir(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @property
    def resolved_policies_dir(self) -> Path:
        return self.policies_dir or PROJECT_ROOT / "docs" / "policies"

    @property
    def chat_turn_slots(self) -> int:
        if self.chat_concurrent_turns is not None:
            return self.chat_concurrent_turns
        return 1 if self.llm_is_local else 4

    @property
    def llm_is_local(self) -> bool:
        return not (self.openai_api_key or self.openai_base_url)

    @property
    def llm_base_url(self) -> str | None:
        """None means the OpenAI default endpoint (an API key without a base URL)."""
        if self.openai_base_url:
            return self.openai_base_url
        return None if self.openai_api_key else f"http://127.0.0.1:{self.local_llm_port}/v1"

    @property
    def llm_model(self) -> str:
        if self.openai_model:
            return self.openai_model
        # A key means a hosted service (OpenAI's default model); no key means a local server.
        return "gpt-4o-mini" if self.openai_api_key else "qwen2.5-coder-1.5b-instruct"

    @property
    def embedded_db_dir(self) -> Path:
        return self.data_dir / "db"


@lru_cache
def get_settings() -> Settings:
    return Settings()
