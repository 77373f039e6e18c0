"""``/datasets``: create, list, get, delete."""

from __future__ import annotations

from typing import Annotated

from modelyard.api.deps import SessionDep
from modelyard.api.kept import kept
from modelyard.api.lightly.auth import allowed
from modelyard.api.lightly.deps import DatasetId
from modelyard.api.lightly.protocol.datasets import (
    CreateEntityResponse,
    DatasetCreateRequest,
    DatasetData,
)
from modelyard.api.lightly.translate.datasets import dataset_create, dataset_data
from modelyard.api.permissions import Scope
from modelyard.api.routing import Router
from modelyard.core.data.datasources import service

router = Router()


@router.post("/datasets", status_code=201, response_model=CreateEntityResponse)
def create_dataset(
    body: DatasetCreateRequest,
    session: SessionDep,
    scope: Annotated[Scope, allowed("sample_datasets.create")],
) -> CreateEntityResponse:
    return CreateEntityResponse(
        id=service.create_dataset(session, scope.project, dataset_create(body))
    )


@router.get("/datasets", response_model=list[DatasetData])
@kept
def get_datasets(
    session: SessionDep, scope: Annotated[Scope, allowed("sample_datasets.list")]
) -> list[DatasetData]:
    return [dataset_data(d) for d in service.list_datasets(session, scope.project)]


@router.get("/datasets/{datasetId}", response_model=DatasetData)
@kept
def get_dataset_by_id(
    dataset_id: DatasetId,
    session: SessionDep,
    scope: Annotated[Scope, allowed("sample_datasets.get")],
) -> DatasetData:
    return dataset_data(service.get_dataset(session, scope.project, dataset_id))


@router.delete("/datasets/{datasetId}")
def delete_dataset_by_id(
    dataset_id: DatasetId,
    session: SessionDep,
    scope: Annotated[Scope, allowed("sample_datasets.delete")],
) -> None:
    service.delete_dataset(session, scope.project, dataset_id)
