"""ORM rows (``*Row``). Importing this package registers every table on ``Base.metadata``."""

from modelyard.db.tables.base import Base
from modelyard.db.tables.connectors import ConnectorRow, CredentialsRow
from modelyard.db.tables.data import BlobRow
from modelyard.db.tables.environment import EnvironmentVariableRow
from modelyard.db.tables.identity import (
    ApiTokenRow,
    OrganizationMemberRow,
    OrganizationRow,
    ProjectRow,
    SubscriptionRow,
    UserRow,
)
from modelyard.db.tables.jobs import JobRow
from modelyard.db.tables.observe import LogRow
from modelyard.db.tables.pipelines import PipelineAttachmentRow, PipelineObjectRow, PipelineRow
from modelyard.db.tables.schedules import ScheduleRow
from modelyard.db.tables.serving import BuildRow, ModelRow, ModelVersionRow

__all__ = [
    "ApiTokenRow",
    "Base",
    "BlobRow",
    "BuildRow",
    "ConnectorRow",
    "CredentialsRow",
    "EnvironmentVariableRow",
    "JobRow",
    "LogRow",
    "ModelRow",
    "ModelVersionRow",
    "OrganizationMemberRow",
    "OrganizationRow",
    "PipelineAttachmentRow",
    "PipelineObjectRow",
    "PipelineRow",
    "ProjectRow",
    "ScheduleRow",
    "SubscriptionRow",
    "UserRow",
]
