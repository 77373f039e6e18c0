"""GCS and Azure datasources against their emulators on loopback (gcp-storage-emulator,
Azurite): configured, verified, listed as a directory, read through their URLs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelyard.core.data.datasources import service
from modelyard.core.data.datasources.kinds.base import Endpoints
from modelyard.core.data.datasources.schemas import DatasourceSettings, SampleDatasetCreate
from modelyard.core.data.datasources.service import Stores
from modelyard.core.identity import service as identity
from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import ProjectRef, TokenIssued
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import SessionFactory, make_session_factory
from tests.support.lightly import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    azure_fs,
    azurite,
    gcs_emulator,
    gcs_fs,
    unique_bucket,
)

pytestmark = pytest.mark.slow

NAMES = ["a.jpg", "with space.jpg", "plus+hash#per%cent.jpg", "ünïcode.jpg", "sub/deep.jpg"]
GCS_CREDENTIALS = json.dumps({"type": "service_account", "project_id": "test"})


def committed(session: Session) -> SessionFactory:
    """Commit what the test wrote so far; the factory verify and listing open their own
    (short) transactions with."""
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return make_session_factory(engine)


@pytest.fixture(scope="module")
def gcs() -> Iterator[str]:
    with gcs_emulator() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def azure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with azurite(tmp_path_factory.mktemp("azurite")) as endpoint:
        yield endpoint


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    return home_project(session, identity.authenticate(session, admin_token.token))


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


def fill(fs: Any, bucket: str) -> None:
    fs.mkdir(bucket)
    for name in NAMES:
        fs.pipe_file(f"{bucket}/data/{name}", f"bytes of {name}".encode())
    fs.pipe_file(f"{bucket}/data-other/stray.jpg", b"stray")


def check_round_trip(
    session: Session, project: ProjectRef, box: SecretBox, settings: DatasourceSettings,
    stores: Stores,
) -> None:  # fmt: skip
    dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
    service.configure(session, project, dataset_id, settings, stores=stores)
    verified = service.verify(committed(session), project, dataset_id, stores=stores)
    assert verified.errors == {}
    checks = (verified.can_list, verified.can_read, verified.can_write, verified.can_overwrite)
    assert checks == (True, True, True, True)
    page = service.list_raw_samples(
        committed(session), project, dataset_id, stores=stores, start=None, end=None, cursor=None,
        link_base="",
    )  # fmt: skip
    assert page.has_more is False
    assert sorted(s.file_name for s in page.data) == sorted(NAMES)
    for sample in page.data:
        assert httpx.get(sample.read_url).content == f"bytes of {sample.file_name}".encode()


class TestGCS:
    def test_configure_verify_list_read(
        self, session: Session, project: ProjectRef, box: SecretBox, gcs: str
    ) -> None:
        bucket = unique_bucket()
        fill(gcs_fs(gcs), bucket)
        settings = DatasourceSettings(
            type="GCS", full_path=f"gs://{bucket}/data",
            values={"project_id": "test", "credentials": GCS_CREDENTIALS},
        )  # fmt: skip
        check_round_trip(session, project, box, settings, Stores(box, Endpoints(gcs=gcs)))
        shown = service.get_datasource(
            session, project, service.list_datasets(session, project)[0].id
        )
        assert shown.values == {"project_id": "test"}

    def test_credentials_that_are_not_json_are_refused(
        self, session: Session, project: ProjectRef, box: SecretBox
    ) -> None:
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        settings = DatasourceSettings(
            type="GCS", full_path="gs://bucket/x", values={"project_id": "p", "credentials": "{"}
        )
        with pytest.raises(Exception, match="gcsCredentials"):
            service.configure(
                session, project, dataset_id, settings, stores=Stores(box, Endpoints())
            )


class TestAzure:
    def test_configure_verify_list_read(
        self, session: Session, project: ProjectRef, box: SecretBox, azure: str
    ) -> None:
        container = unique_bucket()
        fill(azure_fs(azure), container)
        settings = DatasourceSettings(
            type="AZURE", full_path=f"azure://{container}/data",
            values={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY},
        )  # fmt: skip
        check_round_trip(session, project, box, settings, Stores(box, Endpoints(azure=azure)))

    def test_a_missing_container_verifies_false_with_reasons(
        self, session: Session, project: ProjectRef, box: SecretBox, azure: str, tmp_path: Path
    ) -> None:
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        settings = DatasourceSettings(
            type="AZURE", full_path="azure://no-such-container/data",
            values={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY},
        )  # fmt: skip
        access = Stores(box, Endpoints(azure=azure))
        service.configure(session, project, dataset_id, settings, stores=access)
        verified = service.verify(committed(session), project, dataset_id, stores=access)
        assert (verified.can_list, verified.can_write, verified.can_read) == (False, False, False)
        assert "no-such-container" in verified.errors["canList"]
        assert all(AZURITE_KEY not in reason for reason in verified.errors.values())
