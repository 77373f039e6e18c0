"""Alchemite's tabular models and their datasets: create a model, upload its training CSV
(with progress), see the row and column counts and the first rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.core.data.datasets.schemas import DatasetCreate, DatasetRead
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.tabular import service as tabular
from modelyard.core.tabular import training
from modelyard.core.tabular.schemas import RowsInput, TabularModelCreate, TabularModelRead
from modelyard.errors import InvalidInput
from modelyard.web.pages.common import project_scope, read
from modelyard.web.render import form_outcome, render
from modelyard.web.session import checked_form, context_of

PREVIEW_ROWS = 10


@dataclass(frozen=True)
class Preview:
    """What the page shows of an uploaded CSV: its counts and first rows."""

    dataset: DatasetRead
    header: list[str]
    rows: list[list[str]]


def _listing(session: Session, project: ProjectRef) -> list[tuple[TabularModelRead, Any]]:
    found = []
    for model in tabular.list_models(session, project):
        dataset = (
            tabular.training_dataset(session, project, str(model.id))
            if model.training_dataset_id
            else None
        )
        found.append((model, dataset))
    return found


async def tabular_page(request: Request, *, error: Any = None) -> Response:
    scope = await project_scope(request, "tabular_models.list")
    models = await read(request, lambda session: _listing(session, scope.project))
    return render(
        request,
        "tabular.html",
        status=400 if error else 200,
        title="Tabular models",
        scope=scope,
        models=models,
        error=error,
    )


async def model_create(request: Request) -> Response:
    scope = await project_scope(request, "tabular_models.create")
    form = await checked_form(request)
    data = TabularModelCreate(name=str(form.get("name", "")).strip())
    created, error = await form_outcome(
        lambda: read(request, lambda session: tabular.create_model(session, scope.project, data))
    )
    if created is None:
        return await tabular_page(request, error=error)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/projects/{scope.name}/tabular", status_code=303)


def _flags(columns: list[str], descriptors: str) -> list[int]:
    """The descriptor flags of ``columns`` from the form's comma-separated names."""
    named = [name.strip() for name in descriptors.split(",") if name.strip()]
    unknown = [name for name in named if name not in columns]
    if unknown:
        raise InvalidInput(
            f"no column named {', '.join(unknown)} in the CSV's header", field="descriptors"
        )
    return [1 if column in named else 0 for column in columns]


def _parse(
    text: str, name: str, descriptors: str
) -> tuple[DatasetCreate, list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or len(rows[0]) < 2:
        raise InvalidInput(
            "the CSV needs a header row: a row-header cell, then the column names", field="file"
        )
    header, body = rows[0], [row for row in rows[1:] if row]
    columns = header[1:]
    data = DatasetCreate(
        name=name,
        row_count=len(body),
        column_headers=columns,
        descriptor_columns=_flags(columns, descriptors),
        data=text,
    )
    return data, header, body[:PREVIEW_ROWS]


async def upload_csv(request: Request) -> Response:
    """A CSV becomes the model's training dataset, checked by the same service as the API."""
    scope = await project_scope(request, "datasets.create")
    form = await checked_form(request)
    model_id = str(request.path_params["model_id"])
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InvalidInput("choose a CSV file to upload", field="file")
    raw = await file.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the CSV is not UTF-8 text", field="file") from exc
    data, header, first = _parse(text, file.filename, str(form.get("descriptors", "")))
    store = context_of(request).store
    dataset = await read(
        request,
        lambda session: tabular.upload_dataset(session, store, scope.project, model_id, data),
    )
    return render(request, "_preview.html", scope=scope, preview=Preview(dataset, header, first))


async def train(request: Request) -> Response:
    """Queue training on the model's training dataset (the API's ``PUT /models/{id}/train``)."""
    scope = await project_scope(request, "tabular_models.train")
    await checked_form(request)
    model_id = str(request.path_params["model_id"])
    await read(request, lambda session: tabular.train(session, scope.project, model_id))
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/projects/{scope.name}/tabular", status_code=303)


async def predict(request: Request) -> Response:
    """The targets of the pasted rows, predicted by the trained model, as a table."""
    scope = await project_scope(request, "tabular_models.predict")
    form = await checked_form(request)
    model_id = str(request.path_params["model_id"])
    rows = RowsInput(data=str(form.get("rows", "")))
    store = context_of(request).store

    async def answer() -> str:
        return await read(
            request, lambda session: training.predict(session, store, scope.project, model_id, rows)
        )

    text, error = await form_outcome(answer)
    table = list(csv.reader(io.StringIO(text))) if text else []
    return render(
        request,
        "_predicted.html" if request.headers.get("x-partial") else "predicted.html",
        status=200 if error is None else 400,
        scope=scope,
        error=error,
        header=table[0] if table else [],
        rows=table[1:],
        title="Predicted",
    )
