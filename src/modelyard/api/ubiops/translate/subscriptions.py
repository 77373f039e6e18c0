"""Translation of subscriptions and an organization's subscription history."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import subscriptions as wire
from modelyard.core.identity.schemas import (
    OrganizationSubscriptionRead,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
)


def subscription_create(body: wire.SubscriptionCreate) -> SubscriptionCreate:
    return SubscriptionCreate.model_validate(body.model_dump())


def subscription_update(body: wire.SubscriptionUpdate) -> SubscriptionUpdate:
    return SubscriptionUpdate.model_validate(body.model_dump(exclude_unset=True))


def subscription_list(subscription: SubscriptionRead) -> wire.SubscriptionList:
    return wire.SubscriptionList.model_validate(subscription, from_attributes=True)


def subscription_detail(subscription: SubscriptionRead) -> wire.SubscriptionDetail:
    return wire.SubscriptionDetail.model_validate(subscription, from_attributes=True)


def history_entry(entry: OrganizationSubscriptionRead) -> wire.OrganizationSubscriptionList:
    return wire.OrganizationSubscriptionList(
        id=str(entry.id),
        subscription=entry.subscription,
        start_date=entry.start_date,
        subscription_agreement_user=entry.agreement_user,
        subscription_update_user=entry.update_user,
    )
