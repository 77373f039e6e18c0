"""Datasources: the flat wire configuration ↔ core settings (secrets go in, never out)."""

from __future__ import annotations

from typing import Any

from modelyard.api.lightly.protocol.datasources import (
    DatasourceConfigBody,
    DatasourceConfigVerifyData,
    DatasourceRawSamplesData,
)
from modelyard.core.data.datasources.schemas import (
    DatasourceRead,
    DatasourceSettings,
    RawSamplesPage,
    VerifyResult,
)

WIRE_NAMES = {
    "region": ("s3_region", "s3Region"),
    "access_key_id": ("s3_access_key_id", "s3AccessKeyId"),
    "secret_access_key": ("s3_secret_access_key", "s3SecretAccessKey"),
    "project_id": ("gcs_project_id", "gcsProjectId"),
    "credentials": ("gcs_credentials", "gcsCredentials"),
    "account_name": ("account_name", "accountName"),
    "account_key": ("account_key", "accountKey"),
}
"""Core name → (attribute of the wire body, key on the wire)."""


def datasource_settings(body: DatasourceConfigBody) -> DatasourceSettings:
    values = {
        core: value
        for core, (attribute, _) in WIRE_NAMES.items()
        if (value := getattr(body, attribute)) is not None
    }
    return DatasourceSettings(
        type=body.type, full_path=body.full_path, thumb_suffix=body.thumb_suffix, values=values
    )


def datasource_config(datasource: DatasourceRead) -> dict[str, Any]:
    """The stored configuration without secrets (the service never hands them out)."""
    config: dict[str, Any] = {"type": datasource.type, "fullPath": datasource.full_path}
    if datasource.thumb_suffix is not None:
        config["thumbSuffix"] = datasource.thumb_suffix
    for core, value in datasource.values.items():
        if core in WIRE_NAMES:
            config[WIRE_NAMES[core][1]] = value
    return config


def verify_data(result: VerifyResult) -> DatasourceConfigVerifyData:
    return DatasourceConfigVerifyData.model_validate(result, from_attributes=True)


def raw_samples(page: RawSamplesPage) -> DatasourceRawSamplesData:
    return DatasourceRawSamplesData.model_validate(page, from_attributes=True)
