"""Translation of resource usage."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import resources as wire
from modelyard.core.identity.schemas import ProjectResourceUsage, ResourceUsage


def organization_usage(usage: ResourceUsage) -> wire.ResourceUsage:
    return wire.ResourceUsage.model_validate(usage.model_dump())


def project_usage(usage: ProjectResourceUsage) -> wire.ProjectResourceUsage:
    return wire.ProjectResourceUsage.model_validate(usage.model_dump())
