"""``/projects/{project}/pipelines``: pipelines, the objects in them and their attachments."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import environment as environment_wire
from modelyard.api.ubiops.protocol import pipelines as wire
from modelyard.api.ubiops.translate import environment
from modelyard.api.ubiops.translate import pipelines as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.pipelines import attachments, service

router = Router(prefix="/projects/{project_name}/pipelines")


@router.post("", status_code=201)
def pipelines_create(
    body: wire.PipelineCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.create")],
) -> wire.PipelineList:
    data = translate.pipeline_create(body)
    return translate.pipeline(service.create_pipeline(session, project, data))


@router.get("")
def pipelines_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("pipelines.list")]
) -> list[wire.PipelineList]:
    return [translate.pipeline(p) for p in service.list_pipelines(session, project)]


@router.get("/{pipeline_name}")
def pipelines_get(
    pipeline_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.get")],
) -> wire.PipelineList:
    return translate.pipeline(service.get_pipeline(session, project, pipeline_name))


@router.patch("/{pipeline_name}")
def pipelines_update(
    pipeline_name: str,
    body: wire.PipelineUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.update")],
) -> wire.PipelineList:
    data = translate.pipeline_update(body)
    return translate.pipeline(service.update_pipeline(session, project, pipeline_name, data))


@router.delete("/{pipeline_name}", status_code=204)
def pipelines_delete(
    pipeline_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.delete")],
) -> Response:
    service.delete_pipeline(session, project, pipeline_name)
    return no_content()


# -- objects --------------------------------------------------------------------------------


@router.post("/{pipeline_name}/objects", status_code=201)
def pipeline_objects_create(
    pipeline_name: str,
    body: wire.PipelineObjectCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.objects.create")],
) -> wire.PipelineObjectList:
    data = translate.object_create(body)
    return translate.pipeline_object(service.create_object(session, project, pipeline_name, data))


@router.get("/{pipeline_name}/objects")
def pipeline_objects_list(
    pipeline_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.objects.list")],
) -> list[wire.PipelineObjectList]:
    found = service.list_objects(session, project, pipeline_name)
    return [translate.pipeline_object(o) for o in found]


@router.get("/{pipeline_name}/objects/{name}")
def pipeline_objects_get(
    pipeline_name: str,
    name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.objects.get")],
) -> wire.PipelineObjectList:
    return translate.pipeline_object(service.get_object(session, project, pipeline_name, name))


@router.patch("/{pipeline_name}/objects/{name}")
def pipeline_objects_update(
    pipeline_name: str,
    name: str,
    body: wire.PipelineObjectUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.objects.update")],
) -> wire.PipelineObjectList:
    data = translate.object_update(body)
    updated = service.update_object(session, project, pipeline_name, name, data)
    return translate.pipeline_object(updated)


@router.delete("/{pipeline_name}/objects/{name}", status_code=204)
def pipeline_objects_delete(
    pipeline_name: str,
    name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.objects.delete")],
) -> Response:
    service.delete_object(session, project, pipeline_name, name)
    return no_content()


@router.get("/{pipeline_name}/objects/{name}/environment-variables")
def pipeline_object_environment_variables_list(
    pipeline_name: str,
    name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.objects.get")],
    context: ContextDep,
) -> list[environment_wire.InheritedEnvironmentVariableList]:
    box = context.serving.box
    found = service.object_variables(session, box, project, pipeline_name, name)
    return [environment.inherited(v, listed=None) for v in found]


# -- attachments ----------------------------------------------------------------------------


@router.post("/{pipeline_name}/attachments", status_code=201)
def pipeline_object_attachments_create(
    pipeline_name: str,
    body: wire.AttachmentsCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.attachments.create")],
) -> wire.AttachmentsList:
    data = translate.attachment_create(body)
    return translate.attachment(
        attachments.create_attachment(session, project, pipeline_name, data)
    )


@router.get("/{pipeline_name}/attachments")
def pipeline_object_attachments_list(
    pipeline_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.attachments.list")],
) -> list[wire.AttachmentsList]:
    found = attachments.list_attachments(session, project, pipeline_name)
    return [translate.attachment(a) for a in found]


@router.get("/{pipeline_name}/objects/{source_name}/attachments/")
def pipeline_object_attachments_source_get(
    pipeline_name: str,
    source_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.attachments.list")],
) -> list[wire.AttachmentsList]:
    found = attachments.list_attachments(session, project, pipeline_name, source_name=source_name)
    return [translate.attachment(a) for a in found]


@router.get("/{pipeline_name}/objects/{source_name}/attachments/{destination_name}")
def pipeline_object_attachments_get(
    pipeline_name: str,
    source_name: str,
    destination_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.attachments.get")],
) -> wire.AttachmentsList:
    found = attachments.get_attachment(
        session, project, pipeline_name, source_name, destination_name
    )
    return translate.attachment(found)


@router.delete(
    "/{pipeline_name}/objects/{source_name}/attachments/{destination_name}", status_code=204
)
def pipeline_object_attachments_delete(
    pipeline_name: str,
    source_name: str,
    destination_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.attachments.delete")],
) -> Response:
    attachments.delete_attachment(session, project, pipeline_name, source_name, destination_name)
    return no_content()
