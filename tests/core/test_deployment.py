"""One way onto the executor (``core/serving/deployment.py``) for a UbiOps version and a Leia
document model, on a real database with real builds and real instances: a deployed spec is
reused while what it is made from stays the same, remade and redeployed when that changes, and
forgotten with its files when its owner is deleted."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard.core.documents import catalog, jobs
from modelyard.core.documents import documents as docs
from modelyard.core.documents.runner import DocumentRunner
from modelyard.core.documents.schemas import ApplyRequest, DocumentCreate, ModelFields
from modelyard.core.documents.schemas import ModelUpdate as DocumentModelUpdate
from modelyard.core.identity import service as identity
from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import ProjectRef, TokenIssued
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.serving import environment, service
from modelyard.core.serving.deployer import Serving, create_serving
from modelyard.core.serving.schemas import ModelCreate, ModelUpdate, VersionCreate
from modelyard.db.engine import SessionFactory, transaction
from modelyard.runtime import InstanceSpec, LocalExecutor
from modelyard.settings import Settings
from modelyard.storage import ArtifactStore, open_store
from tests.support import leia
from tests.support.packages import model_zip

GREETER = """
import os

class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return os.environ.get("GREETING", "none")
"""


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return open_store(str(tmp_path / "store"))


@pytest.fixture
def serving(
    settings: Settings, sessions: SessionFactory, store: ArtifactStore
) -> Iterator[Serving]:
    """The serving runtime with its local executor; builds are run by the test itself."""
    runtime = create_serving(settings, sessions, store)
    yield runtime
    runtime.executor.shutdown()


def pids(serving: Serving, key: str) -> list[int]:
    """The process ids of the instances running ``key`` now."""
    assert isinstance(serving.executor, LocalExecutor)
    return serving.executor.supervisor.pids(key)


class TestAVersionsDeployment:
    @pytest.fixture
    def version(
        self,
        serving: Serving,
        sessions: SessionFactory,
        store: ArtifactStore,
        admin_token: TokenIssued,
        tmp_path: Path,
    ) -> tuple[ProjectRef, uuid.UUID]:
        """Model ``m`` version ``v1``, built."""
        with transaction(sessions) as session:
            principal = identity.authenticate(session, admin_token.token)
            project = identity.project_scope(session, principal, "default")
            model = ModelCreate(name="m", input_type="plain", output_type="plain")
            service.create_model(session, project, model)
            service.create_version(session, project, "m", VersionCreate(version="v1"))
            with model_zip(tmp_path / "greeter.zip", GREETER).open("rb") as source:
                created = service.upload_package(
                    session, store, project, "m", "v1", source=source, author=None, policy=None
                )
        assert serving.builder.run_next()
        return project, created.id

    @pytest.fixture
    def ask(self, serving: Serving, admin_token: TokenIssued) -> Callable[[], Any]:
        def ask() -> Any:
            asked = serving.request_direct(
                admin_token.token, project="default", model="m", version="v1", data="hi", timeout=60
            )
            result = asyncio.run(asked)  # from a loop of its own: the executor's is another
            assert result.success, result.error_message
            return result.result

        return ask

    def test_is_reused_until_its_environment_changes(
        self,
        serving: Serving,
        sessions: SessionFactory,
        version: tuple[ProjectRef, uuid.UUID],
        ask: Callable[[], Any],
    ) -> None:
        project, version_id = version
        key = str(version_id)
        assert ask() == "none"
        first = serving.deployments.spec(key)
        assert first is not None
        running = pids(serving, key)
        assert len(running) == 1

        with transaction(sessions) as session:  # moves the fingerprint, not the recipe
            service.update_model(session, project, "m", ModelUpdate(description="greets"))
        assert ask() == "none"
        assert serving.deployments.spec(key) is first
        assert pids(serving, key) == running

        with transaction(sessions) as session:
            scope = environment.VariableScope(project, "m", "v1")
            greeting = environment.VariableCreate(name="GREETING", value="hello")
            environment.create_variable(session, serving.box, scope, greeting)
        assert ask() == "hello"
        second = serving.deployments.spec(key)
        assert second is not None
        assert second is not first
        assert second.env["GREETING"] == "hello"
        assert (second.python, second.package_dir) == (first.python, first.package_dir)
        assert pids(serving, key) not in ([], running)

        assert ask() == "hello"
        assert serving.deployments.spec(key) is second

    def test_retiring_it_stops_its_instances_and_removes_its_files(
        self,
        serving: Serving,
        version: tuple[ProjectRef, uuid.UUID],
        ask: Callable[[], Any],
    ) -> None:
        _, version_id = version
        key = str(version_id)
        ask()
        package = serving.deployments.spec(key)
        assert package is not None
        assert Path(package.package_dir).is_dir()
        serving.retire([version_id])
        assert serving.deployments.spec(key) is None
        assert pids(serving, key) == []
        assert not Path(package.package_dir).exists()

    def test_files_missing_on_this_machine_are_unpacked_from_the_store(
        self,
        serving: Serving,
        version: tuple[ProjectRef, uuid.UUID],
        ask: Callable[[], Any],
    ) -> None:
        _, version_id = version
        serving.retire([version_id])  # as on a server that did not build it
        assert ask() == "none"
        spec = serving.deployments.spec(str(version_id))
        assert spec is not None
        assert (Path(spec.package_dir) / "model.py").is_file()


class TestADocumentModelsDeployment:
    @pytest.fixture
    def runner(
        self, serving: Serving, sessions: SessionFactory, store: ArtifactStore, tmp_path: Path
    ) -> DocumentRunner:
        """Wired as a server wires it: the serving executor, environments and deployments."""
        return DocumentRunner(
            sessions,
            store,
            executor=serving.executor,
            environments=serving.environments,
            root=tmp_path / "documents",
            deployments=serving.deployments,
        )

    @pytest.fixture
    def model(
        self, sessions: SessionFactory, store: ArtifactStore, admin_token: TokenIssued
    ) -> tuple[ProjectRef, uuid.UUID, str, str]:
        """A counting model and one document to apply it to."""
        with transaction(sessions) as session:
            principal = identity.authenticate(session, admin_token.token)
            project, owner = home_project(session, principal), principal.user_id
            fields = ModelFields(name="counter", ttl=-1)
            created = catalog.create(
                session, store, project, owner, fields, leia.model_zip(), author=None, policy=None
            )
            document = docs.create(
                session, store, project, owner, DocumentCreate(filename="a.txt"), b"a b c"
            )
        return project, owner, created.id, document.id

    @pytest.fixture
    def apply(
        self,
        runner: DocumentRunner,
        sessions: SessionFactory,
        model: tuple[ProjectRef, uuid.UUID, str, str],
    ) -> Callable[[], Any]:
        project, owner, model_id, document_id = model

        def apply() -> Any:
            with transaction(sessions) as session:
                request = ApplyRequest(document_ids=[document_id])
                job = jobs.submit_apply(session, project, owner, model_id, request, admin=True)
            claimed = ClaimedJob(
                uuid.uuid4(), jobs.APPLY_KIND, project.id, None, {"job_id": job.id}, 1, 3
            )
            assert runner.run(claimed) == JobOutcome(True)
            with transaction(sessions) as session:
                done = jobs.get(session, project, owner, job.id)
            assert done.status == "PROCESSED", done.reason
            return done.result

        return apply

    def test_is_reused_until_the_model_changes(
        self,
        serving: Serving,
        runner: DocumentRunner,
        sessions: SessionFactory,
        model: tuple[ProjectRef, uuid.UUID, str, str],
        apply: Callable[[], Any],
    ) -> None:
        project, _, model_id, _ = model
        key = f"leia-{model_id}"
        assert apply()["model"] == "counter"
        first = serving.deployments.spec(key)
        assert first is not None
        assert first.maximum_idle_time == 10.0**9
        running = pids(serving, key)
        assert len(running) == 1

        assert apply()["model"] == "counter"
        assert serving.deployments.spec(key) is first
        assert pids(serving, key) == running

        with transaction(sessions) as session:
            edit = DocumentModelUpdate(name="renamed", ttl=60)
            catalog.edit(session, project, model_id, edit)
        assert apply()["model"] == "renamed"
        second = serving.deployments.spec(key)
        assert second is not None
        assert second is not first
        assert second.maximum_idle_time == 60.0
        assert (second.python, second.package_dir) == (first.python, first.package_dir)
        assert pids(serving, key) not in ([], running)

        assert apply()["model"] == "renamed"
        assert serving.deployments.spec(key) is second

    def test_a_deleted_model_is_retired_with_its_files(
        self,
        serving: Serving,
        runner: DocumentRunner,
        sessions: SessionFactory,
        store: ArtifactStore,
        model: tuple[ProjectRef, uuid.UUID, str, str],
        apply: Callable[[], Any],
    ) -> None:
        project, _, model_id, _ = model
        key = f"leia-{model_id}"
        apply()
        spec = serving.deployments.spec(key)
        assert isinstance(spec, InstanceSpec)
        assert Path(spec.package_dir).is_dir()
        with transaction(sessions) as session:
            catalog.delete(session, store, project, model_id)
        runner.retire_deleted()
        assert serving.deployments.spec(key) is None
        assert pids(serving, key) == []
        assert not Path(spec.package_dir).exists()
