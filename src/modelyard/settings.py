"""Settings: the only reader of the environment (``MODELYARD_*``).

Built once at the edge (CLI, tests) and passed down; no module reads the environment at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything modelyard can be configured with."""

    model_config = SettingsConfigDict(env_prefix="MODELYARD_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".modelyard"), description="where SQLite and artifacts live"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite under data_dir when unset"
    )
    storage_url: str | None = Field(
        default=None,
        description="artifact store: a directory, file:// or s3://bucket/prefix "
        "(data_dir/artifacts when unset)",
    )
    environments_dir: Path | None = Field(
        default=None,
        description="where version environments are built; data_dir/environments when unset",
    )
    executor: str = Field(
        default="local",
        description="what runs model instances: local (in this process) or celery (on worker "
        "machines through RabbitMQ; needs PostgreSQL, an s3:// storage_url and broker_url)",
    )
    broker_url: str | None = Field(
        default=None, description="RabbitMQ URL of the celery executor (amqp://user:pass@host/)"
    )
    worker_heartbeat_seconds: float = Field(
        default=5.0,
        gt=0,
        description="how often `modelyard worker` heartbeats; one silent for three beats (and "
        "at least 10 s) is dead and its instances are placed elsewhere",
    )
    job_concurrency: int = Field(
        default=32,
        ge=0,
        description="queued jobs run at once per server (0: this server runs none, it only "
        "answers the API); most wait on a model's instances, which bound the model's own work",
    )
    heavy_job_concurrency: int = Field(
        default=2,
        ge=1,
        description="of those, how many may be jobs that work in the server process itself "
        "(dataset collation, tabular training)",
    )
    job_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how often a worker looks for queued jobs it was not told of (on PostgreSQL "
        "every server is told at once; on SQLite other processes find work at this poll)",
    )
    job_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="a claimed job returns to the queue if not renewed in this time",
    )
    secret_key: str | None = Field(
        default=None,
        description="Fernet key sealing secrets at rest; data_dir/secret.key when unset",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "s3_endpoint_url", "MODELYARD_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"
        ),
        description="S3-compatible endpoint for Lightly S3 datasources (Amazon S3 when unset)",
    )
    gcs_endpoint_url: str | None = Field(
        default=None, description="GCS-compatible endpoint for GCS datasources (an emulator)"
    )
    azure_endpoint_url: str | None = Field(
        default=None,
        description="Azure Blob endpoint for AZURE datasources, {account} filled in "
        "(https://{account}.blob.core.windows.net when unset)",
    )
    local_datasource_root: Path | None = Field(
        default=None,
        description="LOCAL datasources must lie under this directory (symlinks resolved); "
        "unset, there are no LOCAL datasources",
    )
    max_body_mb: int = Field(
        default=8,
        ge=1,
        description="largest request body but uploads (JSON requests, batches); also the limit "
        "of any request without credentials",
    )
    max_upload_mb: int = Field(
        default=4096,
        ge=1,
        description="largest upload body (packages, blobs, datasets, documents, record files)",
    )
    sandbox: Literal["on", "off"] = Field(
        default="on",
        description="run user code in a bubblewrap sandbox (off: plain subprocesses, a warning "
        "at start); without a sandbox on the machine only administrators may deploy code",
    )
    sandbox_processes: int = Field(default=256, ge=8, description="processes per instance uid")
    sandbox_open_files: int = Field(default=1024, ge=64, description="open files per instance")
    sandbox_disk_mb: int = Field(
        default=2048, ge=16, description="disk an instance may write (per file and in scratch)"
    )
    sandbox_uid_base: int = Field(
        default=3_000_000, ge=1000, description="instances of a root server run as uids from here"
    )
    admin_email: str = Field(default="admin@modelyard.local")
    open_signup: bool = Field(
        default=False, description="let anyone create a user with POST /user (else admins only)"
    )
    signin_session_seconds: int = Field(
        default=12 * 3600,
        ge=60,
        description="how long a session token from an email and password sign-in "
        "(UbiOps' POST /authorize) works",
    )
    signin_failures_per_email: int = Field(
        default=5, ge=1, description="failed sign-ins one email may have within the window"
    )
    signin_failures_per_address: int = Field(
        default=50,
        ge=1,
        description="failed sign-ins one client address may have within the window, any emails",
    )
    sqlite_lock_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        description="how long a SQLite write waits for another writer's lock before the request "
        "answers 503",
    )
    lookup_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description="how long a server keeps a token's principal, a granted access check, a "
        "direct request's target or a kept read's answer when no change signal reaches it "
        "(0: never kept)",
    )
    opentelemetry: bool = Field(
        default=False,
        description="FastAPI's own OpenTelemetry traces, metrics and logs, for a process with "
        "an OpenTelemetry SDK configured (off: no request pays for asking whether one is)",
    )
    direct_lane: bool = Field(
        default=True,
        description="answer GET /v2.1/status and direct requests whose target is cached "
        "without the framework's routing (api/ubiops/lane.py); off, every request is routed",
    )
    signin_window_seconds: int = Field(
        default=900, ge=1, description="how long a failed sign-in counts (in each server process)"
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL in effect: the configured one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelyard.db').resolve()}"

    @property
    def resolved_storage_url(self) -> str:
        """The artifact store in effect."""
        return self.storage_url or str((self.data_dir / "artifacts").resolve())

    @property
    def resolved_environments_dir(self) -> Path:
        """Where virtual environments of versions live (shared by versions alike)."""
        return (self.environments_dir or self.data_dir / "environments").resolve()

    def ensure_data_dir(self) -> Path:
        """Create the data directory if needed and return it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir
