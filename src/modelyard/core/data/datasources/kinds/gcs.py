"""``GCS``: a bucket and prefix of Google Cloud Storage, with a service account's credentials
JSON (``MODELYARD_GCS_ENDPOINT_URL`` points at an emulator, which takes no credentials)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from urllib.parse import quote

from modelyard.core.data.datasources.errors import invalid_config
from modelyard.core.data.datasources.kinds.base import Endpoints, Entry, Location, Param
from modelyard.core.data.datasources.kinds.common import (
    batches,
    bucket_and_prefix,
    modified_seconds,
    require_values,
    split_bucket_path,
)
from modelyard.core.data.datasources.schemas import DatasourceSettings


class GCSKind:
    type = "GCS"
    params: tuple[Param, ...] = (
        Param("project_id", "gcsProjectId"),
        Param("credentials", "gcsCredentials", secret=True),
    )

    def check(self, settings: DatasourceSettings) -> DatasourceSettings:
        path = split_bucket_path(settings.full_path.strip(), ("gs", "gcs"))
        values = require_values(settings, self.params)
        try:
            parsed = json.loads(values["credentials"])
        except ValueError:
            raise invalid_config("gcsCredentials", "must be a JSON document") from None
        if not isinstance(parsed, dict):
            raise invalid_config("gcsCredentials", "must be a JSON object (a key file)")
        return DatasourceSettings(
            type=self.type, full_path=f"gs://{path}", thumb_suffix=settings.thumb_suffix,
            values=values,
        )  # fmt: skip

    def open(self, full_path: str, values: Mapping[str, str], endpoints: Endpoints) -> Location:
        # imported on use (google-auth is heavy); the plain class: the gRPC-probing default stalls
        from gcsfs.core import GCSFileSystem

        token: object = "anon" if endpoints.gcs else json.loads(values["credentials"])
        fs = GCSFileSystem(
            project=values["project_id"],
            token=token,
            endpoint_url=endpoints.gcs,
            skip_instance_cache=True,
            use_listings_cache=False,
            retries=1,
        )
        root = split_bucket_path(full_path, ("gs", "gcs"))
        parsed = json.loads(values["credentials"])
        secrets = (values["credentials"], str(parsed.get("private_key", "")))
        return Location(fs, root, root.split("/", 1)[0], secrets)

    def read_urls(self, location: Location, names: list[str], expires: int) -> list[str | None]:
        return [self._read_url(location, name, expires) for name in names]

    def _read_url(self, location: Location, file_name: str, expires: int) -> str:
        path = location.path_of(file_name)
        fs = location.fs
        if fs._endpoint != "https://storage.googleapis.com":
            bucket, key = path.split("/", 1)
            return (
                f"{fs._endpoint}/download/storage/v1/b/{bucket}/o/{quote(key, safe='')}?alt=media"
            )
        url: str = fs.sign(path, expiration=expires)
        return url

    def entries(self, location: Location, after: str) -> Iterator[Entry]:
        """``objects.list`` from ``startOffset`` (inclusive: the cursor's own name is skipped by
        the caller), then by page token."""
        bucket, prefix = bucket_and_prefix(location.root)

        def fetch(token: str | None, size: int) -> tuple[list[Entry], str | None]:
            answer = location.fs.call(
                "GET", "b/{}/o", bucket, json_out=True, prefix=prefix or None,
                startOffset=prefix + after if after and token is None else None,
                maxResults=size, pageToken=token,
            )  # fmt: skip
            found = [
                Entry(item["name"][len(prefix) :], modified_seconds(item.get("updated")),
                      int(item.get("size", 0)))
                for item in answer.get("items", [])
                if not item["name"].endswith("/")
            ]  # fmt: skip
            return found, answer.get("nextPageToken") or None

        return batches(fetch)
