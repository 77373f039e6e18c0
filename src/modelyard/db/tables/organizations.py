"""Rows of an organization's history: which subscription it had from when, and who chose it."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class OrganizationSubscriptionRow(Base):
    __tablename__ = "organization_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    subscription: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    agreement_user: Mapped[str | None] = mapped_column(String(254))
    update_user: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
