"""One settings object, read from COUNTERMARK_* environment variables; the home of every directory too.

Nothing else reads the environment or joins a path under the data directory: a setting or a folder is
added here, and `countermark settings` lists it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from countermark.core.marking import Tlp


class Settings(BaseSettings):
    """Runtime configuration; every field is one COUNTERMARK_<NAME> environment variable."""

    model_config = SettingsConfigDict(env_prefix="COUNTERMARK_", extra="ignore")

    data_dir: Path = Field(
        default=Path("countermark-data"),
        description="Embedded database, blobs, keys, indexes, the synthetic world and reports.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the relational store. Empty: SQLite at <data_dir>/countermark.db. "
            "Production: postgresql+psycopg://user@host:5432/dbname."
        ),
    )
    blob_dir: Path | None = Field(
        default=None,
        description="Directory of the content-addressed blob store. Empty: <data_dir>/blobs.",
    )
    default_tlp: Tlp = Field(
        default="AMBER",
        description=(
            "TLP 2.0 marking of what an organisation stores when neither the command, the request nor the "
            "organisation's own default names one (new organisations start with it)."
        ),
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis URL for the public routes' shared rate limits (needs the `redis` extra). "
            "Empty: counted in the database, shared by every worker on it."
        ),
    )
    rate_limit_pepper: str | None = Field(
        default=None,
        description=(
            "Secret for hashing client addresses in rate-limit counts. "
            "Empty: a random one made once in <data_dir>/keys/ratelimit.pepper."
        ),
    )
    tick_seconds: float = Field(
        default=300.0,
        description=(
            "Seconds between the server's runs of the case scheduler (`countermark cases tick`); "
            "0 disables it."
        ),
    )

    monitor_seconds: float = Field(
        default=0.0,
        description=(
            "Seconds between the server's runs of the due monitor sources (`countermark monitor run`), "
            "one at a time across server workers; 0 (the default) leaves crawling to the command line."
        ),
    )

    link_job_seconds: float = Field(
        default=5.0,
        description=(
            "Seconds between the server's looks for linking runs asked for through the API or the web; "
            "each is run by `countermark link run --job` in a process of its own. 0 leaves them queued."
        ),
    )

    link_auto_seconds: float = Field(
        default=3600.0,
        description=(
            "Seconds between the server's looks for organisations with records stored since their last "
            "linking run; each gets an incremental run (a job, as 'Add what is new'). 0 disables it."
        ),
    )

    @field_validator("tick_seconds", "monitor_seconds", "link_job_seconds", "link_auto_seconds")
    @classmethod
    def _no_negative_interval(cls, value: float) -> float:
        # NaN and negatives disable the scheduler, as 0 does.
        return value if value > 0 and value == value else 0.0

    def resolved_database_url(self) -> str:
        """The database URL in force, defaulting to the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'countermark.db').resolve()}"

    def resolved_blob_dir(self) -> Path:
        """The blob directory in force."""
        return self.blob_dir if self.blob_dir is not None else self.data_dir / "blobs"

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is the embedded SQLite database."""
        return self.resolved_database_url().startswith("sqlite")

    # Every directory under the data directory, named once.
    @property
    def keys_dir(self) -> Path:
        """Private signing keys of product codes, the scanner salt and the rate-limit pepper."""
        return self.data_dir / "keys"

    @property
    def ledger_dir(self) -> Path:
        """The ledger's checkpoint signing key (private and public)."""
        return self.data_dir / "ledger"

    @property
    def index_dir(self) -> Path:
        """Persisted fingerprint match indexes."""
        return self.data_dir / "indexes"

    @property
    def evidence_dir(self) -> Path:
        """Evidence packages written for export."""
        return self.data_dir / "evidence"

    @property
    def world_dir(self) -> Path:
        """The synthetic world the demo builds and ingests (its truth is kept apart inside it)."""
        return self.data_dir / "world"

    @property
    def kcs_dir(self) -> Path:
        """Ingestible files converted from the Korean customs data set."""
        return self.data_dir / "kcs"

    def directories(self) -> dict[str, Path]:
        """Every directory the settings name, for `countermark settings`."""
        return {
            "blobs": self.resolved_blob_dir(),
            "keys": self.keys_dir,
            "ledger": self.ledger_dir,
            "indexes": self.index_dir,
            "evidence": self.evidence_dir,
            "world": self.world_dir,
            "kcs": self.kcs_dir,
        }


def settings_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else str(field.default)
        rows.append((f"COUNTERMARK_{name.upper()}", default, field.description or ""))
    return rows
