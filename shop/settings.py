"""One settings object for the whole shop, read from the environment and `.env`.

It lives in shop/ (the lowest layer that needs configuration) so that app/, agent/ and tools/ can all
read it without any layer importing upward.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    shop_name: str = "AI Shop"
    shop_tagline: str = "Specialty coffee, fine tea, pantry treats and gentle creams."
    base_url: str = "http://127.0.0.1:8000"
    currency: str = "USD"
    currency_symbol: str = "$"
    owner_email: str = "owner@example.com"
    mail_from: str = "AI Shop <shop@example.com>"

    # MongoDB: unset means "start the embedded SecantusDB under data_dir".
    mongodb_uri: str | None = None
    mongodb_db: str = "aishop"
    embedded_db_port: int = 27018

    host: str = "127.0.0.1"
    port: int = 8000
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
    def embedded_db_dir(self) -> Path:
        return self.data_dir / "db"


@lru_cache
def get_settings() -> Settings:
    return Settings()
