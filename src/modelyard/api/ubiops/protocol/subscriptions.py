"""Wire models of subscriptions and of an organization's subscription history.

Beyond the seed's fields, a subscription also carries ``max_versions`` and
``max_requests_per_month`` (the client ignores fields it does not know, and sends them when
given a dict); ``null`` means no limit.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from modelyard.api.ubiops.protocol import Id, Wire


class SubscriptionCreate(Wire):
    name: str = Field(min_length=1, max_length=64)
    max_projects: int | None
    max_users: int | None
    logs_retention_days: int
    gb_seconds: int | None
    resources: int | None
    max_versions: int | None = None
    max_requests_per_month: int | None = None
    agreement: str | None = None
    terms_conditions: str | None = None
    hidden: bool = False


class SubscriptionUpdate(Wire):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    max_projects: int | None = None
    max_users: int | None = None
    max_versions: int | None = None
    max_requests_per_month: int | None = None
    logs_retention_days: int | None = None
    gb_seconds: int | None = None
    resources: int | None = None
    agreement: str | None = None
    terms_conditions: str | None = None
    hidden: bool | None = None


class SubscriptionList(Wire):
    id: Id
    name: str


class SubscriptionDetail(SubscriptionList):
    max_projects: int | None
    max_users: int | None
    max_versions: int | None
    max_requests_per_month: int | None
    logs_retention_days: int
    gb_seconds: int | None
    resources: int | None
    agreement: str | None
    terms_conditions: str | None
    hidden: bool


class OrganizationSubscriptionList(Wire):
    id: str
    subscription: str
    start_date: date
    subscription_agreement_user: str | None
    subscription_update_user: str | None
