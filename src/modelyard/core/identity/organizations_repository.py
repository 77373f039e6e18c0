"""All SQL of organization members, subscriptions, subscription history and resource counts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from modelyard.db.tables import (
    ConnectorRow,
    MetricRow,
    ModelRow,
    ModelVersionRow,
    OrganizationMemberRow,
    OrganizationRow,
    OrganizationSubscriptionRow,
    PipelineRow,
    ProjectRow,
    RoleAssignmentRow,
    ServiceUserRow,
    SubscriptionRow,
    UserRow,
)

# -- members --------------------------------------------------------------------------------


def list_members(
    session: Session, organization_id: uuid.UUID
) -> Sequence[tuple[OrganizationMemberRow, UserRow]]:
    query = (
        select(OrganizationMemberRow, UserRow)
        .join(UserRow, UserRow.id == OrganizationMemberRow.user_id)
        .where(OrganizationMemberRow.organization_id == organization_id)
        .order_by(UserRow.email)
    )
    return [(member, user) for member, user in session.execute(query).all()]


def get_member(
    session: Session, organization_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[OrganizationMemberRow, UserRow] | None:
    query = (
        select(OrganizationMemberRow, UserRow)
        .join(UserRow, UserRow.id == OrganizationMemberRow.user_id)
        .where(
            OrganizationMemberRow.organization_id == organization_id,
            OrganizationMemberRow.user_id == user_id,
        )
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def count_members(session: Session, organization_id: uuid.UUID, *, admins: bool = False) -> int:
    query = select(func.count()).where(OrganizationMemberRow.organization_id == organization_id)
    if admins:
        query = query.where(OrganizationMemberRow.admin.is_(True))
    return session.scalar(query) or 0


def is_service_user(session: Session, user_id: uuid.UUID) -> bool:
    return session.get(ServiceUserRow, user_id) is not None


def delete_roles_in_organization(
    session: Session, organization_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """The user's role assignments in every project of the organization."""
    session.execute(
        delete(RoleAssignmentRow).where(
            RoleAssignmentRow.user_id == user_id,
            RoleAssignmentRow.project_id.in_(_projects_of(organization_id)),
        )
    )


# -- resource counts ------------------------------------------------------------------------


def _count(session: Session, query: Any) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _projects_of(organization_id: uuid.UUID) -> Any:
    return select(ProjectRow.id).where(ProjectRow.organization_id == organization_id)


def count_projects(session: Session, organization_id: uuid.UUID) -> int:
    return _count(session, _projects_of(organization_id))


def count_versions(session: Session, organization_id: uuid.UUID) -> int:
    """Versions of all models in all projects of the organization."""
    query = (
        select(ModelVersionRow.id)
        .join(ModelRow, ModelRow.id == ModelVersionRow.model_id)
        .where(ModelRow.project_id.in_(_projects_of(organization_id)))
    )
    return _count(session, query)


def project_counts(session: Session, project_ids: Any) -> dict[str, int]:
    """Models, versions, connectors and pipelines of the projects ``project_ids`` selects."""
    versions = (
        select(ModelVersionRow.id)
        .join(ModelRow, ModelRow.id == ModelVersionRow.model_id)
        .where(ModelRow.project_id.in_(project_ids))
    )
    return {
        "models": _count(session, select(ModelRow.id).where(ModelRow.project_id.in_(project_ids))),
        "versions": _count(session, versions),
        "connectors": _count(
            session, select(ConnectorRow.id).where(ConnectorRow.project_id.in_(project_ids))
        ),
        "pipelines": _count(
            session, select(PipelineRow.id).where(PipelineRow.project_id.in_(project_ids))
        ),
    }


def project_counts_of(session: Session, project_id: uuid.UUID) -> dict[str, int]:
    return project_counts(session, select(ProjectRow.id).where(ProjectRow.id == project_id))


def organization_counts(session: Session, organization_id: uuid.UUID) -> dict[str, int]:
    return {
        "projects": count_projects(session, organization_id),
        "users": count_members(session, organization_id),
        **project_counts(session, _projects_of(organization_id)),
    }


# -- subscriptions --------------------------------------------------------------------------


def list_subscriptions(session: Session) -> Sequence[SubscriptionRow]:
    return session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.name)).all()


def subscription_of(session: Session, organization_id: uuid.UUID) -> SubscriptionRow | None:
    query = (
        select(SubscriptionRow)
        .join(OrganizationRow, OrganizationRow.subscription == SubscriptionRow.name)
        .where(OrganizationRow.id == organization_id)
    )
    return session.scalar(query)


def limits_of(session: Session, organization_id: uuid.UUID) -> tuple[str, str, int | None] | None:
    """The organization's name, its subscription's name and its monthly request limit."""
    query = (
        select(OrganizationRow.name, SubscriptionRow.name, SubscriptionRow.max_requests_per_month)
        .join(SubscriptionRow, SubscriptionRow.name == OrganizationRow.subscription)
        .where(OrganizationRow.id == organization_id)
    )
    found = session.execute(query).first()
    return (found[0], found[1], found[2]) if found else None


def count_model_requests(
    session: Session, organization_id: uuid.UUID, *, start: datetime, end: datetime
) -> float:
    """Model requests of the organization's projects counted in ``[start, end)``, as the
    metrics writer has stored them (per minute, in the observe domain's table)."""
    query = select(func.coalesce(func.sum(MetricRow.value), 0.0)).where(
        MetricRow.organization_id == organization_id,
        MetricRow.object_type == "model_version",
        MetricRow.metric == "requests",
        MetricRow.bucket >= start,
        MetricRow.bucket < end,
    )
    return float(session.scalar(query) or 0.0)


def count_organizations_with(session: Session, subscription: str) -> int:
    query = select(func.count()).where(OrganizationRow.subscription == subscription)
    return session.scalar(query) or 0


def move_subscription(session: Session, old: str, new: str) -> None:
    """Point organizations and their history from subscription ``old`` to ``new``."""
    session.execute(
        update(OrganizationRow).where(OrganizationRow.subscription == old).values(subscription=new)
    )
    session.execute(
        update(OrganizationSubscriptionRow)
        .where(OrganizationSubscriptionRow.subscription == old)
        .values(subscription=new)
    )


def subscription_history(
    session: Session, organization_id: uuid.UUID
) -> Sequence[OrganizationSubscriptionRow]:
    query = (
        select(OrganizationSubscriptionRow)
        .where(OrganizationSubscriptionRow.organization_id == organization_id)
        .order_by(OrganizationSubscriptionRow.created_at.desc())
    )
    return session.scalars(query).all()
