"""``AZURE``: a container and prefix of Azure Blob Storage, with the account's name and key
(``MODELYARD_AZURE_ENDPOINT_URL``, ``{account}`` filled in, points at Azurite)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from modelyard.core.data.datasources.kinds.base import Endpoints, Entry, Location, Param
from modelyard.core.data.datasources.kinds.common import (
    batches,
    bucket_and_prefix,
    modified_seconds,
    require_values,
    split_bucket_path,
)
from modelyard.core.data.datasources.schemas import DatasourceSettings


class AzureKind:
    type = "AZURE"
    params: tuple[Param, ...] = (
        Param("account_name", "accountName"),
        Param("account_key", "accountKey", secret=True),
    )

    def check(self, settings: DatasourceSettings) -> DatasourceSettings:
        path = split_bucket_path(settings.full_path.strip(), ("azure", "az", "abfs"))
        return DatasourceSettings(
            type=self.type, full_path=f"azure://{path}", thumb_suffix=settings.thumb_suffix,
            values=require_values(settings, self.params),
        )  # fmt: skip

    def open(self, full_path: str, values: Mapping[str, str], endpoints: Endpoints) -> Location:
        from adlfs import AzureBlobFileSystem  # imported on use: the Azure SDK is heavy

        name, key = values["account_name"], values["account_key"]
        if endpoints.azure:
            endpoint = endpoints.azure.replace("{account}", name)
            scheme = endpoint.split("://", 1)[0]
            connection = (
                f"DefaultEndpointsProtocol={scheme};AccountName={name};AccountKey={key};"
                f"BlobEndpoint={endpoint};"
            )
            fs = AzureBlobFileSystem(connection_string=connection, skip_instance_cache=True)
        else:
            fs = AzureBlobFileSystem(account_name=name, account_key=key, skip_instance_cache=True)
        root = split_bucket_path(full_path, ("azure", "az", "abfs"))
        return Location(fs, root, root.split("/", 1)[0], (key,))

    def read_urls(self, location: Location, names: list[str], expires: int) -> list[str | None]:
        fs = location.fs
        return [fs.sign(location.path_of(name), expiration=expires) for name in names]

    def entries(self, location: Location, after: str) -> Iterator[Entry]:
        """List Blobs from ``startFrom`` (inclusive, the SDK's ``start_from``; a store that does
        not know it, such as Azurite, lists from the start and the caller skips what is not
        after the cursor), then by continuation marker."""
        from fsspec.asyn import sync

        fs = location.fs
        container, prefix = bucket_and_prefix(location.root)

        async def call(token: str | None, size: int) -> tuple[list[Entry], str | None]:
            client = fs.service_client.get_container_client(container)
            start: dict[str, Any] = {"start_from": prefix + after} if after and not token else {}
            pages = client.list_blobs(
                name_starts_with=prefix or None, results_per_page=size, **start
            ).by_page(continuation_token=token)
            found = [
                Entry(blob.name[len(prefix) :], modified_seconds(blob.last_modified), blob.size)
                async for blob in await pages.__anext__()
                if not blob.name.endswith("/")
            ]
            return found, pages.continuation_token or None

        def fetch(token: str | None, size: int) -> tuple[list[Entry], str | None]:
            result: tuple[list[Entry], str | None] = sync(fs.loop, call, token, size)
            return result

        return batches(fetch)
