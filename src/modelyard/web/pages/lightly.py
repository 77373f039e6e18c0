"""Lightly's datasets and a datasource's file browser (a page of file names at a time, each
linked to read it: the store's own signed URL, or modelyard's signed link for LOCAL)."""

from __future__ import annotations

from functools import partial
from typing import Any

from anyio.to_thread import run_sync
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.api.lightly.deps import LINK_PATH
from modelyard.core.data.datasources import service
from modelyard.core.data.datasources.schemas import DatasourceRead, SampleDatasetRead
from modelyard.core.data.datasources.service import Stores
from modelyard.core.identity.schemas import ProjectRef
from modelyard.errors import NotFound
from modelyard.web.pages.common import project_scope, read
from modelyard.web.pages.permitted import permitted_project
from modelyard.web.render import render
from modelyard.web.session import context_of

LIGHTLY_MOUNT = "/v1"


def _with_sources(
    session: Session, project: ProjectRef, sources: ProjectRef | None
) -> list[tuple[SampleDatasetRead, DatasourceRead | None]]:
    found: list[tuple[SampleDatasetRead, DatasourceRead | None]] = []
    for dataset in service.list_datasets(session, project):
        source = None
        if sources is not None:
            try:
                source = service.get_datasource(session, sources, dataset.id)
            except NotFound:
                source = None
        found.append((dataset, source))
    return found


async def lightly_page(request: Request) -> Response:
    scope = await project_scope(request, "sample_datasets.list")
    sources = await permitted_project(request, scope.principal, scope.name, "datasources.get")
    datasets = await read(request, partial(_with_sources, project=scope.project, sources=sources))
    return render(request, "lightly.html", title="Lightly", scope=scope, datasets=datasets)


async def files_page(request: Request) -> Response:
    scope = await project_scope(request, "datasources.list")
    context = context_of(request)
    dataset_id = str(request.path_params["dataset_id"])
    link_base = f"{request.url.scheme}://{request.url.netloc}{LIGHTLY_MOUNT}/{LINK_PATH}"
    work: Any = partial(
        service.list_raw_samples,
        context.sessions,
        scope.project,
        dataset_id,
        stores=Stores.of(context.settings, context.box),
        start=None,
        end=None,
        cursor=request.query_params.get("cursor") or None,
        link_base=link_base,
    )
    page = await run_sync(work)
    return render(
        request, "files.html", title="Files", scope=scope, dataset_id=dataset_id, page=page
    )
