"""`python -m app init`: write the .env of a new shop (a clone for another client).

Why a command and not "copy .env.example": a second shop on the same machine must differ from the
first in exactly the things that would otherwise collide (database name, data folder, the two
ports) and in what makes it another business (name, owner email). Getting one of those wrong
silently mixes two clients' orders, so the command picks free ports, refuses to reuse a data folder
that holds another shop's database, and never overwrites an existing .env without --force.

The file is built from .env.example so every setting keeps its comment; secrets (API keys) are left
blank for the operator to fill in.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.embedded_mongo import port_in_use
from shop.core.settings import PROJECT_ROOT
from shop.core.text import slugify

EXAMPLE = PROJECT_ROOT / ".env.example"
_LINE = re.compile(r"^(?P<key>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SECRETS = ("RESEND_API_KEY", "CLOUDINARY_URL", "OPENAI_API_KEY", "MONGODB_URI")
"""Left blank in a new .env: a clone must never inherit the first shop's keys or database."""

EXTRA_SECTION = """
# --- Owner jobs and backups (added by `python -m app init`) --------------------------------
# Forecasts refresh when the last run is older than this (hours).
FORECAST_INTERVAL_HOURS={forecast_interval_hours}
# Timezone of calendar days in sales analytics (IANA name, e.g. Europe/Berlin).
SHOP_TIMEZONE={shop_timezone}
# Scheduled backups: every BACKUP_INTERVAL_HOURS (0 = off) into BACKUP_DIR, keeping BACKUP_KEEP.
BACKUP_DIR=
BACKUP_KEEP={backup_keep}
BACKUP_INTERVAL_HOURS={backup_interval_hours}
"""


class InitError(RuntimeError):
    pass


@dataclass
class ShopConfig:
    shop_name: str
    mongodb_db: str
    owner_email: str
    port: int
    embedded_db_port: int
    data_dir: str
    seed_demo: bool = False
    shop_timezone: str = "UTC"
    backup_keep: int = 7
    backup_interval_hours: float = 24
    forecast_interval_hours: float = 24

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def values(self) -> dict[str, str]:
        """Setting name -> value as written in the .env."""
        return {
            "SHOP_NAME": _quote(self.shop_name),
            "OWNER_EMAIL": self.owner_email,
            "MAIL_FROM": _quote(f"{self.shop_name} <{self.owner_email}>"),
            "BASE_URL": self.base_url,
            "PORT": str(self.port),
            "MONGODB_DB": self.mongodb_db,
            "EMBEDDED_DB_PORT": str(self.embedded_db_port),
            "DATA_DIR": self.data_dir,
            "SEED_DEMO": "true" if self.seed_demo else "false",
            "SHOP_TIMEZONE": self.shop_timezone,
            "BACKUP_KEEP": str(self.backup_keep),
            "BACKUP_INTERVAL_HOURS": _number(self.backup_interval_hours),
            "FORECAST_INTERVAL_HOURS": _number(self.forecast_interval_hours),
            **dict.fromkeys(SECRETS, ""),
        }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def slugify_db(name: str) -> str:
    """A MongoDB database name from a shop name: "Green Leaf Tea" -> "green_leaf_tea"."""
    return slugify(name, separator="_", max_length=38) or "shop"


def free_port_from(start: int, taken: set[int] | None = None) -> int:
    """The first port at or after `start` that nothing listens on (and not in `taken`)."""
    port = start
    while port in (taken or set()) or port_in_use(port):
        port += 1
        if port > 65535:
            raise InitError(f"No free port at or above {start}.")
    return port


def validate(config: ShopConfig) -> None:
    if not config.shop_name.strip():
        raise InitError("The shop needs a name.")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,38}", config.mongodb_db):
        raise InitError("The database name may use letters, digits, _ and - (at most 38 characters).")
    if not _EMAIL.match(config.owner_email):
        raise InitError(f"{config.owner_email!r} is not an email address.")
    for label, port in (("PORT", config.port), ("EMBEDDED_DB_PORT", config.embedded_db_port)):
        if not 1024 <= port <= 65535:
            raise InitError(f"{label} must be between 1024 and 65535.")
    if config.port == config.embedded_db_port:
        raise InitError("The web port and the database port must differ.")


