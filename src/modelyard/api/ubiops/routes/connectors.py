"""``/config/connectors``, ``/projects/{project}/credentials`` and ``…/connectors``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import BoxDep, SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account, allowed
from modelyard.api.ubiops.protocol import connectors as wire
from modelyard.api.ubiops.translate import connectors as translate
from modelyard.core.data.connectors import service
from modelyard.core.identity.schemas import Principal, ProjectRef

router = Router()
CREDENTIALS = "/projects/{project_name}/credentials"
CONNECTORS = "/projects/{project_name}/connectors"


@router.get("/config/connectors")
def configurations_list(
    _: Annotated[Principal, account("connectors.types.list")],
) -> list[wire.ConfigurationList]:
    return [translate.configuration(kind) for kind in service.connector_types()]


@router.post(CREDENTIALS, status_code=201)
def credentials_create(
    body: wire.CredentialsCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("credentials.create")],
    box: BoxDep,
) -> wire.CredentialsList:
    data = translate.credentials_create(body)
    created = service.create_credentials(session, box, project, data)
    return translate.credentials(created)


@router.get(CREDENTIALS)
def credentials_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("credentials.list")]
) -> list[wire.CredentialsList]:
    return [translate.credentials(c) for c in service.list_credentials(session, project)]


@router.get(CREDENTIALS + "/{credentials_name}")
def credentials_get(
    credentials_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("credentials.get")],
) -> wire.CredentialsList:
    return translate.credentials(service.get_credentials(session, project, credentials_name))


@router.patch(CREDENTIALS + "/{credentials_name}")
def credentials_update(
    credentials_name: str,
    body: wire.CredentialsUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("credentials.update")],
    box: BoxDep,
) -> wire.CredentialsList:
    data = translate.credentials_update(body)
    updated = service.update_credentials(session, box, project, credentials_name, data)
    return translate.credentials(updated)


@router.delete(CREDENTIALS + "/{credentials_name}", status_code=204)
def credentials_delete(
    credentials_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("credentials.delete")],
) -> Response:
    service.delete_credentials(session, project, credentials_name)
    return no_content()


@router.post(CONNECTORS, status_code=201)
def connectors_create(
    body: wire.ConnectorCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("connectors.create")],
    box: BoxDep,
) -> wire.ConnectorList:
    data = translate.connector_create(body)
    created = service.create_connector(session, box, project, data)
    return translate.connector(created)


@router.get(CONNECTORS)
def connectors_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("connectors.list")]
) -> list[wire.ConnectorList]:
    return [translate.connector(c) for c in service.list_connectors(session, project)]


@router.get(CONNECTORS + "/{connector_name}")
def connectors_get(
    connector_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("connectors.get")],
) -> wire.ConnectorList:
    return translate.connector(service.get_connector(session, project, connector_name))


@router.patch(CONNECTORS + "/{connector_name}")
def connectors_update(
    connector_name: str,
    body: wire.ConnectorUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("connectors.update")],
    box: BoxDep,
) -> wire.ConnectorList:
    data = translate.connector_update(body)
    updated = service.update_connector(session, box, project, connector_name, data)
    return translate.connector(updated)


@router.delete(CONNECTORS + "/{connector_name}", status_code=204)
def connectors_delete(
    connector_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("connectors.delete")],
) -> Response:
    service.delete_connector(session, project, connector_name)
    return no_content()
