"""ORM rows (``*Row``). Importing this package registers every table on ``Base.metadata``."""

from modelyard.db.tables.access import (
    RoleAssignmentRow,
    RolePermissionRow,
    RoleRow,
    ServiceUserRow,
)
from modelyard.db.tables.base import Base
from modelyard.db.tables.cluster import PlacementRow, WorkerRow
from modelyard.db.tables.connectors import ConnectorRow, CredentialsRow
from modelyard.db.tables.data import BlobRow
from modelyard.db.tables.datasources import DatasourceRow, SampleDatasetRow
from modelyard.db.tables.documents import (
    ApplicationRow,
    CallbackRow,
    DocumentJobRow,
    DocumentModelRow,
    DocumentRow,
)
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
from modelyard.db.tables.observe import AuditLogRow, LogRow, MetricRow
from modelyard.db.tables.organizations import OrganizationSubscriptionRow
from modelyard.db.tables.pipelines import PipelineAttachmentRow, PipelineObjectRow, PipelineRow
from modelyard.db.tables.schedules import ScheduleRow
from modelyard.db.tables.serving import BuildRow, ModelRow, ModelVersionRow
from modelyard.db.tables.tabular import TabularChunkRow, TabularDatasetRow, TabularModelRow
from modelyard.db.tables.tracking import (
    ExperimentRow,
    ModelDatasetRow,
    ModelExperimentRow,
    RecordRow,
    RunRow,
    SeasonRow,
    SiteRow,
    TrackedDatasetRow,
    TrackedModelRow,
)

__all__ = [
    "ApiTokenRow",
    "ApplicationRow",
    "AuditLogRow",
    "Base",
    "BlobRow",
    "BuildRow",
    "CallbackRow",
    "ConnectorRow",
    "CredentialsRow",
    "DatasourceRow",
    "DocumentJobRow",
    "DocumentModelRow",
    "DocumentRow",
    "EnvironmentVariableRow",
    "ExperimentRow",
    "JobRow",
    "LogRow",
    "MetricRow",
    "ModelDatasetRow",
    "ModelExperimentRow",
    "ModelRow",
    "ModelVersionRow",
    "OrganizationMemberRow",
    "OrganizationRow",
    "OrganizationSubscriptionRow",
    "PipelineAttachmentRow",
    "PipelineObjectRow",
    "PipelineRow",
    "PlacementRow",
    "ProjectRow",
    "RecordRow",
    "RoleAssignmentRow",
    "RolePermissionRow",
    "RoleRow",
    "RunRow",
    "SampleDatasetRow",
    "ScheduleRow",
    "SeasonRow",
    "ServiceUserRow",
    "SiteRow",
    "SubscriptionRow",
    "TabularChunkRow",
    "TabularDatasetRow",
    "TabularModelRow",
    "TrackedDatasetRow",
    "TrackedModelRow",
    "UserRow",
    "WorkerRow",
]
