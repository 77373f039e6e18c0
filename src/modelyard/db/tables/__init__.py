"""ORM rows (``*Row``). Importing this package registers every table on ``Base.metadata``."""

from modelyard.db.tables.base import Base
from modelyard.db.tables.identity import (
    ApiTokenRow,
    OrganizationMemberRow,
    OrganizationRow,
    ProjectRow,
    SubscriptionRow,
    UserRow,
)

__all__ = [
    "ApiTokenRow",
    "Base",
    "OrganizationMemberRow",
    "OrganizationRow",
    "ProjectRow",
    "SubscriptionRow",
    "UserRow",
]
