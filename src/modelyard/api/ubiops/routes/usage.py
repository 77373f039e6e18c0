"""Usage for billing: of an organization per month or per day, of a project per month."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from modelyard.api.deps import SessionDep
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account, allowed
from modelyard.api.ubiops.protocol import observe as wire
from modelyard.api.ubiops.translate import observe as translate
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.core.observe import service

router = Router()


@router.get("/organizations/{organization_name}/usage")
def organization_usage_get(
    organization_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.usage.get")],
    start_month: Annotated[str | None, Query()] = None,
) -> list[wire.UsagePerMonth]:
    series = service.organization_usage(
        session, principal, organization_name, start_month=start_month
    )
    return [translate.usage_per_month(s) for s in series]


@router.get("/organizations/{organization_name}/usage/details")
def organization_usage_details_get(
    organization_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.usage.get")],
    month: Annotated[str | None, Query()] = None,
) -> list[wire.UsagePerDay]:
    series = service.organization_usage_details(session, principal, organization_name, month=month)
    return [translate.usage_per_day(s) for s in series]


@router.get("/projects/{project_name}/usage")
def project_usage_get(
    project: Annotated[ProjectRef, allowed("projects.usage.get")],
    session: SessionDep,
    start_month: Annotated[str | None, Query()] = None,
) -> list[wire.UsagePerMonth]:
    series = service.project_usage(session, project, start_month=start_month)
    return [translate.usage_per_month(s) for s in series]
