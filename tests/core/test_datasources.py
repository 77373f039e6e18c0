"""Datasets and datasources on a real database, against a real directory and a real S3-protocol
server (moto): configuration with sealed secrets, verify, paged listing with time windows,
read URLs that serve the bytes, signed links, deletion."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelyard.core.data.datasources import service
from modelyard.core.data.datasources.errors import DatasetUnknown, DatasourceInvalid
from modelyard.core.data.datasources.kinds.base import Endpoints
from modelyard.core.data.datasources.links import open_link, seal_link
from modelyard.core.data.datasources.listing import PAGE_SIZE
from modelyard.core.data.datasources.schemas import DatasourceSettings, SampleDatasetCreate
from modelyard.core.data.datasources.service import Stores
from modelyard.core.identity import service as identity
from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import ProjectRef, TokenIssued
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import SessionFactory, make_session_factory
from modelyard.db.tables import DatasourceRow
from modelyard.errors import InvalidInput, NotFound, PermissionDenied
from tests.storage.s3server import CREDENTIALS, moto_server, new_bucket, raw_client

SECRET = CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
OLD, NEW = 1_600_000_000, 1_700_000_000


def committed(session: Session) -> SessionFactory:
    """Commit what the test wrote so far; the factory verify and listing open their own
    (short) transactions with."""
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return make_session_factory(engine)


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    return home_project(session, identity.authenticate(session, admin_token.token))


def stores(box: SecretBox, s3: str | None = None) -> Stores:
    """Stores whose LOCAL datasources may lie in temporary directories (where tests put them)."""
    return Stores(box=box, endpoints=Endpoints(s3=s3), local_root=Path(tempfile.gettempdir()))


def new_dataset(session: Session, project: ProjectRef, name: str = "pictures") -> str:
    return service.create_dataset(session, project, SampleDatasetCreate(name=name))


def s3_settings(path: str) -> DatasourceSettings:
    values = {
        "region": "us-east-1",
        "access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "secret_access_key": SECRET,
    }
    return DatasourceSettings(type="S3", full_path=path, values=values)


def every_page(
    session: Session, project: ProjectRef, dataset_id: str, access: Stores, **window: int
) -> list[list[tuple[str, str]]]:
    """Every page, following cursors alone after the first request, as the client does."""
    pages = []
    cursor = None
    while True:
        page = service.list_raw_samples(
            committed(session), project, dataset_id, stores=access, cursor=cursor,
            link_base="http://x/v1/f/",
            start=None if cursor else window.get("start"),
            end=None if cursor else window.get("end"),
        )  # fmt: skip
        assert isinstance(page.cursor, str)
        assert len(page.data) < 250
        pages.append([(s.file_name, s.read_url) for s in page.data])
        if not page.has_more:
            return pages
        cursor = page.cursor


def names(pages: list[list[tuple[str, str]]]) -> list[str]:
    return [name for page in pages for name, _ in page]


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """300 files, half modified at OLD and half at NEW, and a sibling directory sharing the
    prefix that must never show up."""
    root = tmp_path / "data"
    root.mkdir()
    for index in range(300):
        path = root / f"img-{index:03d}.jpg"
        path.write_bytes(f"image {index}".encode())
        stamp = OLD if index % 2 else NEW
        os.utime(path, (stamp, stamp))
    other = tmp_path / "data-other"
    other.mkdir()
    (other / "stray.jpg").write_bytes(b"stray")
    return root


class TestDatasets:
    def test_ids_are_24_hex_and_names_unique(self, session: Session, project: ProjectRef) -> None:
        dataset_id = new_dataset(session, project)
        assert len(dataset_id) == 24
        assert int(dataset_id, 16) >= 0
        assert [d.id for d in service.list_datasets(session, project)] == [dataset_id]
        with pytest.raises(Exception, match="already exists"):
            new_dataset(session, project)

    def test_delete_removes_the_configuration_and_leaves_the_files(
        self, session: Session, project: ProjectRef, box: SecretBox, directory: Path
    ) -> None:
        dataset_id = new_dataset(session, project)
        local = DatasourceSettings(type="LOCAL", full_path=str(directory))
        service.configure(session, project, dataset_id, local, stores=stores(box))
        service.delete_dataset(session, project, dataset_id)
        assert session.get(DatasourceRow, dataset_id) is None
        assert len(list(directory.iterdir())) == 300
        with pytest.raises(DatasetUnknown):
            service.get_datasource(session, project, dataset_id)


class TestLocalListing:
    @pytest.fixture
    def dataset(
        self, session: Session, project: ProjectRef, box: SecretBox, directory: Path
    ) -> str:
        dataset_id = new_dataset(session, project)
        local = DatasourceSettings(type="LOCAL", full_path=str(directory))
        service.configure(session, project, dataset_id, local, stores=stores(box))
        return dataset_id

    def test_every_file_exactly_once_in_pages(
        self, session: Session, project: ProjectRef, box: SecretBox, dataset: str
    ) -> None:
        pages = every_page(session, project, dataset, stores(box))
        assert len(pages) == -(-300 // PAGE_SIZE)
        assert sorted(names(pages)) == [f"img-{i:03d}.jpg" for i in range(300)]
        assert len(set(names(pages))) == 300

    @pytest.mark.parametrize(
        ("window", "expected"),
        [
            ({"start": NEW}, {i for i in range(300) if i % 2 == 0}),
            ({"end": OLD}, {i for i in range(300) if i % 2}),
            ({"start": OLD, "end": OLD}, {i for i in range(300) if i % 2}),
            ({"start": OLD + 1, "end": NEW - 1}, set()),
            ({"start": OLD, "end": NEW}, set(range(300))),
        ],
    )
    def test_windows_are_inclusive_and_carried_by_the_cursor(
        self,
        session: Session,
        project: ProjectRef,
        box: SecretBox,
        dataset: str,
        window: dict[str, int],
        expected: set[int],
    ) -> None:
        listed = names(every_page(session, project, dataset, stores(box), **window))
        assert sorted(listed) == sorted(f"img-{i:03d}.jpg" for i in expected)
        assert len(set(listed)) == len(listed)

    def test_links_open_to_the_file_and_expire(
        self, session: Session, project: ProjectRef, box: SecretBox, dataset: str, directory: Path
    ) -> None:
        page = every_page(session, project, dataset, stores(box))[0]
        name, url = page[0]
        link = url.removeprefix("http://x/v1/f/")
        assert service.linked_file(session, link, stores=stores(box)) == directory / name
        expired = seal_link(box, dataset, name, now=time.time() - 7200)
        with pytest.raises(PermissionDenied):
            service.linked_file(session, expired, stores=stores(box))
        with pytest.raises(NotFound):
            service.linked_file(session, link[:-4] + "AAAA", stores=stores(box))
        escape = seal_link(box, dataset, "../data-other/stray.jpg")
        with pytest.raises(NotFound):
            service.linked_file(session, escape, stores=stores(box))
        assert open_link(box, seal_link(box, dataset, "a b+#%ü.jpg")) == (dataset, "a b+#%ü.jpg")

    def test_a_foreign_cursor_is_invalid_input(
        self, session: Session, project: ProjectRef, box: SecretBox, dataset: str
    ) -> None:
        with pytest.raises(InvalidInput, match="cursor"):
            service.list_raw_samples(
                committed(session), project, dataset, stores=stores(box),
                start=None, end=None, cursor="not a cursor", link_base="",
            )  # fmt: skip


class TestS3:
    @pytest.fixture
    def bucket(self, s3: str) -> str:
        bucket = new_bucket(s3)
        client = raw_client(s3)
        for index in range(300):
            client.put_object(Bucket=bucket, Key=f"data/img {index:03d}+#.jpg", Body=f"{index}")
        client.put_object(Bucket=bucket, Key="data-other/stray.jpg", Body=b"stray")
        return bucket

    def test_configure_verify_list_read(
        self, session: Session, project: ProjectRef, box: SecretBox, s3: str, bucket: str
    ) -> None:
        dataset_id = new_dataset(session, project)
        settings = s3_settings(f"s3://{bucket}/data")
        service.configure(session, project, dataset_id, settings, stores=stores(box))
        read = service.get_datasource(session, project, dataset_id)
        assert read.values == {
            "region": "us-east-1",
            "access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        }
        row = session.get(DatasourceRow, dataset_id)
        assert row is not None
        assert SECRET not in json.dumps(row.settings) + (row.sealed or "")
        verified = service.verify(committed(session), project, dataset_id, stores=stores(box, s3))
        assert verified.model_dump() == {
            "can_list": True, "can_read": True, "can_write": True, "can_overwrite": True,
            "errors": {},
        }  # fmt: skip
        keys = raw_client(s3).list_objects_v2(Bucket=bucket)["KeyCount"]
        assert keys == 301
        pages = every_page(session, project, dataset_id, stores(box, s3))
        assert sorted(names(pages)) == [f"img {i:03d}+#.jpg" for i in range(300)]
        for name, url in pages[0][:20]:
            assert SECRET not in url
            assert httpx.get(url).content == str(int(name[4:7])).encode()

    def test_a_missing_bucket_is_stored_and_verifies_false(
        self, session: Session, project: ProjectRef, box: SecretBox, s3: str
    ) -> None:
        dataset_id = new_dataset(session, project)
        service.configure(
            session, project, dataset_id, s3_settings("s3://no-such-bucket/x"), stores=stores(box)
        )
        verified = service.verify(committed(session), project, dataset_id, stores=stores(box, s3))
        assert (verified.can_list, verified.can_read, verified.can_write) == (False, False, False)
        assert "no-such-bucket" in verified.errors["canList"]
        assert verified.errors["canWrite"]
        with pytest.raises(DatasourceInvalid):
            service.list_raw_samples(
                committed(session), project, dataset_id, stores=stores(box, s3),
                start=None, end=None, cursor=None, link_base="",
            )  # fmt: skip

    def test_a_region_outside_the_clients_list_is_refused(
        self, session: Session, project: ProjectRef, box: SecretBox
    ) -> None:
        dataset_id = new_dataset(session, project)
        settings = s3_settings("s3://bucket/x")
        settings.values["region"] = "mars-north-1"
        with pytest.raises(DatasourceInvalid, match="s3Region"):
            service.configure(session, project, dataset_id, settings, stores=stores(box))
        assert service.get_datasource(session, project, dataset_id).type == "LIGHTLY"


class TestLocalPlaces:
    def test_the_servers_data_directory_is_refused(
        self, session: Session, project: ProjectRef, box: SecretBox, tmp_path: Path
    ) -> None:
        data = tmp_path / "server-data"
        data.mkdir()
        access = Stores(box, Endpoints(), private=(data,))
        dataset_id = new_dataset(session, project)
        for path in (data, data / "sub", tmp_path):
            local = DatasourceSettings(type="LOCAL", full_path=str(path))
            with pytest.raises(DatasourceInvalid, match="data directory"):
                service.configure(session, project, dataset_id, local, stores=access)

    def test_without_a_root_there_are_no_local_datasources(
        self, session: Session, project: ProjectRef, box: SecretBox, tmp_path: Path
    ) -> None:
        dataset_id = new_dataset(session, project)
        for path in ("/etc", "/root", str(tmp_path)):
            local = DatasourceSettings(type="LOCAL", full_path=path)
            with pytest.raises(DatasourceInvalid, match="MODELYARD_LOCAL_DATASOURCE_ROOT"):
                service.configure(
                    session, project, dataset_id, local, stores=Stores(box, Endpoints())
                )
        assert service.get_datasource(session, project, dataset_id).type == "LIGHTLY"

    def test_a_root_confines_local_datasources(
        self, session: Session, project: ProjectRef, box: SecretBox, tmp_path: Path
    ) -> None:
        access = Stores(box, Endpoints(), local_root=tmp_path / "allowed")
        dataset_id = new_dataset(session, project)
        inside = DatasourceSettings(type="LOCAL", full_path=str(tmp_path / "allowed" / "x"))
        service.configure(session, project, dataset_id, inside, stores=access)
        outside = DatasourceSettings(type="LOCAL", full_path=str(tmp_path / "elsewhere"))
        with pytest.raises(DatasourceInvalid, match="must lie under"):
            service.configure(session, project, dataset_id, outside, stores=access)
        assert service.get_datasource(session, project, dataset_id).full_path == inside.full_path
