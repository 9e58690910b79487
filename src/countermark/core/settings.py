"""One settings object, read from COUNTERMARK_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from countermark.core.marking import TLP_LEVELS  # noqa: F401  (re-exported for settings readers)


class Settings(BaseSettings):
    """Runtime configuration; every field is one COUNTERMARK_<NAME> environment variable."""

    model_config = SettingsConfigDict(env_prefix="COUNTERMARK_", extra="ignore")

    data_dir: Path = Field(
        default=Path("countermark-data"),
        description="Directory for the embedded database, blobs, the synthetic world and reports.",
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
    default_tlp: str = Field(
        default="AMBER",
        description="TLP 2.0 marking given to ingested records when the command names none.",
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


def settings_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else str(field.default)
        rows.append((f"COUNTERMARK_{name.upper()}", default, field.description or ""))
    return rows
