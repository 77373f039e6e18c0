"""Deploying no-op models to modelyard over its UbiOps v2.1 API, and timing what it does.

Plain HTTP (httpx), the calls the ``ubiops`` client makes, so the bench needs no client library.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from typing import Any

import httpx

NOOP_MODEL = """\
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return data
"""
POLL_SECONDS = 0.02
PROJECT = "default"


def package_zip(
    requirements: str | None = None,
    *,
    model: str = NOOP_MODEL,
    files: dict[str, bytes] | None = None,
) -> bytes:
    """A deployment package: ``model_package/model.py`` (the no-op unless ``model`` says
    otherwise), optional requirements and further files beside it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model_package/model.py", model)
        if requirements is not None:
            archive.writestr("model_package/requirements.txt", requirements)
        for name, content in (files or {}).items():
            archive.writestr(f"model_package/{name}", content)
    return buffer.getvalue()


@dataclass(frozen=True)
class Modelyard:
    """An authenticated client for one modelyard server's default project."""

    http: httpx.Client

    @classmethod
    def connect(cls, url: str, token: str) -> Modelyard:
        headers = {"Authorization": f"Token {token}"}
        return cls(httpx.Client(base_url=f"{url}/v2.1", headers=headers, timeout=120))

    def models_path(self, model: str = "") -> str:
        return f"/projects/{PROJECT}/models" + (f"/{model}" if model else "")

    def version_path(self, model: str) -> str:
        return f"{self.models_path(model)}/versions/v1"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call; raises with the body on an error status."""
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def create(
        self, model: str, *, minimum: int, maximum: int, language: str = "python3.8"
    ) -> None:
        """A plain-in, plain-out model with one version ``v1`` scaled as asked."""
        body = {"name": model, "input_type": "plain", "output_type": "plain"}
        self.call("POST", self.models_path(), json=body)
        version = {
            "version": "v1",
            "language": language,
            "minimum_instances": minimum,
            "maximum_instances": maximum,
        }
        self.call("POST", f"{self.models_path(model)}/versions", json=version)

    def upload(self, model: str, package: bytes) -> None:
        files = {"file": ("package.zip", package, "application/zip")}
        self.call("PUT", f"{self.version_path(model)}/upload", files=files)

    def wait_available(self, model: str, timeout: float = 600) -> None:
        """Poll the version until ``available``; raise with its error if it ``failed``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            version = self.call("GET", self.version_path(model))
            if version["status"] == "available":
                return
            if version["status"] == "failed":
                raise RuntimeError(f"{model} failed to build: {version['error_message']}")
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"{model} was not available after {timeout:g} s")

    def deploy(
        self,
        model: str,
        *,
        minimum: int,
        maximum: int,
        requirements: str | None = None,
        package: bytes | None = None,
        language: str = "python3.8",
    ) -> float:
        """Create, upload (``package``, or the no-op with ``requirements``) and wait; returns
        the seconds from upload sent to ``available``."""
        self.create(model, minimum=minimum, maximum=maximum, language=language)
        started = time.perf_counter()
        self.upload(model, package if package is not None else package_zip(requirements))
        self.wait_available(model)
        return time.perf_counter() - started

    def request(self, model: str, data: Any = "hi") -> float:
        """One direct request; returns its round-trip seconds; raises unless it succeeded."""
        started = time.perf_counter()
        answer = self.call("POST", f"{self.version_path(model)}/request", json=data)
        elapsed = time.perf_counter() - started
        if not answer["success"] or answer["result"] != data:
            raise RuntimeError(f"request to {model} did not echo: {answer}")
        return elapsed

    def warm_requests(self, model: str, count: int) -> list[float]:
        """``count`` sequential requests' round-trip seconds."""
        return [self.request(model) for _ in range(count)]
