"""Organization members, subscriptions and their limits, and resource usage, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from modelyard.core.identity import organizations, service, subscriptions
from modelyard.core.identity.access import service as access
from modelyard.core.identity.access import service_users
from modelyard.core.identity.access.schemas import RoleAssignmentCreate, ServiceUserCreate
from modelyard.core.identity.schemas import (
    MemberCreate,
    MemberUpdate,
    OrganizationCreate,
    OrganizationUpdate,
    Principal,
    ProjectCreate,
    ProjectRef,
    SubscriptionCreate,
    SubscriptionUpdate,
    UserCreate,
)
from modelyard.core.observe.metrics import MetricRecorder
from modelyard.core.pipelines import service as pipelines
from modelyard.core.pipelines.schemas import PipelineCreate
from modelyard.core.serving import service as serving
from modelyard.core.serving.schemas import FieldSpec, ModelCreate, VersionCreate
from modelyard.db.engine import SessionFactory, transaction
from modelyard.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def make_user(session: Session, email: str, *, admin: bool = False) -> Principal:
    user = service.create_user(session, UserCreate(email=email, is_admin=admin))
    return Principal(user_id=user.id, email=user.email, is_admin=admin)


def make_org(
    session: Session, owner: Principal, name: str, subscription: str = "enterprise"
) -> None:
    data = OrganizationCreate(name=name, subscription=subscription, subscription_agreed=True)
    service.create_organization(session, owner, data)


def make_subscription(session: Session, root: Principal, name: str, **limits: int) -> None:
    data = SubscriptionCreate(name=name, logs_retention_days=7, **limits)
    subscriptions.create_subscription(session, root, data)


def make_project(session: Session, owner: Principal, name: str, organization: str) -> ProjectRef:
    service.create_project(session, owner, ProjectCreate(name=name, organization_name=organization))
    return service.project_scope(session, owner, name)


def make_model(session: Session, project: ProjectRef, name: str, versions: int) -> None:
    model = ModelCreate(
        name=name,
        input_type="structured",
        output_type="plain",
        input_fields=[FieldSpec(name="x", data_type="double")],
    )
    serving.create_model(session, project, model)
    for number in range(versions):
        serving.create_version(session, project, name, VersionCreate(version=f"v{number}"))


@pytest.fixture
def root(session: Session) -> Principal:
    return make_user(session, "root@example.com", admin=True)


@pytest.fixture
def alice(session: Session) -> Principal:
    return make_user(session, "alice@example.com")


@pytest.fixture
def bob(session: Session) -> Principal:
    return make_user(session, "bob@example.com")


@pytest.fixture
def acme(session: Session, alice: Principal) -> str:
    make_org(session, alice, "acme")
    return "acme"


def add(session: Session, admin: Principal, email: str, *, as_admin: bool = False) -> str:
    data = MemberCreate(email=email, admin=as_admin)
    return str(organizations.add_member(session, admin, "acme", data).id)


class TestMembers:
    def test_add_list_get_and_promote(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        bob_id = add(session, alice, "BOB@example.com")
        listed = organizations.list_members(session, bob, acme)
        assert [(m.email, m.admin) for m in listed] == [
            ("alice@example.com", True),
            ("bob@example.com", False),
        ]
        assert organizations.get_member(session, alice, acme, bob_id).email == "bob@example.com"
        promoted = organizations.update_member(
            session, alice, acme, bob_id, MemberUpdate(admin=True)
        )
        assert promoted.admin is True

    def test_unknown_email_is_named(self, session: Session, alice: Principal, acme: str) -> None:
        with pytest.raises(NotFound) as caught:
            add(session, alice, "nobody@example.com")
        assert caught.value.field == "email"
        assert "nobody@example.com" in caught.value.message

    def test_service_users_cannot_become_members(
        self, session: Session, alice: Principal, acme: str
    ) -> None:
        project = make_project(session, alice, "p1", acme)
        robot = service_users.create(session, project, ServiceUserCreate(name="robot"))
        with pytest.raises(NotFound) as caught:
            add(session, alice, robot.email)
        assert caught.value.field == "email"
        assert [m.email for m in organizations.list_members(session, alice, acme)] == [alice.email]

    def test_adding_twice_conflicts(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        add(session, alice, bob.email)
        with pytest.raises(Conflict):
            add(session, alice, bob.email)

    def test_only_admins_change_membership(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        carol = make_user(session, "carol@example.com")
        add(session, alice, bob.email)
        with pytest.raises(PermissionDenied):
            organizations.add_member(session, bob, acme, MemberCreate(email=carol.email))
        with pytest.raises(PermissionDenied):
            organizations.remove_member(session, bob, acme, str(alice.user_id))
        assert len(organizations.list_members(session, bob, acme)) == 2

    def test_strangers_see_nothing(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        with pytest.raises(NotFound) as caught:
            organizations.list_members(session, bob, acme)
        assert caught.value.field == "organization_name"
        with pytest.raises(NotFound):
            organizations.organization_resource_usage(session, bob, acme)

    def test_last_admin_can_be_neither_demoted_nor_removed(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        alice_id = str(alice.user_id)
        with pytest.raises(Conflict):
            organizations.update_member(session, alice, acme, alice_id, MemberUpdate(admin=False))
        with pytest.raises(Conflict):
            organizations.remove_member(session, alice, acme, alice_id)
        add(session, alice, bob.email, as_admin=True)
        organizations.remove_member(session, bob, acme, alice_id)
        assert [m.email for m in organizations.list_members(session, bob, acme)] == [bob.email]

    def test_removed_members_lose_their_roles_in_its_projects(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        bob_id = add(session, alice, bob.email)
        project = make_project(session, alice, "p1", acme)
        role = RoleAssignmentCreate(user_id=bob_id, role="project-viewer")
        access.create_assignment(session, project, role)
        assert len(access.list_assignments(session, project, bob_id)) == 1
        organizations.remove_member(session, alice, acme, bob_id)
        assert access.list_assignments(session, project, bob_id) == []

    def test_unknown_or_malformed_user_id(
        self, session: Session, alice: Principal, acme: str
    ) -> None:
        for user_id in ("not-a-uuid", "00000000-0000-0000-0000-000000000001"):
            with pytest.raises(NotFound) as caught:
                organizations.get_member(session, alice, acme, user_id)
            assert caught.value.field == "user_id"

    def test_user_limit_of_the_subscription(
        self, session: Session, root: Principal, alice: Principal, bob: Principal
    ) -> None:
        make_subscription(session, root, "solo", max_users=1)
        make_org(session, alice, "acme", subscription="solo")
        with pytest.raises(PermissionDenied) as caught:
            add(session, alice, bob.email)
        assert "max_users" in caught.value.message
        assert "solo" in caught.value.message


class TestSubscriptions:
    def test_create_get_update_list_delete(self, session: Session, root: Principal) -> None:
        make_subscription(session, root, "custom", max_projects=2, max_users=3)
        found = subscriptions.get_subscription(session, root, "custom")
        assert (found.max_projects, found.max_users, found.hidden) == (2, 3, False)
        update = SubscriptionUpdate.model_validate({"max_projects": 4, "max_versions": None})
        updated = subscriptions.update_subscription(session, root, "custom", update)
        assert (updated.max_projects, updated.max_versions, updated.id) == (4, None, found.id)
        names = [s.name for s in subscriptions.list_subscriptions(session, root)]
        assert names == ["custom", "enterprise", "free", "professional"]
        subscriptions.delete_subscription(session, root, "custom")
        with pytest.raises(NotFound):
            subscriptions.get_subscription(session, root, "custom")

    def test_seeded_subscriptions_exist(self, session: Session, root: Principal) -> None:
        free = subscriptions.get_subscription(session, root, "free")
        assert (free.max_projects, free.max_users) == (1, 3)

    def test_only_platform_administrators(self, session: Session, alice: Principal) -> None:
        with pytest.raises(PermissionDenied):
            make_subscription(session, alice, "mine")
        with pytest.raises(PermissionDenied):
            subscriptions.get_subscription(session, alice, "free")
        with pytest.raises(PermissionDenied):
            subscriptions.delete_subscription(session, alice, "free")

    def test_hidden_subscriptions_are_listed_to_administrators_only(
        self, session: Session, root: Principal, alice: Principal
    ) -> None:
        data = SubscriptionCreate(name="secret", logs_retention_days=7, hidden=True)
        subscriptions.create_subscription(session, root, data)
        assert "secret" in [s.name for s in subscriptions.list_subscriptions(session, root)]
        assert "secret" not in [s.name for s in subscriptions.list_subscriptions(session, alice)]

    def test_bad_limits_and_duplicates(self, session: Session, root: Principal) -> None:
        with pytest.raises(InvalidInput) as caught:
            make_subscription(session, root, "neg", max_projects=-1)
        assert caught.value.field == "max_projects"
        with pytest.raises(InvalidInput) as caught:
            make_subscription(session, root, "Bad Name")
        assert caught.value.field == "name"
        with pytest.raises(Conflict):
            make_subscription(session, root, "free")

    def test_in_use_cannot_be_deleted(self, session: Session, root: Principal, acme: str) -> None:
        with pytest.raises(Conflict) as caught:
            subscriptions.delete_subscription(session, root, "enterprise")
        assert "1 organization" in caught.value.message

    def test_rename_takes_organizations_along(
        self, session: Session, root: Principal, alice: Principal
    ) -> None:
        make_subscription(session, root, "old-name", max_projects=5)
        make_org(session, alice, "acme", subscription="old-name")
        before = subscriptions.get_subscription(session, root, "old-name")
        update = SubscriptionUpdate(name="new-name")
        renamed = subscriptions.update_subscription(session, root, "old-name", update)
        assert (renamed.name, renamed.id, renamed.max_projects) == ("new-name", before.id, 5)
        assert service.get_organization(session, alice, "acme").subscription == "new-name"
        history = organizations.subscription_history(session, alice, "acme")
        assert [h.subscription for h in history] == ["new-name"]
        with pytest.raises(NotFound):
            subscriptions.get_subscription(session, root, "old-name")


class TestHistory:
    def test_changes_are_recorded_newest_first(
        self, session: Session, alice: Principal, acme: str
    ) -> None:
        update = OrganizationUpdate(subscription="professional", subscription_agreed=True)
        service.update_organization(session, alice, acme, update)
        history = organizations.subscription_history(session, alice, acme)
        assert [(h.subscription, h.agreement_user, h.update_user) for h in history] == [
            ("professional", alice.email, alice.email),
            ("enterprise", alice.email, None),
        ]

    def test_members_who_are_not_admins_may_not_read_it(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        add(session, alice, bob.email)
        with pytest.raises(PermissionDenied):
            organizations.subscription_history(session, bob, acme)


class TestLimits:
    def test_projects(self, session: Session, root: Principal, alice: Principal) -> None:
        make_subscription(session, root, "one-project", max_projects=1)
        make_org(session, alice, "acme", subscription="one-project")
        make_project(session, alice, "first", "acme")
        with pytest.raises(PermissionDenied) as caught:
            make_project(session, alice, "second", "acme")
        assert "max_projects" in caught.value.message
        assert "one-project" in caught.value.message
        assert [p.name for p in service.list_projects(session, alice)] == ["first"]

    def test_versions_across_the_organization(
        self, session: Session, root: Principal, alice: Principal
    ) -> None:
        make_subscription(session, root, "three-versions", max_versions=3)
        make_org(session, alice, "acme", subscription="three-versions")
        make_model(session, make_project(session, alice, "p1", "acme"), "m", versions=2)
        second = make_project(session, alice, "p2", "acme")
        make_model(session, second, "m", versions=1)
        with pytest.raises(PermissionDenied) as caught:
            serving.create_version(session, second, "m", VersionCreate(version="v9"))
        assert caught.value.field == "max_versions"
        assert len(serving.list_versions(session, second, "m")) == 1

    def test_request_quota_refuses_past_the_monthly_limit(self, sessions: SessionFactory) -> None:
        with transaction(sessions) as session:
            root = make_user(session, "root@example.com", admin=True)
            make_subscription(session, root, "two-requests", max_requests_per_month=2)
            make_org(session, root, "acme", subscription="two-requests")
            project = make_project(session, root, "p", "acme")
        quota = subscriptions.RequestQuota(sessions)
        quota.admit(project.organization_id)
        quota.admit(project.organization_id)
        with pytest.raises(PermissionDenied) as caught:
            quota.admit(project.organization_id)
        assert "max_requests_per_month" in caught.value.message
        assert "two-requests" in caught.value.message

    def test_requests_recorded_count_against_the_limit(self, sessions: SessionFactory) -> None:
        with transaction(sessions) as session:
            root = make_user(session, "root@example.com", admin=True)
            make_subscription(session, root, "three-requests", max_requests_per_month=3)
            make_org(session, root, "acme", subscription="three-requests")
            project = make_project(session, root, "p", "acme")
            make_model(session, project, "m", versions=1)
            version_id = serving.get_version(session, project, "m", "v0").id
        recorder = MetricRecorder(sessions)
        recorder.start()
        for _ in range(2):
            recorder.record_model_request(
                project, version_id, data={}, result="ok", success=True, seconds=0.1
            )
        recorder.close()
        with transaction(sessions) as session:
            subscriptions.check_request_limit(session, project.organization_id, count=1)
            with pytest.raises(PermissionDenied) as caught:
                subscriptions.check_request_limit(session, project.organization_id, count=2)
        assert caught.value.field == "max_requests_per_month"

    def test_unlimited_subscriptions_never_refuse(self, sessions: SessionFactory) -> None:
        with transaction(sessions) as session:
            root = make_user(session, "root@example.com", admin=True)
            make_org(session, root, "acme")
            project = make_project(session, root, "p", "acme")
        quota = subscriptions.RequestQuota(sessions)
        for _ in range(100):
            quota.admit(project.organization_id)
        with transaction(sessions) as session:
            subscriptions.check_request_limit(session, project.organization_id, count=10_000)


class TestResourceUsage:
    def test_counts_match_what_was_created(
        self, session: Session, alice: Principal, bob: Principal, acme: str
    ) -> None:
        add(session, alice, bob.email)
        first = make_project(session, alice, "p1", acme)
        make_model(session, first, "m1", versions=2)
        make_model(session, first, "m2", versions=1)
        second = make_project(session, alice, "p2", acme)
        make_model(session, second, "m1", versions=1)
        pipelines.create_pipeline(session, second, PipelineCreate(name="pipe", input_type="plain"))
        usage = organizations.organization_resource_usage(session, bob, acme)
        assert usage.model_dump() == {
            "projects": 2,
            "users": 2,
            "models": 3,
            "versions": 4,
            "connectors": 0,
            "pipelines": 1,
        }
        assert organizations.project_resource_usage(session, first).model_dump() == {
            "models": 2,
            "versions": 3,
            "connectors": 0,
            "pipelines": 0,
        }
