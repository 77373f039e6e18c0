"""``/datasets/{datasetId}/datasource``: configure, read, verify, list, processed-until."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.api.lightly.auth import allowed, allowed_briefly
from modelyard.api.lightly.deps import DatasetId, LinkBaseDep, StoresDep
from modelyard.api.lightly.protocol.datasources import (
    DatasourceConfigBody,
    DatasourceConfigVerifyData,
    DatasourceProcessedUntilTimestamp,
    DatasourceRawSamplesData,
)
from modelyard.api.lightly.translate import datasources as translate
from modelyard.api.permissions import Scope
from modelyard.api.routing import Router
from modelyard.core.data.datasources import service

router = Router()
BASE = "/datasets/{datasetId}/datasource"


@router.get(BASE)
def get_datasource_by_dataset_id(
    dataset_id: DatasetId, session: SessionDep, scope: Annotated[Scope, allowed("datasources.get")]
) -> dict[str, Any]:
    return translate.datasource_config(service.get_datasource(session, scope.project, dataset_id))


@router.put(BASE)
def update_datasource_by_dataset_id(
    dataset_id: DatasetId,
    body: DatasourceConfigBody,
    session: SessionDep,
    stores: StoresDep,
    scope: Annotated[Scope, allowed("datasources.update")],
) -> None:
    settings = translate.datasource_settings(body)
    service.configure(session, scope.project, dataset_id, settings, stores=stores)


@router.get(f"{BASE}/verify", response_model=DatasourceConfigVerifyData)
def verify_datasource_by_dataset_id(
    dataset_id: DatasetId,
    context: ContextDep,
    stores: StoresDep,
    scope: Annotated[Scope, allowed_briefly("datasources.verify")],
) -> DatasourceConfigVerifyData:
    result = service.verify(context.sessions, scope.project, dataset_id, stores=stores)
    return translate.verify_data(result)


@router.get(f"{BASE}/list", response_model=DatasourceRawSamplesData)
def get_list_of_raw_samples_from_datasource_by_dataset_id(
    dataset_id: DatasetId,
    context: ContextDep,
    stores: StoresDep,
    link_base: LinkBaseDep,
    scope: Annotated[Scope, allowed_briefly("datasources.list")],
    start: Annotated[int | None, Query(alias="from", ge=0)] = None,
    end: Annotated[int | None, Query(alias="to", ge=0)] = None,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> DatasourceRawSamplesData:
    page = service.list_raw_samples(
        context.sessions, scope.project, dataset_id, stores=stores,
        start=start, end=end, cursor=cursor, link_base=link_base,
    )  # fmt: skip
    return translate.raw_samples(page)


@router.get(f"{BASE}/processedUntilTimestamp", response_model=DatasourceProcessedUntilTimestamp)
def get_datasource_processed_until_timestamp_by_dataset_id(
    dataset_id: DatasetId, session: SessionDep, scope: Annotated[Scope, allowed("datasources.get")]
) -> DatasourceProcessedUntilTimestamp:
    value = service.processed_until(session, scope.project, dataset_id)
    return DatasourceProcessedUntilTimestamp(processed_until_timestamp=value)


@router.put(f"{BASE}/processedUntilTimestamp")
def update_datasource_processed_until_timestamp_by_dataset_id(
    dataset_id: DatasetId,
    body: DatasourceProcessedUntilTimestamp,
    session: SessionDep,
    scope: Annotated[Scope, allowed("datasources.update")],
) -> None:
    service.set_processed_until(session, scope.project, dataset_id, body.processed_until_timestamp)
