"""Subscriptions: what an organization may use, and the checks that hold it to that.

Subscriptions are managed by platform administrators. The limits they carry (projects, users,
model versions, requests per month; ``None`` is unlimited) are checked where the thing is
created. The direct request path asks a ``RequestQuota``, which keeps a per-organization count
in memory and refreshes it from the database at most every few seconds, so the hot path gains
no query.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from modelyard.core.identity import organizations_repository as org_repo
from modelyard.core.identity import repository as repo
from modelyard.core.identity import rules
from modelyard.core.identity.errors import invalid, name_taken
from modelyard.core.identity.schemas import (
    OrganizationSubscriptionRead,
    Principal,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
)
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import OrganizationRow, OrganizationSubscriptionRow, SubscriptionRow
from modelyard.db.types import utcnow
from modelyard.errors import Conflict, NotFound, PermissionDenied

LIMITS = ("max_projects", "max_users", "max_versions", "max_requests_per_month")
COUNTS = ("gb_seconds", "resources")
LINKS = ("agreement", "terms_conditions")
LINK_MAX = 1024
INT_MAX = 2_147_483_647


def subscription_not_found(name: str) -> NotFound:
    return NotFound(f"Subscription '{name}' was not found", field="subscription_name")


def limit_reached(limit: str, value: int, subscription: str, what: str) -> PermissionDenied:
    """The error every exceeded limit gives: which limit, of which subscription, and why."""
    return PermissionDenied(
        f"Limit '{limit}' of subscription '{subscription}' reached: at most {value} {what}",
        field=limit,
    )


# -- administration -------------------------------------------------------------------------


def require_admin(principal: Principal) -> None:
    """Subscriptions are the platform's business: its administrators only."""
    if not principal.is_admin:
        raise PermissionDenied("Only modelyard administrators may manage subscriptions")


def _check_limits(data: SubscriptionCreate | SubscriptionUpdate) -> None:
    for field in (*LIMITS, *COUNTS, "logs_retention_days"):
        value = getattr(data, field)
        if value is not None and not 0 <= value <= INT_MAX:
            raise invalid(field, f"must be between 0 and {INT_MAX} (or null for no limit)")
    if data.logs_retention_days is not None and data.logs_retention_days < 1:
        raise invalid("logs_retention_days", "must be at least 1")
    for field in LINKS:
        value = getattr(data, field)
        if value is not None and len(value) > LINK_MAX:
            raise invalid(field, f"must be at most {LINK_MAX} characters long")


def _row(session: Session, name: str) -> SubscriptionRow:
    row = repo.get_subscription(session, name)
    if row is None:
        raise subscription_not_found(name)
    return row


def create_subscription(
    session: Session, principal: Principal, data: SubscriptionCreate
) -> SubscriptionRead:
    """A new subscription organizations can be given; administrators only."""
    require_admin(principal)
    name = rules.check_name(data.name)
    _check_limits(data)
    if repo.get_subscription(session, name) is not None:
        raise name_taken("Subscription", name)
    row = SubscriptionRow(**data.model_dump(exclude={"name"}), name=name, id=uuid.uuid4())
    repo.add(session, row, conflict=name_taken("Subscription", name))
    return SubscriptionRead.model_validate(row)


def list_subscriptions(session: Session, principal: Principal) -> list[SubscriptionRead]:
    """Every subscription to administrators; the public ones to everybody else."""
    rows = org_repo.list_subscriptions(session)
    return [
        SubscriptionRead.model_validate(row) for row in rows if principal.is_admin or not row.hidden
    ]


def get_subscription(session: Session, principal: Principal, name: str) -> SubscriptionRead:
    require_admin(principal)
    return SubscriptionRead.model_validate(_row(session, name))


def update_subscription(
    session: Session, principal: Principal, name: str, data: SubscriptionUpdate
) -> SubscriptionRead:
    """Change limits or rename; organizations on the subscription follow a rename."""
    require_admin(principal)
    row = _row(session, name)
    _check_limits(data)
    changed = data.model_fields_set - {"name"}
    if "logs_retention_days" in changed and data.logs_retention_days is None:
        raise invalid("logs_retention_days", "may not be null")
    for field in changed:
        value = getattr(data, field)
        if field == "hidden" and value is None:
            raise invalid("hidden", "may not be null")
        setattr(row, field, value)
    session.flush()
    if data.name is not None and data.name != row.name:
        row = _rename(session, row, rules.check_name(data.name))
    return SubscriptionRead.model_validate(row)


def _rename(session: Session, row: SubscriptionRow, new_name: str) -> SubscriptionRow:
    """The name is the key organizations point at: add the renamed copy, move them, drop the
    old one, then give the copy the old id."""
    if repo.get_subscription(session, new_name) is not None:
        raise name_taken("Subscription", new_name)
    fields = {c.key: getattr(row, c.key) for c in SubscriptionRow.__table__.columns}
    copy = SubscriptionRow(**{**fields, "name": new_name, "id": uuid.uuid4()})
    repo.add(session, copy, conflict=name_taken("Subscription", new_name))
    org_repo.move_subscription(session, row.name, new_name)
    session.delete(row)
    session.flush()
    copy.id = fields["id"]
    session.flush()
    session.expire_all()
    return copy


def delete_subscription(session: Session, principal: Principal, name: str) -> None:
    """Remove a subscription no organization uses."""
    require_admin(principal)
    row = _row(session, name)
    used = org_repo.count_organizations_with(session, name)
    if used:
        raise Conflict(
            f"Subscription '{name}' is used by {used} organization(s) and cannot be deleted",
            field="subscription_name",
        )
    session.delete(row)
    session.flush()


