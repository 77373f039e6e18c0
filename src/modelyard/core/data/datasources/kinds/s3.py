"""``S3``: a bucket and prefix of Amazon S3 or any S3-compatible store (the endpoint comes from
the settings: ``MODELYARD_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
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


@lru_cache(maxsize=64)
def _filesystem(key: str, secret: str, endpoint: str | None, region: str) -> Any:
    """One filesystem per set of credentials, kept: a new one costs a new botocore session and
    client (about 100 ms, more than a page), and it holds no listing cache to go stale."""
    from s3fs import S3FileSystem  # imported on use: aiobotocore is heavy

    return S3FileSystem(
        key=key,
        secret=secret,
        endpoint_url=endpoint,
        client_kwargs={"region_name": region},
        config_kwargs={
            "connect_timeout": CONNECT_TIMEOUT,
            "read_timeout": 30,
            "retries": {"max_attempts": 2, "mode": "standard"},
        },
        skip_instance_cache=True,
        use_listings_cache=False,
    )


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
        fs = _filesystem(
            values["access_key_id"], values["secret_access_key"], endpoints.s3, values["region"]
        )
        root = split_bucket_path(full_path, ("s3",))
        secrets = (values["secret_access_key"],)
        return Location(fs, root, root.split("/", 1)[0], secrets)

    def read_urls(self, location: Location, names: list[str], expires: int) -> list[str | None]:
        """Presigned like ``S3FileSystem.sign``, all in one trip to its event loop (one trip
        each costs more than the signing)."""
        from fsspec.asyn import sync

        fs = location.fs
        bucket, prefix = bucket_and_prefix(location.root)

        async def sign() -> list[str | None]:
            await fs.set_session()
            client = await fs.get_s3(bucket)
            return [
                await client.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": prefix + name},
                    ExpiresIn=expires,
                )
                for name in names
            ]  # fmt: skip

        signed: list[str | None] = sync(fs.loop, sign)
        return signed

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
