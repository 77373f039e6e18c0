"""Models, versions and packages on a real database and a real local artifact store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectCreate, ProjectRef, TokenIssued
from modelyard.core.serving import service
from modelyard.core.serving.schemas import (
    FieldSpec,
    ModelCreate,
    ModelUpdate,
    VersionCreate,
    VersionUpdate,
)
from modelyard.db.tables import BuildRow, ModelVersionRow
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage.local import LocalStore
from tests.support.packages import model_zip


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    principal = identity.authenticate(session, admin_token.token)
    return identity.project_scope(session, principal, "default")


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "artifacts")


def structured(name: str = "m") -> ModelCreate:
    return ModelCreate(
        name=name,
        input_type="structured",
        output_type="plain",
        input_fields=[FieldSpec(name="x", data_type="double")],
    )


class TestModels:
    def test_create_list_get_rename(self, session: Session, project: ProjectRef) -> None:
        created = service.create_model(session, project, structured())
        assert (created.project, created.number_of_versions) == ("default", 0)
        assert [m.name for m in service.list_models(session, project)] == ["m"]
        renamed = service.update_model(session, project, "m", ModelUpdate(name="m2"))
        assert renamed.id == created.id
        with pytest.raises(NotFound):
            service.get_model(session, project, "m")

    def test_names_are_unique_per_project(
        self, session: Session, project: ProjectRef, admin_token: TokenIssued
    ) -> None:
        service.create_model(session, project, structured())
        with pytest.raises(Conflict):
            service.create_model(session, project, structured())
        principal = identity.authenticate(session, admin_token.token)
        identity.create_project(
            session, principal, ProjectCreate(name="other", organization_name="default")
        )
        other = identity.project_scope(session, principal, "other")
        assert service.create_model(session, other, structured()).name == "m"

    def test_invalid_definition_creates_nothing(
        self, session: Session, project: ProjectRef
    ) -> None:
        bad = structured().model_copy(
            update={
                "output_type": "structured",
                "output_fields": [FieldSpec(name="y", data_type="matrix")],
            }
        )
        with pytest.raises(InvalidInput):
            service.create_model(session, project, bad)
        assert service.list_models(session, project) == []


class TestVersions:
    def test_defaults_of_the_seed(self, session: Session, project: ProjectRef) -> None:
        service.create_model(session, project, structured())
        version = service.create_version(session, project, "m", VersionCreate(version="v1"))
        assert (version.language, version.memory_allocation) == ("python3.7", 2048)
        assert (version.minimum_instances, version.maximum_instances) == (0, 5)
        assert (version.maximum_idle_time, version.status) == (300, "initialised")
        assert service.get_model(session, project, "m").number_of_versions == 1

    def test_update_checks_the_merged_settings(self, session: Session, project: ProjectRef) -> None:
        service.create_model(session, project, structured())
        service.create_version(
            session, project, "m", VersionCreate(version="v1", maximum_instances=2)
        )
        with pytest.raises(InvalidInput) as caught:
            service.update_version(session, project, "m", "v1", VersionUpdate(minimum_instances=3))
        assert caught.value.field == "minimum_instances"
        updated = service.update_version(
            session, project, "m", "v1", VersionUpdate(minimum_instances=2, description="d")
        )
        assert (updated.minimum_instances, updated.description) == (2, "d")

    def test_duplicate_version_conflicts(self, session: Session, project: ProjectRef) -> None:
        service.create_model(session, project, structured())
        service.create_version(session, project, "m", VersionCreate(version="v1"))
        with pytest.raises(Conflict):
            service.create_version(session, project, "m", VersionCreate(version="v1"))


class TestPackages:
    def test_upload_queues_a_build_of_a_new_revision(
        self, session: Session, project: ProjectRef, store: LocalStore, tmp_path: Path
    ) -> None:
        service.create_model(session, project, structured())
        service.create_version(session, project, "m", VersionCreate(version="v1"))
        package = model_zip(tmp_path / "p.zip")
        for revision in (1, 2):
            with package.open("rb") as source:
                version = service.upload_package(
                    session, store, project, "m", "v1", source=source, author=None, policy=None
                )
            assert (version.revision, version.status) == (revision, "building")
        builds = session.scalars(select(BuildRow).order_by(BuildRow.revision)).all()
        assert [(b.revision, b.status) for b in builds] == [(1, "queued"), (2, "queued")]
        download = service.package_download(session, store, project, "m", "v1")
        with store.open(download.storage_key) as stored:
            assert stored.read() == package.read_bytes()

    def test_unsafe_or_incomplete_zip_is_refused_and_changes_nothing(
        self, session: Session, project: ProjectRef, store: LocalStore
    ) -> None:
        service.create_model(session, project, structured())
        service.create_version(session, project, "m", VersionCreate(version="v1"))
        for content in (
            b"not a zip",
            _zip({"model_package/other.py": "x"}),
            _zip({"model_package/model.py": "", "../x": "y"}),
        ):
            with pytest.raises(InvalidInput) as caught:
                service.upload_package(
                    session,
                    store,
                    project,
                    "m",
                    "v1",
                    source=io.BytesIO(content),
                    author=None,
                    policy=None,
                )
            assert caught.value.field == "file"
        version = session.scalar(select(ModelVersionRow))
        assert version is not None
        assert (version.revision, version.status, version.package_key) == (0, "initialised", None)
        assert session.scalars(select(BuildRow)).all() == []

    def test_download_without_package_is_404(
        self, session: Session, project: ProjectRef, store: LocalStore
    ) -> None:
        service.create_model(session, project, structured())
        service.create_version(session, project, "m", VersionCreate(version="v1"))
        with pytest.raises(NotFound) as caught:
            service.package_download(session, store, project, "m", "v1")
        assert caught.value.field == "file"

    def test_language_change_rebuilds_an_uploaded_package(
        self, session: Session, project: ProjectRef, store: LocalStore, tmp_path: Path
    ) -> None:
        service.create_model(session, project, structured())
        service.create_version(session, project, "m", VersionCreate(version="v1"))
        with model_zip(tmp_path / "p.zip").open("rb") as source:
            service.upload_package(
                session, store, project, "m", "v1", source=source, author=None, policy=None
            )
        service.update_version(session, project, "m", "v1", VersionUpdate(language="python3.8"))
        assert len(session.scalars(select(BuildRow)).all()) == 2


def _zip(entries: dict[str, str]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


class TestModelFileName:
    def test_upload_checks_for_the_file_ml_model_file_name_names(
        self, session: Session, project: ProjectRef, store: LocalStore, tmp_path: Path
    ) -> None:
        from cryptography.fernet import Fernet

        from modelyard.core.secrets import SecretBox
        from modelyard.core.serving import environment

        box = SecretBox(Fernet.generate_key())
        service.create_model(session, project, structured())
        service.create_version(session, project, "m", VersionCreate(version="v1"))
        only_other = _zip({"model_package/other.py": "class Model: pass\n"})
        with pytest.raises(InvalidInput, match=r"model\.py"):
            service.upload_package(
                session,
                store,
                project,
                "m",
                "v1",
                source=io.BytesIO(only_other),
                box=box,
                author=None,
                policy=None,
            )
        scope = environment.VariableScope(project=project, model_name="m", version="v1")
        environment.create_variable(
            session,
            box,
            scope,
            environment.VariableCreate(name="ML_MODEL_FILE_NAME", value="other.py"),
        )
        version = service.upload_package(
            session,
            store,
            project,
            "m",
            "v1",
            source=io.BytesIO(only_other),
            box=box,
            author=None,
            policy=None,
        )
        assert (version.revision, version.status) == (1, "building")
