"""The ``alchemite-apiclient==0.65.0`` client set up as its users do: a ``credentials.json``
with the host, client id and secret, read by ``extensions.Configuration``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import alchemite_apiclient as client
from alchemite_apiclient.extensions import Configuration

CLIENT_ID = "modelyard"


def write_credentials(path: Path, url: str, secret: str) -> Path:
    """The file a user writes: client credentials, ``insecure`` for plain http."""
    path.write_text(
        json.dumps(
            {
                "host": f"{url}/v0",
                "client_id": CLIENT_ID,
                "client_secret": secret,
                "grant_type": "client_credentials",
                "insecure": True,
            }
        )
    )
    return path


@dataclass
class Apis:
    models: client.ModelsApi
    datasets: client.ModelDatasetApi
    default: client.DefaultApi
    configuration: Configuration


@contextmanager
def apis_for(credentials: Path) -> Iterator[Apis]:
    configuration = Configuration()
    configuration.credentials = str(credentials)
    with client.ApiClient(configuration) as api_client:
        yield Apis(
            models=client.ModelsApi(api_client),
            datasets=client.ModelDatasetApi(api_client),
            default=client.DefaultApi(api_client),
            configuration=configuration,
        )


def error_of(exc: client.ApiException) -> dict[str, object]:
    body = json.loads(exc.body)
    assert set(body) >= {"status", "title", "detail", "type"}, body
    assert isinstance(body, dict)
    return body
