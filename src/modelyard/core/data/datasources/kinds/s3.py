"""``S3``: a bucket and prefix of Amazon S3 or any S3-compatible store (the endpoint comes from
the settings: ``MODELYARD_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from modelyard.core.data.datasources.kinds.base import (
    CONNECT_TIMEOUT,
    Endpoints,
    Entry,
    Location,
    Param,
)
from modelyard.core.data.datasources.kinds.common import (
    batches,
    bucket_and_prefix,
    modified_seconds,
    require_values,
    split_bucket_path,
)
from modelyard.core.data.datasources.schemas import DatasourceSettings

S3_REGIONS = (
    "us-east-2", "us-east-1", "us-west-1", "us-west-2", "us-gov-west-1", "us-gov-east-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
    "cn-north-1", "cn-northwest-1", "ap-east-1", "ap-south-1", "ap-northeast-2",
    "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ca-central-1", "me-south-1",
)  # fmt: skip
"""The regions the Lightly 1.2.2 client accepts for ``s3Region``."""


class S3Kind:
    type = "S3"
    params: tuple[Param, ...] = (
        Param("region", "s3Region", choices=S3_REGIONS),
        Param("access_key_id", "s3AccessKeyId"),
        Param("secret_access_key", "s3SecretAccessKey", secret=True),
    )

    def check(self, settings: DatasourceSettings) -> DatasourceSettings:
        path = split_bucket_path(settings.full_path.strip(), ("s3",))
        return DatasourceSettings(
            type=self.type,
            full_path=f"s3://{path}",
            thumb_suffix=settings.thumb_suffix,
            values=require_values(settings, self.params),
        )

    def open(self, full_path: str, values: Mapping[str, str], endpoints: Endpoints) -> Location:
        from s3fs import S3FileSystem  # imported on use: aiobotocore is heavy

        fs = S3FileSystem(
            key=values["access_key_id"],
            secret=values["secret_access_key"],
            endpoint_url=endpoints.s3,
            client_kwargs={"region_name": values["region"]},
            config_kwargs={
                "connect_timeout": CONNECT_TIMEOUT,
                "read_timeout": 30,
                "retries": {"max_attempts": 2, "mode": "standard"},
            },
            skip_instance_cache=True,
            use_listings_cache=False,
        )
        root = split_bucket_path(full_path, ("s3",))
        secrets = (values["secret_access_key"],)
        return Location(fs, root, root.split("/", 1)[0], secrets)

    def read_url(self, location: Location, file_name: str, expires: int) -> str | None:
        url: str = location.fs.sign(location.path_of(file_name), expiration=expires)
        return url

    def entries(self, location: Location, after: str) -> Iterator[Entry]:
        """``ListObjectsV2`` from ``StartAfter`` the cursor's key, then by continuation token."""
        bucket, prefix = bucket_and_prefix(location.root)

        def fetch(token: str | None, size: int) -> tuple[list[Entry], str | None]:
            query: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": size}
            if token is not None:
                query["ContinuationToken"] = token
            elif after:
                query["StartAfter"] = prefix + after
            answer = location.fs.call_s3("list_objects_v2", **query)
            found = [
                Entry(item["Key"][len(prefix) :], modified_seconds(item["LastModified"]),
                      int(item["Size"]))
                for item in answer.get("Contents", [])
                if not item["Key"].endswith("/")
            ]  # fmt: skip
            more = answer.get("IsTruncated") and answer.get("NextContinuationToken")
            return found, more or None

        return batches(fetch)
