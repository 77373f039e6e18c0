"""Helpers for the registry tests: the bearer header, records added as the framework's
multipart form, and ndjson streams read back."""

from __future__ import annotations

import json
import uuid
from typing import Any

BASE = "/api/models"


Client = Any
"""``httpx.Client`` or FastAPI's ``TestClient`` (built on a vendored httpx): duck-typed."""
Response = Any


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_model(client: Client, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"model_name": unique("model"), **fields}
    response = client.post(f"{BASE}/", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def record_form(timestamp: str, model_data: dict[str, Any], **fields: Any) -> dict[str, str]:
    form = {"timestamp": timestamp, "model_data": json.dumps(model_data)}
    for name, value in fields.items():
        form[name] = json.dumps(value) if isinstance(value, dict) else str(value)
    return form


def add_record(
    client: Client,
    headers: dict[str, str],
    model_id: str,
    form: dict[str, str],
    files: dict[str, Any] | None = None,
) -> Response:
    return client.post(f"{BASE}/id/{model_id}/records", data=form, files=files, headers=headers)


def add_records(
    client: Client, headers: dict[str, str], model_id: str, body: str | bytes
) -> Response:
    """A bulk add: ``body`` is ndjson, one record per line."""
    return client.post(
        f"{BASE}/id/{model_id}/records/bulk",
        content=body,
        headers={**headers, "Content-Type": "application/ndjson"},
    )


def lines(response: Response) -> list[dict[str, Any]]:
    """The objects of an ndjson body, one per line."""
    return [json.loads(line) for line in response.text.splitlines() if line]


def is_error_envelope(response: Response) -> bool:
    body = response.json()
    return set(body) == {"error", "error_description"} and all(
        isinstance(body[k], str) and body[k] for k in body
    )


def validation_keys(response: Response) -> list[str]:
    """The fields Litestar's 400 body names."""
    body = response.json()
    assert body["status_code"] == 400, body
    assert isinstance(body["detail"], str)
    return [item["key"] for item in body["extra"]]