# -- history of an organization -------------------------------------------------------------


def record_subscription(
    session: Session,
    organization_id: uuid.UUID,
    subscription: str,
    *,
    agreed_by: str,
    updated_by: str | None = None,
) -> None:
    """Note that the organization is on ``subscription`` from today."""
    session.add(
        OrganizationSubscriptionRow(
            organization_id=organization_id,
            subscription=subscription,
            start_date=utcnow().date(),
            agreement_user=agreed_by,
            update_user=updated_by,
        )
    )
    session.flush()


def history(session: Session, organization: OrganizationRow) -> list[OrganizationSubscriptionRead]:
    """The organization's subscriptions, newest first (an organization older than the history
    shows its current subscription since its creation)."""
    rows = org_repo.subscription_history(session, organization.id)
    if rows:
        return [OrganizationSubscriptionRead.model_validate(row) for row in rows]
    start: date = organization.creation_date.date()
    return [
        OrganizationSubscriptionRead(
            id=organization.id,
            subscription=organization.subscription,
            start_date=start,
            agreement_user=None,
            update_user=None,
        )
    ]


# -- limits ---------------------------------------------------------------------------------


def check_project_limit(session: Session, organization: OrganizationRow) -> None:
    """Before a project is created in ``organization``."""
    subscription = _row(session, organization.subscription)
    limit = subscription.max_projects
    if limit is not None and org_repo.count_projects(session, organization.id) >= limit:
        raise limit_reached("max_projects", limit, subscription.name, "projects per organization")


def check_user_limit(session: Session, organization: OrganizationRow) -> None:
    """Before a user is added to ``organization``."""
    subscription = _row(session, organization.subscription)
    limit = subscription.max_users
    if limit is not None and org_repo.count_members(session, organization.id) >= limit:
        raise limit_reached("max_users", limit, subscription.name, "users per organization")


def check_version_limit(session: Session, organization_id: uuid.UUID) -> None:
    """Before a model version is created in a project of the organization."""
    subscription = org_repo.subscription_of(session, organization_id)
    limit = subscription.max_versions if subscription else None
    if limit is None or subscription is None:
        return
    if org_repo.count_versions(session, organization_id) >= limit:
        raise limit_reached("max_versions", limit, subscription.name, "model versions")


def requests_this_month(session: Session, organization_id: uuid.UUID, now: datetime) -> int:
    """Model requests the organization made in the calendar month (UTC) of ``now``, as stored
    so far (the metrics writer is a few seconds behind): what the monthly limit counts."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    end = start.replace(year=year, month=month)
    return int(org_repo.count_model_requests(session, organization_id, start=start, end=end))


def check_request_limit(session: Session, organization_id: uuid.UUID, *, count: int = 1) -> None:
    """Before ``count`` requests (batch, pipeline) are accepted for the organization."""
    found = org_repo.limits_of(session, organization_id)
    limit = found[2] if found else None
    if found is None or limit is None:
        return
    subscription = found[1]
    used = requests_this_month(session, organization_id, utcnow())
    if used + count > limit:
        raise monthly_limit_reached(limit, subscription)


def monthly_limit_reached(limit: int, subscription: str) -> PermissionDenied:
    return limit_reached("max_requests_per_month", limit, subscription, "requests per month")


@dataclass
class _Tally:
    subscription: str
    limit: int | None
    used: int
    fetched: float
    month: tuple[int, int]


class RequestQuota:
    """The monthly request limit on the direct request path, without a query per request.

    Each organization's limit and count are read at most every ``refresh`` seconds; between
    reads the requests admitted here are added locally. Other servers' requests show up at the
    next read, so the limit holds to within a few seconds of traffic.
    """

    def __init__(self, sessions: SessionFactory, *, refresh: float = 5.0) -> None:
        self.sessions, self.refresh = sessions, refresh
        self._tallies: dict[uuid.UUID, _Tally] = {}
        self._lock = threading.Lock()

    def admit(self, organization_id: uuid.UUID, count: int = 1) -> None:
        """Count ``count`` requests, or refuse them if the month's limit would be passed."""
        tally = self._tally(organization_id)
        with self._lock:
            if tally.limit is not None and tally.used + count > tally.limit:
                raise monthly_limit_reached(tally.limit, tally.subscription)
            tally.used += count

    def fresh(self, organization_id: uuid.UUID) -> bool:
        """Whether ``admit`` can decide without reading the database (else ``refresh`` first,
        from a thread, to keep an event loop free of the read)."""
        tally = self._tallies.get(organization_id)
        if tally is None or time.monotonic() - tally.fetched >= self.refresh:
            return False
        now = utcnow()
        return tally.month == (now.year, now.month)

    def _tally(self, organization_id: uuid.UUID) -> _Tally:
        if self.fresh(organization_id):
            return self._tallies[organization_id]
        return self.refresh_tally(organization_id)

    def refresh_tally(self, organization_id: uuid.UUID) -> _Tally:
        """Read the organization's limit and this month's count again."""
        now = utcnow()
        with transaction(self.sessions) as session:
            found = org_repo.limits_of(session, organization_id)
            limit = found[2] if found else None
            used = requests_this_month(session, organization_id, now) if limit is not None else 0
        subscription = found[1] if found else ""
        tally = _Tally(subscription, limit, used, time.monotonic(), (now.year, now.month))
        self._tallies[organization_id] = tally
        return tally
