"""``aws_s3``: blobs written as objects to a bucket of Amazon S3 or any S3-compatible store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from modelyard.core.data.connectors.kinds.base import (
    CONNECT_TIMEOUT,
    BlobFile,
    ConnectorError,
    Param,
    Target,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

FAILURES = (BotoCoreError, ClientError, Boto3Error, OSError)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "error"), error.get("Message", "")
        return f"S3 answered {code}" + (f": {message}" if message else "")
    return str(exc) or type(exc).__name__


class S3Kind:
    type = "aws_s3"
    input_type = "blob"
    description = "Amazon S3 or an S3-compatible object store (MinIO, Ceph, …)"
    credentials_params: tuple[Param, ...] = (
        Param("access_key", "Access key ID", "Access key ID", r"^\S{1,256}$", protected=True),
        Param(
            "secret_key",
            "Secret access key",
            "Secret access key",
            r"^\S{1,256}$",
            protected=True,
            input_field="password",
        ),
        Param("region", "Region", "Region of the bucket", r"^[a-z0-9-]{1,64}$", "us-east-1"),
        Param(
            "endpoint_url",
            "Endpoint URL",
            "URL of an S3-compatible service; empty for Amazon S3",
            r"^(https?://[^\s/]+(/\S*)?)?$",
            default="",
        ),
    )
    connector_params: tuple[Param, ...] = (
        Param(
            "bucket",
            "Bucket",
            "Bucket to write to",
            r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            hint="3 to 63 lowercase letters, digits, dots and dashes",
        ),
        Param(
            "path_prefix",
            "Path prefix",
            "Key prefix of the written objects (each lands at <prefix>/<blob id>/<file name>)",
            r"^[A-Za-z0-9!_.*'()/-]{0,512}$",
            default="",
        ),
    )

    def _client(self, credentials: Mapping[str, str]) -> S3Client:
        session = boto3.session.Session()
        config = Config(
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=60,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        return session.client(
            "s3",
            aws_access_key_id=credentials["access_key"],
            aws_secret_access_key=credentials["secret_key"],
            region_name=credentials["region"],
            endpoint_url=credentials.get("endpoint_url") or None,
            config=config,
        )

    def check_credentials(self, credentials: Mapping[str, str]) -> None:
        try:
            self._client(credentials).list_buckets()
        except FAILURES as exc:
            raise ConnectorError(_describe(exc)) from exc

    def check_target(self, target: Target) -> None:
        bucket = target.configuration["bucket"]
        try:
            self._client(target.credentials).head_bucket(Bucket=bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchBucket"):
                raise ConnectorError(f"bucket '{bucket}' does not exist") from exc
            raise ConnectorError(f"bucket '{bucket}': {_describe(exc)}") from exc
        except FAILURES as exc:
            raise ConnectorError(_describe(exc)) from exc

    def write(self, target: Target, items: Sequence[Any]) -> None:
        """Upload every file; if one fails, remove the ones already uploaded."""
        bucket = target.configuration["bucket"]
        prefix = target.configuration.get("path_prefix", "").strip("/")
        client = self._client(target.credentials)
        written: list[str] = []
        try:
            for item in items:
                assert isinstance(item, BlobFile)
                key = f"{prefix}/{item.key}" if prefix else item.key
                client.upload_file(str(item.path), bucket, key)
                written.append(key)
        except FAILURES as exc:
            self._remove(client, bucket, written)
            raise ConnectorError(f"bucket '{bucket}': {_describe(exc)}") from exc

    @staticmethod
    def _remove(client: S3Client, bucket: str, keys: list[str]) -> None:
        for key in keys:
            try:
                client.delete_object(Bucket=bucket, Key=key)
            except FAILURES:
                continue
