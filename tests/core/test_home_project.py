"""The home project: where the path-less dialects act for a principal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from modelyard.core.identity import home, service
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    Principal,
    ProjectCreate,
    UserCreate,
)
from modelyard.errors import Unauthenticated


def make_user(session: Session, email: str) -> Principal:
    user = service.create_user(session, UserCreate(email=email))
    return Principal(user_id=user.id, email=user.email, is_admin=False)


class TestHomeProject:
    def test_the_first_administrator_acts_in_the_default_project(self, session: Session) -> None:
        issued = service.bootstrap(session, admin_email="root@example.com")
        assert issued is not None
        admin = service.authenticate(session, issued.token)
        assert home.home_project(session, admin).name == service.DEFAULT_PROJECT

    def test_a_user_in_no_organization_gets_a_personal_project_once(self, session: Session) -> None:
        alice = make_user(session, "alice@example.com")
        first = home.home_project(session, alice)
        assert first.name.startswith("home-")
        assert home.home_project(session, alice) == first
        assert [p.name for p in service.list_projects(session, alice)] == [first.name]

    def test_a_member_acts_in_a_project_of_their_organization(self, session: Session) -> None:
        bob = make_user(session, "bob@example.com")
        service.create_organization(
            session,
            bob,
            OrganizationCreate(name="acme", subscription="enterprise", subscription_agreed=True),
        )
        service.create_project(session, bob, ProjectCreate(name="lab", organization_name="acme"))
        assert home.home_project(session, bob).name == "lab"

    def test_a_home_the_user_lost_access_to_is_chosen_again(self, session: Session) -> None:
        carol = make_user(session, "carol@example.com")
        personal = home.home_project(session, carol)
        service.delete_project(session, carol, personal.name)
        session.expire_all()
        again = home.home_project(session, carol)
        assert again.id != personal.id


class TestSessionTokens:
    def test_a_session_token_acts_as_its_principal_until_it_expires(self, session: Session) -> None:
        alice = make_user(session, "dora@example.com")
        issued = service.issue_session_token(
            session, alice, lifetime=timedelta(minutes=5), description="access"
        )
        assert service.authenticate(session, issued.token).user_id == alice.user_id
        expired = service.issue_session_token(
            session, alice, lifetime=timedelta(seconds=-1), description="access"
        )
        with pytest.raises(Unauthenticated):
            service.authenticate(session, expired.token)

    def test_a_revoked_session_token_stops_working(self, session: Session) -> None:
        alice = make_user(session, "erin@example.com")
        issued = service.issue_session_token(session, alice, lifetime=None, description="login")
        service.revoke_token(session, issued.token)
        with pytest.raises(Unauthenticated):
            service.authenticate(session, issued.token)

    def test_expired_session_tokens_are_forgotten_and_api_tokens_kept(
        self, session: Session
    ) -> None:
        frank = make_user(session, "frank@example.com")
        api = service.issue_token(session, frank.email)
        live = service.issue_session_token(
            session, frank, lifetime=timedelta(minutes=5), description="access"
        )
        service.issue_session_token(
            session, frank, lifetime=timedelta(days=-2), description="access"
        )
        assert service.purge_expired_tokens(session) == 1
        assert service.authenticate(session, api.token).user_id == frank.user_id
        assert service.authenticate(session, live.token).user_id == frank.user_id
        assert len(service.list_tokens(session, frank.email)) == 2
