"""Environment variables on a real database: scopes, inheritance, sealed secrets and the rules."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectCreate, ProjectRef, TokenIssued
from modelyard.core.secrets import SecretBox
from modelyard.core.serving import environment, service
from modelyard.core.serving.builder import deployment_context
from modelyard.core.serving.environment import (
    VariableCreate,
    VariableScope,
    VariableUpdate,
    inherited_variables,
    merged_environment,
    model_file_name,
)
from modelyard.core.serving.schemas import ModelCreate, VersionCreate
from modelyard.db.tables import BuildRow, EnvironmentVariableRow, ModelRow, ModelVersionRow
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage.local import LocalStore
from tests.support.packages import model_zip


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    """The default project with models ``m`` (versions ``v1``, ``v2``) and ``other`` (``v1``)."""
    principal = identity.authenticate(session, admin_token.token)
    project = identity.project_scope(session, principal, "default")
    for model, versions in (("m", ("v1", "v2")), ("other", ("v1",))):
        service.create_model(
            session, project, ModelCreate(name=model, input_type="plain", output_type="plain")
        )
        for version in versions:
            service.create_version(session, project, model, VersionCreate(version=version))
    return project


def version_id(session: Session, project: ProjectRef, model: str, version: str) -> uuid.UUID:
    return service.get_version(session, project, model, version).id


def define(
    session: Session,
    box: SecretBox,
    scope: VariableScope,
    name: str,
    value: str,
    *,
    secret: bool = False,
) -> environment.VariableRead:
    data = VariableCreate(name=name, value=value, secret=secret)
    return environment.create_variable(session, box, scope, data)


def count_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EnvironmentVariableRow)) or 0


class TestScopesAndInheritance:
    def test_each_level_lists_its_own_and_what_it_inherits(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        define(session, box, VariableScope(project), "A", "from project")
        define(session, box, VariableScope(project, "m"), "B", "from model")
        define(session, box, VariableScope(project, "m", "v1"), "C", "from version")

        at_project = environment.list_variables(session, VariableScope(project))
        assert [(v.name, v.inheritance_type) for v in at_project] == [("A", "project")]
        at_model = environment.list_variables(session, VariableScope(project, "m"))
        assert [(v.name, v.inheritance_type, v.inheritance_name) for v in at_model] == [
            ("A", "project", "default"),
            ("B", "model", "m"),
        ]
        at_version = environment.list_variables(session, VariableScope(project, "m", "v1"))
        assert [(v.name, v.inheritance_type, v.inheritance_name) for v in at_version] == [
            ("A", "project", "default"),
            ("B", "model", "m"),
            ("C", "version", "v1"),
        ]

    def test_the_nearest_definition_wins_and_deleting_it_uncovers_the_next(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        v1 = version_id(session, project, "m", "v1")
        define(session, box, VariableScope(project), "X", "project")
        at_model = define(session, box, VariableScope(project, "m"), "X", "model")
        at_version = define(session, box, VariableScope(project, "m", "v1"), "X", "version")
        assert merged_environment(session, box, v1) == {"X": "version"}
        seen = inherited_variables(session, box, v1)
        assert [(v.value, v.inheritance_type) for v in seen] == [("version", "version")]

        environment.delete_variable(
            session, box, VariableScope(project, "m", "v1"), str(at_version.id)
        )
        assert merged_environment(session, box, v1) == {"X": "model"}
        environment.delete_variable(session, box, VariableScope(project, "m"), str(at_model.id))
        assert merged_environment(session, box, v1) == {"X": "project"}

    def test_siblings_do_not_see_each_others_variables(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        define(session, box, VariableScope(project, "m"), "MODEL_M", "1")
        define(session, box, VariableScope(project, "m", "v1"), "ONLY_V1", "1")
        assert merged_environment(session, box, version_id(session, project, "m", "v2")) == {
            "MODEL_M": "1"
        }
        assert merged_environment(session, box, version_id(session, project, "other", "v1")) == {}

    def test_inherited_variables_cannot_be_reached_through_another_level(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        inherited = define(session, box, VariableScope(project), "A", "1")
        model_scope = VariableScope(project, "m")
        with pytest.raises(NotFound) as caught:
            environment.get_variable(session, model_scope, str(inherited.id))
        assert caught.value.field == "id"
        assert "model 'm'" in caught.value.message
        with pytest.raises(NotFound):
            environment.delete_variable(session, box, model_scope, str(inherited.id))
        for unknown in ("not-a-uuid", str(uuid.uuid4())):
            with pytest.raises(NotFound):
                environment.get_variable(session, VariableScope(project), unknown)

    def test_unknown_model_or_version_is_not_found(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        with pytest.raises(NotFound) as caught:
            define(session, box, VariableScope(project, "missing"), "A", "1")
        assert caught.value.field == "model_name"
        with pytest.raises(NotFound) as caught:
            environment.list_variables(session, VariableScope(project, "m", "v9"))
        assert caught.value.field == "version"

    def test_variables_go_with_the_version_and_model_they_belong_to(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        define(session, box, VariableScope(project), "KEEP", "1")
        define(session, box, VariableScope(project, "m"), "M", "1")
        define(session, box, VariableScope(project, "m", "v1"), "V", "1")
        service.delete_version(session, project, "m", "v1")
        session.expire_all()
        assert count_rows(session) == 2
        service.delete_model(session, project, "m")
        session.expire_all()
        assert [v.name for v in environment.list_variables(session, VariableScope(project))] == [
            "KEEP"
        ]
        assert count_rows(session) == 1

    def test_the_model_context_carries_the_merged_values(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        v1 = version_id(session, project, "m", "v1")
        define(session, box, VariableScope(project), "PLAIN", "p")
        define(session, box, VariableScope(project, "m"), "HIDDEN", "s3cret", secret=True)
        version = session.get(ModelVersionRow, v1)
        assert version is not None
        model = session.get(ModelRow, version.model_id)
        assert model is not None
        env = merged_environment(session, box, v1)
        context = deployment_context(model, version, environment=env)
        assert context["environment_variables"] == {"HIDDEN": "s3cret", "PLAIN": "p"}


class TestSecrets:
    def test_a_secret_is_sealed_in_its_column_and_never_read_back(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        created = define(
            session, box, VariableScope(project, "m"), "PASSWORD", "hunter2-plain", secret=True
        )
        assert created.value is None
        raw = session.execute(
            text("SELECT value FROM environment_variables WHERE name = 'PASSWORD'")
        ).scalar_one()
        assert "hunter2-plain" not in raw
        assert box.open(raw) == "hunter2-plain"

        fetched = environment.get_variable(session, VariableScope(project, "m"), str(created.id))
        assert (fetched.value, fetched.secret) == (None, True)
        listed = environment.list_variables(session, VariableScope(project, "m", "v1"))
        assert [(v.name, v.value) for v in listed] == [("PASSWORD", None)]
        v1 = version_id(session, project, "m", "v1")
        assert merged_environment(session, box, v1) == {"PASSWORD": "hunter2-plain"}

    def test_a_secret_stays_secret(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        scope = VariableScope(project)
        created = define(session, box, scope, "TOKEN", "abc", secret=True)
        with pytest.raises(InvalidInput) as caught:
            environment.update_variable(
                session, box, scope, str(created.id), VariableUpdate(secret=False)
            )
        assert caught.value.field == "secret"
        renamed = environment.update_variable(
            session, box, scope, str(created.id), VariableUpdate(name="API_TOKEN")
        )
        assert (renamed.name, renamed.value, renamed.secret) == ("API_TOKEN", None, True)
        v1 = version_id(session, project, "m", "v1")
        assert merged_environment(session, box, v1) == {"API_TOKEN": "abc"}

    def test_making_a_variable_secret_seals_its_value(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        scope = VariableScope(project)
        created = define(session, box, scope, "KEY", "visible-before")
        assert created.value == "visible-before"
        hidden = environment.update_variable(
            session, box, scope, str(created.id), VariableUpdate(secret=True)
        )
        assert hidden.value is None
        raw = session.scalar(select(EnvironmentVariableRow.value))
        assert raw is not None
        assert "visible-before" not in raw
        v1 = version_id(session, project, "m", "v1")
        assert merged_environment(session, box, v1) == {"KEY": "visible-before"}

    def test_a_key_that_does_not_fit_is_a_clear_error(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        define(session, box, VariableScope(project), "SEALED", "x", secret=True)
        other_key = SecretBox(Fernet.generate_key())
        with pytest.raises(Conflict) as caught:
            merged_environment(session, other_key, version_id(session, project, "m", "v1"))
        assert "SEALED" in caught.value.message
        assert "secret key" in caught.value.message


class TestRules:
    def test_names_are_unique_per_scope_only(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        define(session, box, VariableScope(project, "m"), "SAME", "1")
        with pytest.raises(Conflict) as caught:
            define(session, box, VariableScope(project, "m"), "SAME", "2")
        assert caught.value.field == "name"
        assert "model 'm'" in caught.value.message
        define(session, box, VariableScope(project, "other"), "SAME", "3")
        define(session, box, VariableScope(project), "SAME", "4")
        define(session, box, VariableScope(project, "m", "v1"), "SAME", "5")
        assert count_rows(session) == 4

    def test_renaming_onto_a_taken_name_is_a_conflict(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        scope = VariableScope(project)
        define(session, box, scope, "FIRST", "1")
        second = define(session, box, scope, "SECOND", "2")
        with pytest.raises(Conflict):
            environment.update_variable(
                session, box, scope, str(second.id), VariableUpdate(name="FIRST")
            )
        assert [v.name for v in environment.list_variables(session, scope)] == ["FIRST", "SECOND"]

    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("", "may not be empty"),
            ("1ABC", "may not start with a digit"),
            ("has-dash", "letters, digits and underscores"),
            ("with space", "letters, digits and underscores"),
            ("é", "letters, digits and underscores"),
            ("A" * 65, "at most 64"),
            ("MODELYARD_CONTEXT", "reserved"),
        ],
    )
    def test_bad_names_are_refused_naming_the_rule(
        self, session: Session, box: SecretBox, project: ProjectRef, name: str, reason: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            define(session, box, VariableScope(project), name, "1")
        assert caught.value.field == "name"
        assert reason in caught.value.message
        assert count_rows(session) == 0

    def test_good_names_and_values(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        for name in ("database_schema", "_private", "VAR_2", "x" * 64):
            define(session, box, VariableScope(project), name, "")
        define(session, box, VariableScope(project, "m"), "BIG", "v" * 65536)
        assert count_rows(session) == 5

    @pytest.mark.parametrize(
        ("name", "value", "reason"),
        [
            ("BIG", "v" * 65537, "at most 65536"),
            ("NUL", "a\x00b", "NUL"),
            ("ML_MODEL_FILE_NAME", "../escape.py", "ML_MODEL_FILE_NAME"),
            ("ML_MODEL_FILE_NAME", "model.txt", "ending in .py"),
        ],
    )
    def test_bad_values_are_refused(
        self,
        session: Session,
        box: SecretBox,
        project: ProjectRef,
        name: str,
        value: str,
        reason: str,
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            define(session, box, VariableScope(project), name, value)
        assert caught.value.field == "value"
        assert reason in caught.value.message
        assert count_rows(session) == 0

    def test_a_value_is_required_on_create_but_kept_on_update(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        scope = VariableScope(project)
        with pytest.raises(InvalidInput) as caught:
            environment.create_variable(session, box, scope, VariableCreate(name="A"))
        assert caught.value.field == "value"
        created = define(session, box, scope, "A", "kept")
        updated = environment.update_variable(
            session, box, scope, str(created.id), VariableUpdate(name="B")
        )
        assert (updated.name, updated.value) == ("B", "kept")

    def test_a_refused_update_changes_nothing(
        self, session: Session, box: SecretBox, project: ProjectRef
    ) -> None:
        scope = VariableScope(project)
        created = define(session, box, scope, "A", "before")
        with pytest.raises(InvalidInput):
            environment.update_variable(
                session, box, scope, str(created.id), VariableUpdate(name="B-", value="after")
            )
        assert environment.get_variable(session, scope, str(created.id)).value == "before"

    def test_projects_do_not_share_variables(
        self, session: Session, box: SecretBox, project: ProjectRef, admin_token: TokenIssued
    ) -> None:
        define(session, box, VariableScope(project), "A", "1")
        principal = identity.authenticate(session, admin_token.token)
        identity.create_project(
            session, principal, ProjectCreate(name="second", organization_name="default")
        )
        second = identity.project_scope(session, principal, "second")
        assert environment.list_variables(session, VariableScope(second)) == []
        define(session, box, VariableScope(second), "A", "2")


class TestModelFile:
    @pytest.fixture
    def packaged(self, session: Session, project: ProjectRef, tmp_path: Path) -> ModelVersionRow:
        """Version m/v1 with an uploaded package whose build has succeeded."""
        package = model_zip(tmp_path / "p.zip", files={"other.py": "class Model: pass\n"})
        store = LocalStore(tmp_path / "artifacts")
        with package.open("rb") as source:
            service.upload_package(
                session,
                store,
                project,
                "m",
                "v1",
                source=io.BytesIO(source.read()),
                author=None,
                policy=None,
            )
        row = session.get(ModelVersionRow, version_id(session, project, "m", "v1"))
        assert row is not None
        row.status = "available"
        for build in session.scalars(select(BuildRow)):
            build.status = "succeeded"
        session.flush()
        return row

    def queued(self, session: Session) -> list[uuid.UUID]:
        return list(session.scalars(select(BuildRow.version_id).where(BuildRow.status == "queued")))

    def test_a_changed_model_file_rebuilds_the_packaged_versions_it_reaches(
        self, session: Session, box: SecretBox, project: ProjectRef, packaged: ModelVersionRow
    ) -> None:
        assert model_file_name(session, box, packaged.id) == "model.py"
        define(session, box, VariableScope(project), "UNRELATED", "1")
        assert self.queued(session) == []

        define(session, box, VariableScope(project), "ML_MODEL_FILE_NAME", "other.py")
        assert model_file_name(session, box, packaged.id) == "other.py"
        assert self.queued(session) == [packaged.id]
        assert packaged.status == "building"

    def test_an_unchanged_effective_model_file_rebuilds_nothing(
        self, session: Session, box: SecretBox, project: ProjectRef, packaged: ModelVersionRow
    ) -> None:
        define(session, box, VariableScope(project, "m"), "ML_MODEL_FILE_NAME", "model.py")
        assert self.queued(session) == []
        assert packaged.status == "available"

    def test_deleting_the_model_file_variable_rebuilds_with_model_py(
        self, session: Session, box: SecretBox, project: ProjectRef, packaged: ModelVersionRow
    ) -> None:
        scope = VariableScope(project, "m", "v1")
        created = define(session, box, scope, "ML_MODEL_FILE_NAME", "other.py", secret=True)
        for build in session.scalars(select(BuildRow)):
            build.status = "succeeded"
        packaged.status = "available"
        environment.delete_variable(session, box, scope, str(created.id))
        assert model_file_name(session, box, packaged.id) == "model.py"
        assert self.queued(session) == [packaged.id]
        assert packaged.status == "building"
