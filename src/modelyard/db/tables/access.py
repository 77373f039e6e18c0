"""Rows of access control: custom roles, their permissions, role assignments, service users.

Built-in roles (``project-admin``, ``project-editor``, ``project-viewer``) live in code, not
here: an assignment names one in ``builtin_role``, or points at a custom role by ``role_id``
(exactly one of the two is set). A service user is an ordinary ``users`` row (so tokens and
authentication work unchanged in every dialect) bound to one project by ``service_users``;
deleting the project removes the binding by cascade, and the project's deletion removes the
user rows too.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class RoleRow(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RolePermissionRow(Base):
    __tablename__ = "role_permissions"
    __table_args__ = (UniqueConstraint("role_id", "permission"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    role_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), index=True
    )
    permission: Mapped[str] = mapped_column(String(128))


class RoleAssignmentRow(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (Index("ix_role_assignments_user_project", "user_id", "project_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    builtin_role: Mapped[str | None] = mapped_column(String(64))
    role_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), index=True
    )
    object_type: Mapped[str] = mapped_column(String(16), default="project")
    object_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceUserRow(Base):
    __tablename__ = "service_users"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(256))
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
