"""Identity services on a real migrated database: visibility, admin rules, tokens."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from modelyard.core.identity import service
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    OrganizationUpdate,
    Principal,
    ProjectCreate,
    ProjectUpdate,
    UserCreate,
    UserUpdate,
)
from modelyard.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated


def make_user(session: Session, email: str, *, admin: bool = False) -> Principal:
    user = service.create_user(
        session, UserCreate(email=email, password="Passw0rd!", is_admin=admin)
    )
    return Principal(user_id=user.id, email=user.email, is_admin=admin)


def make_org(session: Session, owner: Principal, name: str, subscription: str = "free") -> None:
    service.create_organization(
        session,
        owner,
        OrganizationCreate(name=name, subscription=subscription, subscription_agreed=True),
    )


@pytest.fixture
def alice(session: Session) -> Principal:
    return make_user(session, "alice@example.com")


@pytest.fixture
def bob(session: Session) -> Principal:
    return make_user(session, "bob@example.com")


class TestOrganizations:
    def test_creator_becomes_admin_and_sees_it(self, session: Session, alice: Principal) -> None:
        make_org(session, alice, "acme")
        assert [o.name for o in service.list_organizations(session, alice)] == ["acme"]
        service.create_project(session, alice, ProjectCreate(name="p", organization_name="acme"))

    def test_others_do_not_see_it(self, session: Session, alice: Principal, bob: Principal) -> None:
        make_org(session, alice, "acme")
        assert service.list_organizations(session, bob) == []
        with pytest.raises(NotFound):
            service.get_organization(session, bob, "acme")

    def test_duplicate_name_conflicts(
        self, session: Session, alice: Principal, bob: Principal
    ) -> None:
        make_org(session, alice, "acme")
        with pytest.raises(Conflict, match="acme"):
            make_org(session, bob, "acme")

    def test_unknown_subscription_is_invalid(self, session: Session, alice: Principal) -> None:
        with pytest.raises(InvalidInput) as caught:
            make_org(session, alice, "acme", subscription="platinum")
        assert caught.value.field == "subscription"

    def test_terms_must_be_agreed(self, session: Session, alice: Principal) -> None:
        data = OrganizationCreate(name="acme", subscription="free", subscription_agreed=False)
        with pytest.raises(InvalidInput) as caught:
            service.create_organization(session, alice, data)
        assert caught.value.field == "subscription_agreed"
        assert service.list_organizations(session, alice) == []

    def test_free_subscription_has_no_end_date(self, session: Session, alice: Principal) -> None:
        make_org(session, alice, "acme", subscription="professional")
        update = OrganizationUpdate(subscription="free", subscription_agreed=True)
        service.update_organization(session, alice, "acme", update)
        with pytest.raises(InvalidInput) as caught:
            service.update_organization(
                session,
                alice,
                "acme",
                OrganizationUpdate.model_validate({"subscription_end_date": "2030-01-01"}),
            )
        assert caught.value.field == "subscription_end_date"

    def test_rename_and_clear_end_date(self, session: Session, alice: Principal) -> None:
        data = OrganizationCreate(
            name="acme",
            subscription="professional",
            subscription_agreed=True,
            subscription_end_date="2030-01-01",  # type: ignore[arg-type]
        )
        service.create_organization(session, alice, data)
        update = OrganizationUpdate.model_validate(
            {"name": "acme-two", "subscription_end_date": None}
        )
        renamed = service.update_organization(session, alice, "acme", update)
        assert renamed.name == "acme-two"
        assert renamed.subscription_end_date is None


class TestProjects:
    def test_members_see_projects_of_their_organizations_only(
        self, session: Session, alice: Principal, bob: Principal
    ) -> None:
        make_org(session, alice, "acme")
        make_org(session, bob, "globex")
        service.create_project(session, alice, ProjectCreate(name="a1", organization_name="acme"))
        service.create_project(session, bob, ProjectCreate(name="b1", organization_name="globex"))
        assert [p.name for p in service.list_projects(session, alice)] == ["a1"]
        with pytest.raises(NotFound):
            service.get_project(session, alice, "b1")
        with pytest.raises(NotFound):
            service.delete_project(session, alice, "b1")

    def test_project_in_unknown_or_foreign_organization(
        self, session: Session, alice: Principal, bob: Principal
    ) -> None:
        make_org(session, bob, "globex")
        with pytest.raises(NotFound) as caught:
            service.create_project(
                session, alice, ProjectCreate(name="x", organization_name="globex")
            )
        assert caught.value.field == "organization_name"

    def test_non_admin_members_may_read_but_not_change(
        self, session: Session, alice: Principal
    ) -> None:
        from modelyard.core.identity import repository
        from modelyard.db.tables import OrganizationMemberRow

        carol = make_user(session, "carol@example.com")
        make_org(session, alice, "acme")
        service.create_project(session, alice, ProjectCreate(name="a1", organization_name="acme"))
        organization = repository.get_organization_by_name(session, "acme")
        assert organization is not None
        session.add(
            OrganizationMemberRow(
                organization_id=organization.id, user_id=carol.user_id, admin=False
            )
        )
        session.flush()
        assert service.get_project(session, carol, "a1").organization_name == "acme"
        with pytest.raises(PermissionDenied):
            service.update_project(session, carol, "a1", ProjectUpdate(name="a2"))
        with pytest.raises(PermissionDenied):
            service.create_project(
                session, carol, ProjectCreate(name="a3", organization_name="acme")
            )

    def test_rename_to_taken_name_conflicts(self, session: Session, alice: Principal) -> None:
        make_org(session, alice, "acme", subscription="professional")
        for name in ("a1", "a2"):
            service.create_project(
                session, alice, ProjectCreate(name=name, organization_name="acme")
            )
        with pytest.raises(Conflict):
            service.update_project(session, alice, "a1", ProjectUpdate(name="a2"))
        assert service.update_project(session, alice, "a1", ProjectUpdate(name="a9")).name == "a9"

    def test_delete_removes_the_project(self, session: Session, alice: Principal) -> None:
        make_org(session, alice, "acme")
        service.create_project(session, alice, ProjectCreate(name="a1", organization_name="acme"))
        service.delete_project(session, alice, "a1")
        assert service.list_projects(session, alice) == []


class TestUsersAndTokens:
    def test_token_authenticates_until_revoked(self, session: Session, alice: Principal) -> None:
        issued = service.issue_token(session, "alice@example.com")
        assert service.authenticate(session, issued.token).user_id == alice.user_id
        service.revoke_token(session, str(issued.id))
        with pytest.raises(Unauthenticated):
            service.authenticate(session, issued.token)

    def test_revoke_by_the_token_itself(self, session: Session, alice: Principal) -> None:
        issued = service.issue_token(session, "alice@example.com")
        assert service.revoke_token(session, issued.token).id == issued.id

    def test_unknown_token_is_refused(self, session: Session) -> None:
        with pytest.raises(Unauthenticated):
            service.authenticate(session, "my_nope")
        with pytest.raises(Unauthenticated):
            service.authenticate(session, None)

    def test_emails_are_unique_case_insensitively(self, session: Session, alice: Principal) -> None:
        with pytest.raises(Conflict):
            make_user(session, "ALICE@example.com")

    def test_password_change_needs_the_previous_one(
        self, session: Session, alice: Principal
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            service.update_user(
                session, alice, UserUpdate(password="N3w-passw0rd", previous_password="wrong")
            )
        assert caught.value.field == "previous_password"
        with pytest.raises(InvalidInput) as weak:
            service.update_user(
                session, alice, UserUpdate(password="weak", previous_password="Passw0rd!")
            )
        assert weak.value.field == "password"
        service.update_user(
            session, alice, UserUpdate(password="N3w-passw0rd", previous_password="Passw0rd!")
        )

    def test_deleting_a_user_removes_their_tokens(self, session: Session, alice: Principal) -> None:
        issued = service.issue_token(session, "alice@example.com")
        service.delete_user(session, alice)
        with pytest.raises(Unauthenticated):
            service.authenticate(session, issued.token)

    def test_last_administrator_stays(self, session: Session) -> None:
        root = make_user(session, "root@example.com", admin=True)
        with pytest.raises(Conflict):
            service.delete_user(session, root)


class TestBootstrap:
    def test_first_start_creates_admin_org_project_and_token_once(self, session: Session) -> None:
        issued = service.bootstrap(session, admin_email="admin@modelyard.local")
        assert issued is not None
        principal = service.authenticate(session, issued.token)
        assert principal.is_admin
        assert [p.name for p in service.list_projects(session, principal)] == ["default"]
        assert service.bootstrap(session, admin_email="admin@modelyard.local") is None
