"""Each dialect's OpenAPI document, complete: besides what FastAPI derives from the routes, the
error statuses every operation may answer (in the dialect's own error body, never FastAPI's
422), the headers that go with them, and the security schemes its routes use. The root
document (``/openapi.json``) holds every dialect's operations under its mount path and links
each dialect's own document.

The statuses follow from what every route shares: the edge checks of every query string and
body (400), the body limit (413), authentication and permissions (401, 403), objects named in
the path (404), names taken or states that forbid a write (409), the database being away
(503). A route that answers more (a refused sign-in, a throttle) declares it with
``responses=answers(...)``. ``tests/e2e/test_fuzz.py`` holds a running server's answers to
these documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

Document = dict[str, Any]

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
INT64 = (-(2**63), 2**63 - 1)
"""What the edge accepts for an integer with no narrower range of its own."""

RETRY_AFTER = {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}


@dataclass(frozen=True)
class ErrorBodies:
    """The body a dialect answers an error with: one model, or one per status."""

    default: type[BaseModel]
    by_status: Mapping[int, tuple[type[BaseModel], ...]] = field(default_factory=dict)
    """Statuses answered in other bodies, or in one of several (any of them)."""
    challenge: str | None = None
    """The ``WWW-Authenticate`` scheme a 401 names, when the dialect sends one."""
    empty_is_missing: bool = False
    """Whether a read that matches nothing is a 404 (the registry's searches are)."""

    def models_for(self, status: int) -> tuple[type[BaseModel], ...]:
        return self.by_status.get(status, (self.default,))

    def schema_for(self, status: int) -> Document:
        refs = [{"$ref": f"#/components/schemas/{m.__name__}"} for m in self.models_for(status)]
        return refs[0] if len(refs) == 1 else {"anyOf": refs}


def within(low: int, high: int) -> dict[str, Any]:
    """``Query(json_schema_extra=within(*RANGE))``: the range a core rule enforces for an
    integer parameter, stated in the document (the core's check and message stay the one
    authority)."""
    return {"minimum": low, "maximum": high}


BINARY: Document = {"type": "string", "format": "binary"}
REQUEST_DATA: Document = {
    "application/json": {"schema": {}},
    "text/plain": {"schema": {"type": "string"}},
}
"""What a direct or pipeline request takes: any JSON value, or plain text."""


def raw_body(content: Document, *, required: bool = True) -> Document:
    """``openapi_extra=`` for a route that reads its body itself: the media types it takes."""
    return {"requestBody": {"required": required, "content": content}}


def file_download(*media_types: str) -> dict[str, Any]:
    """Route options for a download: its 200 is a file of one of ``media_types``, not JSON."""
    content = {media_type: {"schema": BINARY} for media_type in media_types}
    return {
        "response_class": Response,
        "responses": {200: {"description": "The file", "content": content}},
    }


def answers(*statuses: int) -> dict[int | str, Document]:
    """``responses=`` for a route that answers more than ``error_statuses`` finds (a refused
    sign-in, a throttle); the dialect's error body is filled in."""
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}


def error_statuses(
    path: str, method: str, operation: Document, *, empty_is_missing: bool = False
) -> list[int]:
    """The error statuses an operation may answer, read off its shape."""
    has_body = "requestBody" in operation
    statuses = {400, 503}  # the edge checks every query string, declared or not
    if method in ("post", "put", "patch", "delete"):
        statuses.add(409)  # a name taken, or the object's state forbids it
    if empty_is_missing and method == "get":
        statuses.add(404)
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if has_body or method in ("post", "put", "patch"):
        statuses.add(413)
    return sorted(statuses)


def _error_response(status: int, bodies: ErrorBodies) -> Document:
    response: Document = {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": bodies.schema_for(status)}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": RETRY_AFTER}
    if status == 401 and bodies.challenge:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": f"The scheme to authenticate with ({bodies.challenge})",
                "schema": {"type": "string"},
            }
        }
    return response


def _operations(document: Document) -> Iterable[tuple[str, str, Document]]:
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _bound_integers(operation: Document) -> None:
    """An integer parameter without a range of its own gets the edge's 64-bit range."""
    for parameter in operation.get("parameters", []):
        for schema in _integer_schemas(parameter.get("schema", {})):
            schema.setdefault("minimum", INT64[0])
            schema.setdefault("maximum", INT64[1])


