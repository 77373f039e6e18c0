"""The direct request's one statement and the ordinary check decide alike, on a real database:
for every principal (organization admin, creator, member, stranger, platform admin, service
users of two projects), every grant (built-in and custom roles, on the project, on a model, on
another model, on a pipeline of the same name) and every project and model asked for, the hot
path's outcome equals ``access.require``'s, and both equal the rules written out below."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine
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
from modelyard.core.pipelines.schemas import PipelineCreate
from modelyard.core.pipelines.service import create_pipeline
from modelyard.core.serving import hotpath
from modelyard.core.serving.schemas import ModelCreate
from modelyard.core.serving.service import create_model
from modelyard.db.tables import OrganizationMemberRow
from modelyard.errors import NotFound, PermissionDenied

REQUEST = hotpath.REQUEST
PROJECTS = ("one", "two", "nowhere")
MODELS = ("m", "other")
HIDDEN, DENIED, ALLOWED = "404", "403", "allowed"


@dataclass
class World:
    """Organization ``acme``: alice created projects one and two (so holds project-admin by
    assignment), olga administers the organization without an assignment, bob is a member;
    carol and root (a platform admin) belong to no organization; robot is a service user of
    one, robot2 of two. Project one has models m and other and a pipeline m."""

    session: Session
    one: ProjectRef
    tokens: dict[str, str]
    ids: dict[str, str]

    def principal(self, who: str) -> Principal:
        return service.authenticate(self.session, self.tokens[who])

    def assign(self, who: str, role: str, on: tuple[str, str] | None = None) -> None:
        kind, name = on if on else (None, None)
        data = RoleAssignmentCreate(
            user_id=self.ids[who], role=role, object_type=kind, object_name=name
        )
        roles.create_assignment(self.session, self.one, data)

    def role(self, name: str, permissions: list[str]) -> str:
        roles.create_role(self.session, self.one, RoleCreate(name=name, permissions=permissions))
        return name


def _user(session: Session, email: str, *, is_admin: bool = False) -> Principal:
    user = service.create_user(session, UserCreate(email=email, is_admin=is_admin))
    return Principal(user_id=user.id, email=user.email, is_admin=is_admin)


@pytest.fixture
def world(session: Session) -> World:
    people = {
        name: _user(session, f"{name}@example.com", is_admin=name == "root")
        for name in ("alice", "olga", "bob", "carol", "root")
    }
    organization = service.create_organization(
        session,
        people["alice"],
        OrganizationCreate(name="acme", subscription="enterprise", subscription_agreed=True),
    )
    for name, admin in (("olga", True), ("bob", False)):
        member = OrganizationMemberRow(
            organization_id=organization.id, user_id=people[name].user_id, admin=admin
        )
        session.add(member)
    projects = {}
    for name in ("one", "two"):
        data = ProjectCreate(name=name, organization_name="acme")
        service.create_project(session, people["alice"], data)
        projects[name] = service.project_scope(session, people["alice"], name)
    for model in MODELS:
        spec = ModelCreate(name=model, input_type="plain", output_type="plain")
        create_model(session, projects["one"], spec)
    create_pipeline(session, projects["one"], PipelineCreate(name="m", input_type="plain"))
    tokens = {name: service.issue_token(session, p.email).token for name, p in people.items()}
    ids = {name: str(p.user_id) for name, p in people.items()}
    for robot, project in (("robot", "one"), ("robot2", "two")):
        made = service_users.create(session, projects[project], ServiceUserCreate(name=robot))
        tokens[robot], ids[robot] = made.token, str(made.id)
    return World(session, projects["one"], tokens, ids)


Grant = Callable[[World, str], None]


def _custom_on(on: tuple[str, str] | None, permissions: list[str]) -> Grant:
    def grant(world: World, who: str) -> None:
        world.assign(who, world.role(f"custom-{who}", permissions), on)

    return grant


def _builtin_on(role: str, on: tuple[str, str] | None = None) -> Grant:
    return lambda world, who: world.assign(who, role, on)


def _emptied(world: World, who: str) -> None:
    """A custom role that held the permission when it was assigned, and no longer does."""
    name = world.role(f"custom-{who}", [REQUEST])
    world.assign(who, name)
    roles.update_role(world.session, world.one, name, RoleUpdate(permissions=["models.get"]))


GRANTS: dict[str, tuple[Grant | None, set[str]]] = {
    "nothing": (None, set()),
    "viewer on the project": (_builtin_on(rules.VIEWER), set()),
    "editor on the project": (_builtin_on(rules.EDITOR), {"m", "other"}),
    "admin on the project": (_builtin_on(rules.ADMIN), {"m", "other"}),
    "custom role with the permission": (_custom_on(None, [REQUEST]), {"m", "other"}),
    "custom role without it": (_custom_on(None, ["models.get", "models.list"]), set()),
    "editor on model m": (_builtin_on(rules.EDITOR, ("model", "m")), {"m"}),
    "editor on model other": (_builtin_on(rules.EDITOR, ("model", "other")), {"other"}),
    "viewer on model m": (_builtin_on(rules.VIEWER, ("model", "m")), set()),
    "custom role with it on model m": (_custom_on(("model", "m"), [REQUEST]), {"m"}),
    "editor on pipeline m": (_builtin_on(rules.EDITOR, ("pipeline", "m")), set()),
    "custom role that lost it": (_emptied, set()),
}
"""Each grant given to bob and to robot in project one, with the models it lets them call."""

GRANTEES = ("bob", "robot")
EVERYONE = ("alice", "olga", "bob", "carol", "root", "robot", "robot2")


def expected(who: str, project: str, model: str, granted: set[str]) -> str:
    """The rules of ``core/identity/access``, written out for this world."""
    home = {"robot": "one", "robot2": "two"}.get(who)
    if project == "nowhere" or who in ("carol", "root") or home not in (None, project):
        return HIDDEN
    if who in ("alice", "olga"):
        return ALLOWED
    return ALLOWED if who in GRANTEES and project == "one" and model in granted else DENIED


def _outcome(check: Callable[[], object]) -> str:
    try:
        check()
    except PermissionDenied:
        return DENIED
    except NotFound as exc:  # a missing model or version comes only once access is granted
        return HIDDEN if exc.field == "project_name" else ALLOWED
    return ALLOWED


def ordinary(world: World, who: str, project: str, model: str) -> str:
    target = rules.object_of(REQUEST, {"model_name": model, "version": "v1"})
    principal = world.principal(who)
    return _outcome(
        lambda: access.require(world.session, principal, project, REQUEST, target=target)
    )


def hot(connection: Connection, token: str, project: str, model: str) -> str:
    return _outcome(
        lambda: hotpath.resolve(connection, token, project=project, model=model, version="v1")
    )


@pytest.fixture
def connection(world: World) -> Iterator[Connection]:
    engine = world.session.get_bind()
    assert isinstance(engine, Engine)
    with engine.connect() as opened:
        yield opened


class TestTheHotPathAndTheOrdinaryCheckAgree:
    @pytest.mark.parametrize("grant", list(GRANTS))
    def test_for_every_principal_project_and_model(
        self, world: World, connection: Connection, grant: str
    ) -> None:
        give, granted = GRANTS[grant]
        for who in GRANTEES:
            if give is not None:
                give(world, who)
        world.session.commit()
        decided = {
            (who, project, model): (
                hot(connection, world.tokens[who], project, model),
                ordinary(world, who, project, model),
                expected(who, project, model, granted),
            )
            for who in EVERYONE
            for project in PROJECTS
            for model in MODELS
        }
        wrong = {key: found for key, found in decided.items() if len(set(found)) != 1}
        assert wrong == {}
        assert {found[0] for found in decided.values()} == {HIDDEN, DENIED, ALLOWED}
