"""Datasource configurations (flat, one body for every type), verify, listing, progress."""

from __future__ import annotations

from pydantic import ConfigDict, Field, StrictInt

from modelyard.api.lightly.protocol.common import Wire


class DatasourceConfigBody(Wire):
    """What ``update_datasource_by_dataset_id`` sends: the type's fields, the others absent."""

    model_config = ConfigDict(extra="ignore")

    type: str
    full_path: str = ""
    thumb_suffix: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    gcs_project_id: str | None = None
    gcs_credentials: str | None = None
    account_name: str | None = None
    account_key: str | None = None


class DatasourceConfigVerifyData(Wire):
    """1.2.2 reads canRead/canWrite/canList and ignores the rest; later clients know all."""

    can_read: bool
    can_write: bool
    can_list: bool
    can_overwrite: bool
    errors: dict[str, str] = Field(default_factory=dict)


class DatasourceRawSamplesDataRow(Wire):
    file_name: str
    read_url: str


class DatasourceRawSamplesData(Wire):
    has_more: bool
    cursor: str
    data: list[DatasourceRawSamplesDataRow]


class DatasourceProcessedUntilTimestamp(Wire):
    """Request and response alike: integer Unix seconds (0: never processed)."""

    processed_until_timestamp: StrictInt