def render_env(config: ShopConfig, template: str | None = None) -> str:
    """The new .env: .env.example with our values filled in, plus the settings it lacks."""
    validate(config)
    values = config.values()
    text = template if template is not None else EXAMPLE.read_text(encoding="utf-8")
    seen: set[str] = set()
    lines = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match and match["key"] in values:
            key = match["key"]
            seen.add(key)
            line = f"{key}={values[key]}"
        lines.append(line)
    missing = {k for k in values if k not in seen}
    extra = {"FORECAST_INTERVAL_HOURS", "SHOP_TIMEZONE", "BACKUP_KEEP", "BACKUP_INTERVAL_HOURS"}
    body = "\n".join(lines).rstrip("\n") + "\n"
    if missing & extra:
        body += EXTRA_SECTION.format(
            forecast_interval_hours=values["FORECAST_INTERVAL_HOURS"],
            shop_timezone=values["SHOP_TIMEZONE"],
            backup_keep=values["BACKUP_KEEP"],
            backup_interval_hours=values["BACKUP_INTERVAL_HOURS"],
        )
        missing -= extra | {"BACKUP_DIR"}
    for key in sorted(missing):
        if values[key]:
            body += f"{key}={values[key]}\n"
    return body


def write_env(config: ShopConfig, path: Path, *, force: bool = False) -> Path | None:
    """Write the .env; an existing one is kept as .env.bak with --force, refused without.

    Returns the path of the kept copy, if any.
    """
    body = render_env(config)
    kept = None
    if path.exists():
        if not force:
            raise InitError(f"{path} already exists. Pass --force to replace it (the old one is kept as .env.bak).")
        kept = path.with_name(path.name + ".bak")
        shutil.copy2(path, kept)
    path.write_text(body, encoding="utf-8")
    path.chmod(0o600)  # it will hold API keys
    return kept


def check_data_dir(data_dir: Path, mongodb_db: str) -> str | None:
    """A warning when the data folder already holds a database (another shop's data, or this one's)."""
    db_dir = data_dir / "db"
    if db_dir.is_dir() and any(db_dir.iterdir()):
        return (
            f"{data_dir} already holds an embedded database. Two shops must not share a data folder; "
            "choose another --data-dir unless this is the same shop."
        )
    return None


def defaults(shop_name: str, project_dir: Path) -> ShopConfig:
    """Suggestions for a second shop beside the first: free ports, its own database and folder."""
    db = slugify_db(shop_name)
    port = free_port_from(8000)
    db_port = free_port_from(27018, {port})
    data_dir = "var" if port == 8000 and db_port == 27018 else f"var-{db}"
    return ShopConfig(
        shop_name=shop_name,
        mongodb_db=db,
        owner_email="",
        port=port,
        embedded_db_port=db_port,
        data_dir=data_dir,
    )


Ask = Callable[[str, str], str]


def interactive(config: ShopConfig, ask: Ask) -> ShopConfig:
    """Ask for each value with the suggestion as default (Enter keeps it)."""
    config.shop_name = ask("Shop name", config.shop_name).strip() or config.shop_name
    suggested_db = slugify_db(config.shop_name) if config.mongodb_db == "shop" else config.mongodb_db
    config.mongodb_db = ask("Database name", suggested_db).strip() or suggested_db
    config.owner_email = ask("Owner (admin) email", config.owner_email).strip() or config.owner_email
    config.port = int(ask("Web port", str(config.port)) or config.port)
    config.embedded_db_port = int(
        ask("Embedded database port", str(config.embedded_db_port)) or config.embedded_db_port
    )
    config.data_dir = ask("Data folder", config.data_dir).strip() or config.data_dir
    answer = ask("Seed the demo products? (y/N)", "y" if config.seed_demo else "n").strip().lower()
    config.seed_demo = answer.startswith("y")
    return config
