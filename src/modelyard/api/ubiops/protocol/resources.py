"""Wire models of resource usage: how many of each thing an organization or project has."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import Wire


class ProjectResourceUsage(Wire):
    models: int
    versions: int
    connectors: int
    pipelines: int


class ResourceUsage(ProjectResourceUsage):
    projects: int
    users: int