def _integer_schemas(schema: Document) -> Iterable[Document]:
    if schema.get("type") == "integer":
        yield schema
    for member in schema.get("anyOf", []):
        yield from _integer_schemas(member)


def complete(document: Document, bodies: ErrorBodies) -> Document:
    """Add the error statuses, their bodies and headers to every operation of ``document``."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path, method, operation in _operations(document):
        responses = operation.setdefault("responses", {})
        responses.pop("422", None)  # validation errors are the dialect's 400
        declared = {int(status) for status in responses if status.isdigit()}
        for status in sorted(
            declared
            | set(error_statuses(path, method, operation, empty_is_missing=bodies.empty_is_missing))
        ):
            if status >= 400:
                declared_here = responses.get(str(status), {})
                responses[str(status)] = {**_error_response(status, bodies), **declared_here}
        _bound_integers(operation)
    for status in {400, 401, 403, 404, 409, 413, 429, 503} | set(bodies.by_status):
        for model in bodies.models_for(status):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas.setdefault(model.__name__, schema)
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}" not in repr(document["paths"]):
            schemas.pop(unused, None)
    return document


def install_document(app: FastAPI, bodies: ErrorBodies) -> None:
    """Serve ``app``'s document completed with its error statuses (built once, on first ask)."""

    def openapi() -> Document:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            app.openapi_schema = complete(document, bodies)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# -- the root document --------------------------------------------------------------------


@dataclass(frozen=True)
class Mounted:
    """A dialect's document and where it is mounted."""

    prefix: str
    name: str
    app: FastAPI


def _renamed(value: Any, rename: Callable[[str], str]) -> Any:
    """``value`` with every component reference renamed."""
    if isinstance(value, dict):
        return {
            key: rename(item) if key == "$ref" and isinstance(item, str) else _renamed(item, rename)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed(item, rename) for item in value]
    return value


def _spaced(space: str, ref: str) -> str:
    return ref.replace("/schemas/", f"/schemas/{space}.", 1)


def _namespace(prefix: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", prefix.strip("/"))


def merge(title: str, version: str, dialects: Iterable[Mounted]) -> Document:
    """One document of every dialect's operations under its mount path; its component names
    and operation ids prefixed with the dialect's, so that none collide."""
    root: Document = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
        "tags": [],
    }
    links = []
    for dialect in dialects:
        space = _namespace(dialect.prefix)
        document = _renamed(dialect.app.openapi(), partial(_spaced, space))
        for kind in ("schemas", "securitySchemes"):
            for name, value in document.get("components", {}).get(kind, {}).items():
                root["components"][kind][f"{space}.{name}"] = value
        for path, item in document.get("paths", {}).items():
            root["paths"][dialect.prefix + path] = _in_dialect(item, space, dialect.name)
        root["tags"].append({"name": dialect.name, "description": f"{dialect.prefix}/docs"})
        links.append(
            f"- {dialect.name}: [{dialect.prefix}/openapi.json]({dialect.prefix}/openapi.json),"
            f" [{dialect.prefix}/docs]({dialect.prefix}/docs)"
        )
    root["info"]["description"] = "Every dialect's own document:\n\n" + "\n".join(links)
    return root


def _in_dialect(item: Document, space: str, tag: str) -> Document:
    merged = {}
    for method, operation in item.items():
        if method not in METHODS:
            merged[method] = operation
            continue
        security = [
            {f"{space}.{name}": scopes for name, scopes in requirement.items()}
            for requirement in operation.get("security", [])
        ]
        merged[method] = {
            **operation,
            "operationId": f"{space}.{operation.get('operationId', method)}",
            "tags": [tag],
            **({"security": security} if security else {}),
        }
    return merged


def install_root_document(app: FastAPI, dialects: tuple[Mounted, ...]) -> None:
    """Serve the merged document of ``dialects`` as ``app``'s own."""

    def openapi() -> Document:
        if app.openapi_schema is None:
            app.openapi_schema = merge(app.title, app.version, dialects)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
