"""Access control on a real migrated database: visibility, roles, assignments, service users,
and the direct request's one-statement check."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelyard.core.identity import access, service
from modelyard.core.identity.access import rules, service_users
from modelyard.core.identity.access import service as roles
from modelyard.core.identity.access.schemas import (
    RoleAssignmentCreate,
    RoleCreate,
    RoleUpdate,
    ServiceUserCreate,
)
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    Principal,
    ProjectCreate,
    ProjectRef,
    UserCreate,
)
from modelyard.core.serving import hotpath
from modelyard.core.serving.schemas import ModelCreate
from modelyard.core.serving.service import create_model
from modelyard.db.tables import OrganizationMemberRow
from modelyard.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated

REQUEST = "models.versions.requests.create"


def make_user(session: Session, email: str) -> Principal:
    user = service.create_user(session, UserCreate(email=email))
    return Principal(user_id=user.id, email=user.email, is_admin=False)


@dataclass
class World:
    """Organization ``acme`` (admin alice, member bob) with projects one and two; carol is a
    stranger; the service user ``robot`` lives in project one."""

    session: Session
    alice: Principal
    bob: Principal
    carol: Principal
    one: ProjectRef
    two: ProjectRef
    robot_id: str
    robot_token: str

    @property
    def robot(self) -> Principal:
        return service.authenticate(self.session, self.robot_token)

    def assign(self, user: Principal | str, role: str, **on: str) -> str:
        user_id = user if isinstance(user, str) else str(user.user_id)
        data = RoleAssignmentCreate(user_id=user_id, role=role, **on)
        return str(roles.create_assignment(self.session, self.one, data).id)


@pytest.fixture
def world(session: Session) -> World:
    alice = make_user(session, "alice@example.com")
    bob = make_user(session, "bob@example.com")
    carol = make_user(session, "carol@example.com")
    organization = service.create_organization(
        session,
        alice,
        OrganizationCreate(name="acme", subscription="enterprise", subscription_agreed=True),
    )
    session.add(OrganizationMemberRow(organization_id=organization.id, user_id=bob.user_id))
    for name in ("one", "two"):
        service.create_project(session, alice, ProjectCreate(name=name, organization_name="acme"))
    one = service.project_scope(session, alice, "one")
    two = service.project_scope(session, alice, "two")
    robot = service_users.create(session, one, ServiceUserCreate(name="robot"))
    return World(session, alice, bob, carol, one, two, str(robot.id), robot.token)


def custom_role(world: World, name: str, permissions: list[str]) -> None:
    roles.create_role(world.session, world.one, RoleCreate(name=name, permissions=permissions))


class TestVisibility:
    def test_a_stranger_cannot_see_the_project(self, world: World) -> None:
        with pytest.raises(NotFound):
            access.require(world.session, world.carol, "one", "models.list")

    def test_an_unknown_project_is_not_found(self, world: World) -> None:
        with pytest.raises(NotFound):
            access.require(world.session, world.alice, "nowhere", "models.list")

    def test_a_service_user_sees_only_its_own_project(self, world: World) -> None:
        with pytest.raises(NotFound):
            access.require(world.session, world.robot, "two", "models.list")
        names = [p.name for p in service.list_projects(world.session, world.robot)]
        assert names == ["one"]

    def test_a_service_user_sees_no_organization(self, world: World) -> None:
        assert service.list_organizations(world.session, world.robot) == []
        with pytest.raises(NotFound):
            service.get_organization(world.session, world.robot, "acme")


class TestImplicitRoles:
    def test_organization_admins_may_do_everything(self, world: World) -> None:
        held = [
            p
            for p in rules.PROJECT_PERMISSIONS
            if roles.holds(world.session, world.alice, "two", p)
        ]
        assert held == list(rules.PROJECT_PERMISSIONS)

    def test_members_may_read_but_not_write(self, world: World) -> None:
        assert access.require(world.session, world.bob, "one", "models.list").name == "one"
        with pytest.raises(PermissionDenied, match=r"models\.create"):
            access.require(world.session, world.bob, "one", "models.create")

    def test_a_service_user_holds_nothing_by_itself(self, world: World) -> None:
        with pytest.raises(PermissionDenied):
            access.require(world.session, world.robot, "one", "models.list")

    def test_the_creator_of_a_project_is_assigned_its_admin(self, world: World) -> None:
        found = roles.list_assignments(world.session, world.one, str(world.alice.user_id))
        assert [(a.role, a.object_type, a.object_name) for a in found] == [
            ("project-admin", "project", "one")
        ]

    def test_service_users_may_not_act_on_accounts(self, world: World) -> None:
        with pytest.raises(PermissionDenied):
            access.require_account(world.robot, "organizations.create")
        assert access.require_account(world.robot, "projects.list") == world.robot


class TestRoles:
    def test_the_default_roles_come_first(self, world: World) -> None:
        custom_role(world, "reader", ["models.list"])
        listed = roles.list_roles(world.session, world.one)
        assert [(r.name, r.default) for r in listed] == [
            ("project-admin", True),
            ("project-editor", True),
            ("project-viewer", True),
            ("reader", False),
        ]

    def test_a_custom_role_keeps_its_permissions_once_in_order(self, world: World) -> None:
        data = RoleCreate(name="m", permissions=["models.get", "models.list", "models.get"])
        created = roles.create_role(world.session, world.one, data)
        assert created.permissions == ["models.get", "models.list"]
        assert roles.get_role(world.session, world.one, "m") == created

    def test_custom_roles_belong_to_one_project(self, world: World) -> None:
        custom_role(world, "reader", ["models.list"])
        assert [r.name for r in roles.list_roles(world.session, world.two)][-1] == "project-viewer"
        with pytest.raises(NotFound):
            roles.get_role(world.session, world.two, "reader")

    def test_unknown_permissions_are_named(self, world: World) -> None:
        with pytest.raises(InvalidInput, match=r"'models\.fly'") as caught:
            custom_role(world, "bad", ["models.list", "models.fly"])
        assert caught.value.field == "permissions"

    @pytest.mark.parametrize("name", ["Upper", "1st", "", "a" * 65])
    def test_names_follow_the_naming_rule(self, world: World, name: str) -> None:
        with pytest.raises(InvalidInput):
            custom_role(world, name, [])

    @pytest.mark.parametrize("name", ["reader", "project-viewer"])
    def test_names_are_unique_with_the_defaults(self, world: World, name: str) -> None:
        custom_role(world, "reader", [])
        with pytest.raises(Conflict):
            custom_role(world, name, [])

    def test_default_roles_cannot_be_changed_or_deleted(self, world: World) -> None:
        with pytest.raises(InvalidInput):
            roles.update_role(world.session, world.one, "project-viewer", RoleUpdate(name="x"))
        with pytest.raises(InvalidInput):
            roles.delete_role(world.session, world.one, "project-admin")
        assert roles.get_role(world.session, world.one, "project-admin").default is True

    def test_an_update_renames_and_replaces_the_permissions(self, world: World) -> None:
        custom_role(world, "reader", ["models.list", "models.get"])
        data = RoleUpdate(name="lister", permissions=["pipelines.list"])
        updated = roles.update_role(world.session, world.one, "reader", data)
        assert (updated.name, updated.permissions) == ("lister", ["pipelines.list"])
        with pytest.raises(NotFound):
            roles.get_role(world.session, world.one, "reader")

    def test_deleting_a_role_takes_its_grants_away(self, world: World) -> None:
        custom_role(world, "writer", ["models.create"])
        world.assign(world.bob, "writer")
        access.require(world.session, world.bob, "one", "models.create")
        roles.delete_role(world.session, world.one, "writer")
        assert roles.list_assignments(world.session, world.one, str(world.bob.user_id)) == []
        with pytest.raises(PermissionDenied):
            access.require(world.session, world.bob, "one", "models.create")


class TestAssignments:
    def test_an_assigned_role_grants_its_permissions(self, world: World) -> None:
        world.assign(world.bob, "project-editor")
        assert access.require(world.session, world.bob, "one", "models.create").name == "one"
        with pytest.raises(PermissionDenied):
            access.require(world.session, world.bob, "one", "roles.create")
        with pytest.raises(PermissionDenied):
            access.require(world.session, world.bob, "two", "models.create")

    def test_a_role_on_a_model_covers_that_model_only(self, world: World) -> None:
        for name in ("kept", "other"):
            create_model(
                world.session,
                world.one,
                ModelCreate(name=name, input_type="plain", output_type="plain"),
            )
        world.assign(world.bob, "project-admin", object_type="model", object_name="kept")
        access.require(world.session, world.bob, "one", "models.delete", target=("model", "kept"))
        with pytest.raises(PermissionDenied):
            access.require(
                world.session, world.bob, "one", "models.delete", target=("model", "other")
            )
        with pytest.raises(PermissionDenied):
            access.require(world.session, world.bob, "one", "models.create")

    def test_get_list_and_delete(self, world: World) -> None:
        assignment_id = world.assign(world.robot_id, "project-viewer")
        found = roles.get_assignment(world.session, world.one, assignment_id)
        assert (str(found.user_id), found.role, found.object_type) == (
            world.robot_id,
            "project-viewer",
            "project",
        )
        assert roles.list_assignments(world.session, world.one, world.robot_id) == [found]
        roles.delete_assignment(world.session, world.one, assignment_id)
        with pytest.raises(NotFound):
            roles.get_assignment(world.session, world.one, assignment_id)
        with pytest.raises(PermissionDenied):
            access.require(world.session, world.robot, "one", "models.list")

    def test_an_assignment_is_not_visible_from_another_project(self, world: World) -> None:
        assignment_id = world.assign(world.bob, "project-editor")
        with pytest.raises(NotFound):
            roles.get_assignment(world.session, world.two, assignment_id)

    def test_the_same_assignment_twice_conflicts(self, world: World) -> None:
        world.assign(world.bob, "project-editor")
        with pytest.raises(Conflict):
            world.assign(world.bob, "project-editor")

    def test_strangers_cannot_be_assigned(self, world: World) -> None:
        with pytest.raises(NotFound) as caught:
            world.assign(world.carol, "project-viewer")
        assert caught.value.field == "user_id"

    def test_service_users_of_other_projects_cannot_be_assigned(self, world: World) -> None:
        other = service_users.create(world.session, world.two, ServiceUserCreate())
        with pytest.raises(NotFound):
            world.assign(str(other.id), "project-viewer")

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"role": "nobody"}, "role"),
            ({"user_id": "not-a-uuid"}, "user_id"),
            ({"object_type": "model"}, "object_type"),
            ({"object_type": "planet", "object_name": "x"}, "object_type"),
            ({"object_type": "model", "object_name": "missing"}, "object_name"),
            ({"object_type": "project", "object_name": "two"}, "object_name"),
        ],
    )
    def test_bad_input_names_the_field(
        self, world: World, fields: dict[str, str], field: str
    ) -> None:
        data = {"user_id": str(world.bob.user_id), "role": "project-viewer", **fields}
        with pytest.raises(InvalidInput) as caught:
            roles.create_assignment(world.session, world.one, RoleAssignmentCreate(**data))
        assert caught.value.field == field
        assert roles.list_assignments(world.session, world.one, str(world.bob.user_id)) == []


class TestServiceUsers:
    def test_the_email_is_generated_from_id_and_project(self, world: World) -> None:
        found = service_users.get(world.session, world.one, world.robot_id)
        assert found.email == f"{world.robot_id}.one@serviceuser.modelyard.local"
        assert found.name == "robot"
        assert [u.id for u in service_users.listing(world.session, world.one)] == [found.id]

    def test_a_service_user_belongs_to_one_project(self, world: World) -> None:
        with pytest.raises(NotFound):
            service_users.get(world.session, world.two, world.robot_id)
        assert service_users.listing(world.session, world.two) == []

    def test_an_update_renames(self, world: World) -> None:
        data = ServiceUserCreate(name="renamed")
        assert service_users.update(world.session, world.one, world.robot_id, data).name == (
            "renamed"
        )

    def test_a_reset_token_replaces_the_old_one_at_once(self, world: World) -> None:
        new = service_users.reset_token(world.session, world.one, world.robot_id)
        with pytest.raises(Unauthenticated):
            service.authenticate(world.session, world.robot_token)
        assert str(service.authenticate(world.session, new).user_id) == world.robot_id

    def test_deleting_a_service_user_stops_its_token(self, world: World) -> None:
        service_users.delete(world.session, world.one, world.robot_id)
        with pytest.raises(Unauthenticated):
            service.authenticate(world.session, world.robot_token)

    def test_deleting_the_project_deletes_its_service_users(self, world: World) -> None:
        service.delete_project(world.session, world.alice, "one")
        with pytest.raises(Unauthenticated):
            service.authenticate(world.session, world.robot_token)

    def test_a_long_name_is_refused(self, world: World) -> None:
        with pytest.raises(InvalidInput):
            service_users.create(world.session, world.one, ServiceUserCreate(name="x" * 257))


class TestDirectRequestCheck:
    """The hot path's one statement applies the same rules: a request for a missing model
    reaches 'model not found' only once access has been granted."""

    def resolve(self, world: World, token: str, project: str = "one") -> None:
        world.session.commit()
        engine = world.session.get_bind()
        assert isinstance(engine, Engine)
        with engine.connect() as connection:
            hotpath.resolve(connection, token, project=project, model="missing", version="v1")

    def test_organization_admins_pass(self, world: World) -> None:
        token = service.issue_token(world.session, "alice@example.com").token
        with pytest.raises(NotFound, match="missing"):
            self.resolve(world, token)

    def test_members_without_a_role_are_refused(self, world: World) -> None:
        token = service.issue_token(world.session, "bob@example.com").token
        with pytest.raises(PermissionDenied):
            self.resolve(world, token)
        world.assign(world.bob, "project-editor")
        with pytest.raises(NotFound, match="missing"):
            self.resolve(world, token)

    def test_strangers_do_not_see_the_project(self, world: World) -> None:
        token = service.issue_token(world.session, "carol@example.com").token
        with pytest.raises(NotFound, match="Project 'one'"):
            self.resolve(world, token)

    def test_a_service_user_without_a_role_is_refused(self, world: World) -> None:
        with pytest.raises(PermissionDenied, match=REQUEST):
            self.resolve(world, world.robot_token)

    def test_a_role_with_the_request_permission_lets_it_through(self, world: World) -> None:
        custom_role(world, "caller", [REQUEST])
        world.assign(world.robot_id, "caller")
        with pytest.raises(NotFound, match="missing"):
            self.resolve(world, world.robot_token)

    def test_a_role_on_another_model_does_not(self, world: World) -> None:
        create_model(
            world.session,
            world.one,
            ModelCreate(name="other", input_type="plain", output_type="plain"),
        )
        world.assign(world.robot_id, "project-editor", object_type="model", object_name="other")
        with pytest.raises(PermissionDenied):
            self.resolve(world, world.robot_token)

    def test_another_project_does_not_exist_for_a_service_user(self, world: World) -> None:
        world.assign(world.robot_id, "project-admin")
        with pytest.raises(NotFound, match="Project 'two'"):
            self.resolve(world, world.robot_token, project="two")
