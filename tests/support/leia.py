"""Helpers for the Leia tests: model zips, SDK clients, a local callback listener, polling."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import leiaapi.generated as leia

FINAL = ("PROCESSED", "FAILED", "CANCELED")
STAMP = (2024, 1, 1, 0, 0, 0)
"""A fixed time for zip entries, so the same model zip is the same bytes."""

COUNTER = '''
import json, os, time

class Counter:
    """Counts words; classifies by length; trains by remembering the words it saw."""

    def __init__(self, base_directory, context):
        self.base_directory = base_directory
        self.context = context
        vocabulary = os.path.join(base_directory, "vocabulary.json")
        self.vocabulary = json.load(open(vocabulary)) if os.path.exists(vocabulary) else []

    def apply(self, document, model_params):
        params = model_params
        if params.get("fail"):
            raise RuntimeError("the model was told to fail")
        if params.get("sleep"):
            time.sleep(float(params["sleep"]))
        words = (document["text"] or "").split()
        if params.get("classify"):
            category = "long" if len(words) > 3 else "short"
            return {"category": category, "score": 0.9, "accuracy": 0.8}
        known = [w for w in words if w in self.vocabulary]
        return {"words": len(words), "known": len(known), "id": document["id"],
                "tags": document["tags"], "model": self.context["name"], "params": params}

    def train(self, documents, model_params):
        seen = sorted({w for d in documents for w in (d["text"] or "").split()})
        with open(os.path.join(self.base_directory, "vocabulary.json"), "w") as handle:
            json.dump(seen, handle)
'''


def model_zip(
    *,
    module: str = "counter",
    clazz: str = "Counter",
    source: str = COUNTER,
    requirements: str | None = None,
    manifest: dict[str, Any] | None = None,
) -> bytes:
    """A Leia model file: ``leia_model.json`` at the root and the module beside it."""
    buffer = io.BytesIO()
    document = (
        manifest
        if manifest is not None
        else {
            "model_module": module,
            "model_clazz": clazz,
            "model_type": "classification",
            "input_types": ["text"],
            "documentation": "counts words",
        }
    )
    files = {"leia_model.json": json.dumps(document), f"{module}.py": source}
    if requirements is not None:
        files["requirements.txt"] = requirements
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=STAMP), text)
    return buffer.getvalue()


def client(url: str) -> leia.ApiClient:
    configuration = leia.Configuration()
    configuration.host = f"{url}/leia/1.0.0"
    return leia.ApiClient(configuration)


@dataclass
class Session:
    """A logged-in application: its token, its id and its API client."""

    api: leia.ApiClient
    token: str
    application: Any

    @property
    def application_id(self) -> str:
        return str(self.application.id)


def login(url: str, api_key: str) -> Session:
    api = client(url)
    answer = leia.ApplicationApi(api).login_application(api_key)
    return Session(api, answer.token, answer.application)


def wait_for_job(
    api: leia.ApiClient,
    token: str,
    job_id: str,
    *,
    until: tuple[str, ...] = FINAL,
    timeout: float = 240,
) -> Any:
    deadline = time.monotonic() + timeout
    jobs = leia.JobApi(api)
    while True:
        job = jobs.get_job(token, job_id)
        if job.status in until or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


@dataclass
class Listener:
    """A local HTTP server that records the callbacks it receives (and can refuse some)."""

    port: int
    received: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    refuse: int = 0

    def wait(self, count: int, timeout: float = 60) -> list[tuple[dict[str, str], Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.received)


@contextmanager
def listening(port: int = 0, *, refuse: int = 0) -> Iterator[Listener]:
    state: dict[str, Listener] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            listener = state["listener"]
            if listener.refuse > 0:
                listener.refuse -= 1
                self.send_response(503)
                self.end_headers()
                return
            listener.received.append((dict(self.headers.items()), json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    state["listener"] = Listener(server.server_address[1], refuse=refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["listener"]
    finally:
        server.shutdown()
        server.server_close()


def eventually(check: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()
