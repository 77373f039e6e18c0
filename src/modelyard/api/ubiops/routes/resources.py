"""``…/resources``: how many projects, users, models, versions, connectors and pipelines."""

from __future__ import annotations

from typing import Annotated

from modelyard.api.deps import SessionDep
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account, allowed
from modelyard.api.ubiops.protocol import resources as wire
from modelyard.api.ubiops.translate import resources as translate
from modelyard.core.identity import organizations
from modelyard.core.identity.schemas import Principal, ProjectRef

router = Router()


@router.get("/organizations/{organization_name}/resources")
def organizations_resource_usage(
    organization_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.resources.get")],
) -> wire.ResourceUsage:
    usage = organizations.organization_resource_usage(session, principal, organization_name)
    return translate.organization_usage(usage)


@router.get("/projects/{project_name}/resources")
def projects_resource_usage(
    project: Annotated[ProjectRef, allowed("projects.resources.get")], session: SessionDep
) -> wire.ProjectResourceUsage:
    return translate.project_usage(organizations.project_resource_usage(session, project))
