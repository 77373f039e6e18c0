"""``…/models/{model}/versions``: versions, their deployment packages and builds."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Response, UploadFile

from modelyard.api.deps import ContextDep, SessionDep, StoreDep
from modelyard.api.downloads import download_headers
from modelyard.api.kept import kept
from modelyard.api.openapi import file_download
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.streaming import ThreadedStream
from modelyard.api.ubiops.auth import PrincipalDep, allowed
from modelyard.api.ubiops.protocol import models as wire
from modelyard.api.ubiops.translate import models as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.serving import service
from modelyard.storage.base import stream_object

router = Router(prefix="/projects/{project_name}/models/{model_name}/versions")


@router.post("", status_code=201)
def model_versions_create(
    model_name: str,
    body: wire.ModelVersionCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.create")],
) -> wire.ModelVersionList:
    data = translate.version_create(body)
    return translate.version(service.create_version(session, project, model_name, data))


@router.get("")
@kept
def model_versions_list(
    model_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.list")],
) -> list[wire.ModelVersionList]:
    return [translate.version(v) for v in service.list_versions(session, project, model_name)]


@router.get("/{version}")
@kept
def model_versions_get(
    model_name: str,
    version: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.get")],
) -> wire.ModelVersionList:
    return translate.version(service.get_version(session, project, model_name, version))


@router.patch("/{version}")
def model_versions_update(
    model_name: str,
    version: str,
    body: wire.ModelVersionUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.update")],
) -> wire.ModelVersionList:
    data = translate.version_update(body)
    updated = service.update_version(session, project, model_name, version, data)
    return translate.version(updated)


@router.delete("/{version}", status_code=204)
def model_versions_delete(
    model_name: str,
    version: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.delete")],
) -> Response:
    service.delete_version(session, project, model_name, version)
    return no_content()


@router.put("/{version}/upload")
def model_versions_file_upload(
    model_name: str,
    version: str,
    file: Annotated[UploadFile, File()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.file.upload")],
    principal: PrincipalDep,
    context: ContextDep,
) -> wire.Success:
    service.upload_package(
        session,
        context.store,
        project,
        model_name,
        version,
        source=file.file,
        author=principal,
        policy=context.serving.policy,
        box=context.box,
    )
    return wire.Success(success=True)


@router.get("/{version}/download", **file_download("application/zip"))
def model_versions_file_download(
    model_name: str,
    version: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.file.download")],
    store: StoreDep,
) -> ThreadedStream:
    package = service.package_download(session, store, project, model_name, version)
    headers = download_headers(package.filename, package.size)
    chunks = stream_object(store, package.storage_key)
    return ThreadedStream(chunks, media_type="application/zip", headers=headers)
