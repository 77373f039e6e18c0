"""Tabular model services on a real database and store: training datasets, the train job,
prediction, imputation, staleness and deletion."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest

from modelyard.core.data.datasets import service as datasets
from modelyard.core.data.datasets.schemas import DatasetCreate
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.tabular import service, training
from modelyard.core.tabular.schemas import RowsInput, TabularModelCreate
from modelyard.db.engine import SessionFactory, transaction
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage import ArtifactStore, open_store

DATA = ",x,y,t\n" + "".join(f"r{i},{i},{3 * i - 1},k{i % 2}\n" for i in range(40))


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return open_store(str(tmp_path / "artifacts"))


@pytest.fixture
def project(sessions: SessionFactory) -> ProjectRef:
    with transaction(sessions) as session:
        issued = identity.bootstrap(session, admin_email="admin@modelyard.local")
        assert issued is not None
        admin = identity.authenticate(session, issued.token)
        return identity.project_scope(session, admin, "default")


def upload(
    sessions: SessionFactory,
    store: ArtifactStore,
    project: ProjectRef,
    model: str,
    data: str,
    headers: list[str],
) -> uuid.UUID:
    rows = data.count("\n") - 1
    body = DatasetCreate(
        name="d",
        row_count=rows,
        column_headers=headers,
        descriptor_columns=[1] + [0] * (len(headers) - 1),
        data=data,
    )
    with transaction(sessions) as session:
        return service.upload_dataset(session, store, project, model, body).id


@pytest.fixture
def model(sessions: SessionFactory, store: ArtifactStore, project: ProjectRef) -> str:
    with transaction(sessions) as session:
        created = service.create_model(session, project, TabularModelCreate(name="m"))
    upload(sessions, store, project, str(created.id), DATA, ["x", "y", "t"])
    return str(created.id)


def train(
    sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, model: str
) -> JobOutcome:
    with transaction(sessions) as session:
        read = service.train(session, project, model)
        assert read.status == "training"
    payload = {"dataset_id": str(read.training_dataset_id), "revision": 1}
    job = ClaimedJob(uuid.uuid4(), service.TRAIN_KIND, project.id, read.id, payload, 1, 3)
    return training.Trainer(sessions, store).run(job)


def table(text: str) -> dict[str, list[float]]:
    rows = list(csv.reader(io.StringIO(text)))
    return {r[0]: [float(v) for v in r[1:]] for r in rows[1:]}


class TestTraining:
    def test_train_predict_and_impute(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, model: str
    ) -> None:
        assert train(sessions, store, project, model).success
        with transaction(sessions) as session:
            read = service.get_model(session, project, model)
            assert read.status == "trained"
            assert read.training_column_headers == ["x", "y", "t"]
            predicted = training.predict(
                session, store, project, model, RowsInput(data=",x\na,10\n")
            )
            imputed = training.impute(
                session, store, project, model, RowsInput(data=",x,y\nb,,14\nc,2,\n")
            )
        assert next(iter(csv.reader(io.StringIO(predicted)))) == ["", "y"]
        assert abs(table(predicted)["a"][0] - 29) < 5
        filled = table(imputed)
        assert filled["b"][1] == 14
        assert abs(filled["b"][0] - 5) < 2
        assert filled["c"][0] == 2
        assert abs(filled["c"][1] - 5) < 3

    def test_unknown_or_text_columns_in_rows_are_400(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, model: str
    ) -> None:
        train(sessions, store, project, model)
        with transaction(sessions) as session:
            with pytest.raises(InvalidInput, match="not trained on the columns"):
                training.predict(session, store, project, model, RowsInput(data=",w\na,1\n"))
            with pytest.raises(InvalidInput, match="'x' must hold numbers"):
                training.impute(session, store, project, model, RowsInput(data=",x\na,abc\n"))

    def test_a_dataset_without_numbers_fails_training_with_the_reason(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef
    ) -> None:
        with transaction(sessions) as session:
            created = str(service.create_model(session, project, TabularModelCreate(name="m")).id)
        upload(sessions, store, project, created, ",t\nr1,a\n", ["t"])
        assert not train(sessions, store, project, created).success
        with transaction(sessions) as session:
            read = service.get_model(session, project, created)
        assert read.status == "failed"
        assert read.detail is not None
        assert "numeric" in read.detail

    def test_a_superseded_job_records_nothing(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, model: str
    ) -> None:
        with transaction(sessions) as session:
            service.train(session, project, model)
            read = service.train(session, project, model)
        stale_job = ClaimedJob(
            uuid.uuid4(),
            service.TRAIN_KIND,
            project.id,
            read.id,
            {"dataset_id": str(read.training_dataset_id), "revision": 1},
            1,
            3,
        )
        assert training.Trainer(sessions, store).run(stale_job).result == {"skipped": True}
        with transaction(sessions) as session:
            assert service.get_model(session, project, model).status == "training"


class TestTrainingDataset:
    def test_a_new_dataset_makes_a_trained_model_stale_and_must_keep_its_columns(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, model: str
    ) -> None:
        train(sessions, store, project, model)
        with pytest.raises(Conflict, match="must begin with the columns"):
            upload(sessions, store, project, model, ",y,x,t\nr,1,2,k\n", ["y", "x", "t"])
        upload(
            sessions, store, project, model, ",x,y,t,extra\nr,1,2,k,5\n", ["x", "y", "t", "extra"]
        )
        with transaction(sessions) as session:
            assert service.get_model(session, project, model).status == "stale"

    def test_training_needs_an_uploaded_dataset(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef
    ) -> None:
        with transaction(sessions) as session:
            created = str(service.create_model(session, project, TabularModelCreate(name="m")).id)
            with pytest.raises(NotFound):
                service.train(session, project, created)
            service.upload_dataset(
                session,
                store,
                project,
                created,
                DatasetCreate(name="d", row_count=1, column_headers=["x"], descriptor_columns=[0]),
            )
            with pytest.raises(Conflict, match="uploading"):
                service.train(session, project, created)

    def test_deleting_the_model_removes_its_datasets_and_estimator(
        self,
        sessions: SessionFactory,
        store: ArtifactStore,
        project: ProjectRef,
        model: str,
        tmp_path: Path,
    ) -> None:
        train(sessions, store, project, model)
        with transaction(sessions) as session:
            dataset_id = service.get_model(session, project, model).training_dataset_id
            assert dataset_id is not None
            service.delete_model(session, store, project, model)
        with transaction(sessions) as session, pytest.raises(NotFound):
            datasets.get(session, project, dataset_id)
        assert [p for p in (tmp_path / "artifacts").rglob("*") if p.is_file()] == []
