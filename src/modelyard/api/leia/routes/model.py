"""Document models: the ten admin methods of the seed (``/admin/...``) and what a developer
application may do (``/model``: list, get, apply, tag)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import JSONResponse, Response

from modelyard.api.deps import ContextDep, SessionDep, StoreDep
from modelyard.api.kept import kept
from modelyard.api.leia.auth import ApplicationDep, allowed, path_application, utc
from modelyard.api.leia.routes._shared import Limit, Offset, RawBody
from modelyard.api.leia.translate.lists import listed
from modelyard.api.openapi import BINARY, file_download, raw_body
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.documents import catalog
from modelyard.core.documents.schemas import ModelFields, ModelQuery, ModelRead, ModelUpdate

router = Router()
KnownApplication = Depends(path_application)
"""The application an admin path names must be the caller or one of its project's."""
Admin = Annotated[Scope, allowed("document_models.administer")]
ListParam = Annotated[list[str], Query()]


@router.post(
    "/admin/{application_id}/model",
    openapi_extra=raw_body({"application/octet-stream": {"schema": BINARY}}),
)
def admin_create_model(
    session: SessionDep,
    context: ContextDep,
    scope: Annotated[Scope, allowed("document_models.create")],
    owner: ApplicationDep,
    body: RawBody,
    name: Annotated[str, Query()],
    short_name: str | None = None,
    description: str | None = None,
    ttl: float | None = None,
    allowed_application_ids: ListParam = [],  # noqa: B006 - FastAPI copies defaults
    allow_all_applications: bool = False,
    tags: ListParam = [],  # noqa: B006
) -> ModelRead:
    fields = ModelFields(
        name=name,
        short_name=short_name,
        description=description,
        ttl=ttl,
        tags=tags,
        allowed_application_ids=allowed_application_ids,
        allow_all_applications=allow_all_applications,
    )
    return catalog.create(
        session,
        context.store,
        scope.project,
        owner,
        fields,
        body,
        author=scope.principal,
        policy=context.serving.policy,
    )


async def model_query(
    model_id: str | None = None,
    application_id: str | None = None,
    model_type: str | None = None,
    name: str | None = None,
    short_name: str | None = None,
    description: str | None = None,
    input_types: ListParam = [],  # noqa: B006 - FastAPI copies defaults
    tags: ListParam = [],  # noqa: B006
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    only_mine: bool = False,
    sort: str | None = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> ModelQuery:
    """The model list's filters, as the SDK's ``get_models``/``admin_get_models`` send them."""
    return ModelQuery(
        model_id=model_id,
        application_id=application_id,
        model_type=model_type,
        name=name,
        short_name=short_name,
        description=description,
        input_types=input_types,
        tags=tags,
        created_after=utc(created_after),
        created_before=utc(created_before),
        only_mine=only_mine,
        sort=sort,
        offset=offset,
        limit=limit,
    )


ModelQueryDep = Annotated[ModelQuery, Depends(model_query)]


@router.get("/admin/model")
@kept
def admin_get_models(session: SessionDep, scope: Admin, query: ModelQueryDep) -> JSONResponse:
    caller = scope.principal.user_id
    return listed(catalog.listing(session, scope.project, query, caller=caller, admin=True))


@router.get("/admin/{application_id}/model/{model_id}", dependencies=[KnownApplication])
@kept
def admin_get_model(session: SessionDep, scope: Admin, model_id: str) -> ModelRead:
    return catalog.get(session, scope.project, model_id)


@router.get(
    "/admin/{application_id}/model/{model_id}/file_contents",
    dependencies=[KnownApplication],
    **file_download("application/octet-stream"),
)
def admin_get_model_contents(
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("document_models.download")],
    model_id: str,
) -> Response:
    _, key = catalog.contents(session, scope.project, model_id)
    with store.open(key) as stream:
        content = stream.read()
    return Response(content, media_type="application/octet-stream")


@router.patch("/admin/{application_id}/model/{model_id}", dependencies=[KnownApplication])
def admin_edit_model(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.update")],
    model_id: str,
    name: str | None = None,
    short_name: str | None = None,
    description: str | None = None,
    allowed_application_ids: Annotated[list[str] | None, Query()] = None,
    allow_all_applications: bool | None = None,
    ttl: float | None = None,
) -> ModelRead:
    data = ModelUpdate(
        name=name,
        short_name=short_name,
        description=description,
        ttl=ttl,
        allowed_application_ids=allowed_application_ids,
        allow_all_applications=allow_all_applications,
    )
    return catalog.edit(session, scope.project, model_id, data)


@router.post("/admin/{application_id}/model/{model_id}/tag/{tag}", dependencies=[KnownApplication])
def admin_tag_model(session: SessionDep, scope: Admin, model_id: str, tag: str) -> ModelRead:
    return catalog.tag(session, scope.project, model_id, tag)


@router.delete(
    "/admin/{application_id}/model/{model_id}/tag/{tag}",
    dependencies=[KnownApplication],
    status_code=204,
)
def admin_untag_model(session: SessionDep, scope: Admin, model_id: str, tag: str) -> Response:
    catalog.untag(session, scope.project, model_id, tag)
    return no_content()


@router.delete(
    "/admin/{application_id}/model/{model_id}", dependencies=[KnownApplication], status_code=204
)
def admin_delete_model(
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("document_models.delete")],
    model_id: str,
) -> Response:
    catalog.delete(session, store, scope.project, model_id)
    return no_content()


# -- what a developer application may do -----------------------------------------------------


@router.get("/model")
@kept
def get_models(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.list")],
    query: ModelQueryDep,
) -> JSONResponse:
    caller = scope.principal.user_id
    return listed(catalog.listing(session, scope.project, query, caller=caller, admin=False))


@router.get("/model/{model_id}")
@kept
def get_model(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.get")],
    model_id: str,
) -> ModelRead:
    return catalog.get(session, scope.project, model_id, user=scope.principal.user_id)


@router.post("/model/{model_id}/tag/{tag}")
def tag_model(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.update")],
    model_id: str,
    tag: str,
) -> ModelRead:
    return catalog.tag(session, scope.project, model_id, tag, user=scope.principal.user_id)


@router.delete("/model/{model_id}/tag/{tag}", status_code=204)
def untag_model(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.update")],
    model_id: str,
    tag: str,
) -> Response:
    catalog.untag(session, scope.project, model_id, tag, user=scope.principal.user_id)
    return no_content()
