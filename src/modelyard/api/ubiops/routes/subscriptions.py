"""``/subscriptions`` (platform administrators) and an organization's subscription history."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account
from modelyard.api.ubiops.protocol import subscriptions as wire
from modelyard.api.ubiops.translate import subscriptions as translate
from modelyard.core.identity import organizations, subscriptions
from modelyard.core.identity.schemas import Principal

router = Router()


@router.post("/subscriptions", status_code=201)
def subscriptions_create(
    body: wire.SubscriptionCreate,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.subscriptions.create")],
) -> wire.SubscriptionDetail:
    data = translate.subscription_create(body)
    created = subscriptions.create_subscription(session, principal, data)
    return translate.subscription_detail(created)


@router.get("/subscriptions")
def subscriptions_list(
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.subscriptions.list")],
) -> list[wire.SubscriptionList]:
    listed = subscriptions.list_subscriptions(session, principal)
    return [translate.subscription_list(subscription) for subscription in listed]


@router.get("/subscriptions/{subscription_name}")
def subscriptions_get(
    subscription_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.subscriptions.get")],
) -> wire.SubscriptionDetail:
    found = subscriptions.get_subscription(session, principal, subscription_name)
    return translate.subscription_detail(found)


@router.patch("/subscriptions/{subscription_name}")
def subscriptions_update(
    subscription_name: str,
    body: wire.SubscriptionUpdate,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.subscriptions.update")],
) -> wire.SubscriptionDetail:
    data = translate.subscription_update(body)
    updated = subscriptions.update_subscription(session, principal, subscription_name, data)
    return translate.subscription_detail(updated)


@router.delete("/subscriptions/{subscription_name}", status_code=204)
def subscriptions_delete(
    subscription_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.subscriptions.delete")],
) -> Response:
    subscriptions.delete_subscription(session, principal, subscription_name)
    return no_content()


@router.get("/organizations/{organization_name}/subscriptions")
def organization_subscriptions_list(
    organization_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.subscriptions.list")],
) -> list[wire.OrganizationSubscriptionList]:
    entries = organizations.subscription_history(session, principal, organization_name)
    return [translate.history_entry(entry) for entry in entries]
