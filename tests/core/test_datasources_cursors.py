"""Cursors across pages while files are added and removed, on every store: a directory, S3
(moto), GCS (gcp-storage-emulator, which ignores ``startOffset``: the listing must still not
repeat a name) and Azure (Azurite). No file is listed twice, none that existed throughout is
skipped, a file added after the cursor is listed, one removed before it was reached is not."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelyard.core.data.datasources import service
from modelyard.core.data.datasources.kinds.base import Endpoints
from modelyard.core.data.datasources.listing import PAGE_SIZE
from modelyard.core.data.datasources.schemas import DatasourceSettings, SampleDatasetCreate
from modelyard.core.data.datasources.service import Stores
from modelyard.core.identity import service as identity
from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import ProjectRef, TokenIssued
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import make_session_factory
from tests.storage.s3server import CREDENTIALS, moto_server, new_bucket, raw_client
from tests.support.lightly import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    azure_fs,
    azurite,
    gcs_emulator,
    gcs_fs,
    unique_bucket,
)

INITIAL = [f"{folder}/f{index:03d}.jpg" for folder in ("a", "b", "c") for index in range(120)]
"""360 files in three directories: four pages, the first ending inside ``a/``."""


@dataclass
class Store:
    """A datasource's place and how a test adds and removes its files behind the server."""

    settings: DatasourceSettings
    stores: Stores
    put: Callable[[str], None]
    delete: Callable[[str], None]


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    return home_project(session, identity.authenticate(session, admin_token.token))


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


def local_store(root: Path, box: SecretBox) -> Store:
    def put(name: str) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())

    return Store(
        DatasourceSettings(type="LOCAL", full_path=str(root)),
        Stores(box, Endpoints(), local_root=Path(tempfile.gettempdir())),
        put,
        lambda name: (root / name).unlink(),
    )


def fs_store(fs: Any, root: str, settings: DatasourceSettings, stores: Stores) -> Store:
    return Store(
        settings,
        stores,
        lambda name: fs.pipe_file(f"{root}/{name}", name.encode()),
        lambda name: fs.rm_file(f"{root}/{name}"),
    )


def follow(
    session: Session, project: ProjectRef, store: Store, between: Callable[[int, str], None]
) -> list[str]:
    """Every name, page by page as the client asks for them, with ``between(pages so far,
    the cursor's last name)`` run before each follow-up page."""
    dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
    service.configure(session, project, dataset_id, store.settings, stores=store.stores)
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    sessions = make_session_factory(engine)
    listed: list[str] = []
    cursor: str | None = None
    while True:
        page = service.list_raw_samples(
            sessions, project, dataset_id, stores=store.stores, start=None, end=None,
            cursor=cursor, link_base="http://x/",
        )  # fmt: skip
        assert len(page.data) <= PAGE_SIZE
        listed += [sample.file_name for sample in page.data]
        if not page.has_more:
            return listed
        cursor = page.cursor
        between(len(listed) // PAGE_SIZE, listed[-1])


def check_changes_between_pages(session: Session, project: ProjectRef, store: Store) -> None:
    for name in INITIAL:
        store.put(name)
    added: list[str] = []
    removed: list[str] = []

    def between(pages: int, last: str) -> None:
        if pages == 1:
            assert last == "a/f099.jpg"
            changes_add = ["a/e.jpg", "a/f099.jpg~", "b/g.jpg", "bb/new.jpg", "a-b/x.jpg"]
            changes_remove = ["a/f000.jpg", "a/f050.jpg", "a/f100.jpg", "b/f050.jpg"]
        elif pages == 2:
            changes_add = ["c/f050.5.jpg", "d/late.jpg", "a/f119.jpg~"]
            changes_remove = [f"c/f{index:03d}.jpg" for index in range(110, 120)]
        else:
            changes_add, changes_remove = ["zz/last.jpg"], []
        for name in changes_add:
            store.put(name)
        for name in changes_remove:
            store.delete(name)
        added.extend(changes_add)
        removed.extend(changes_remove)

    listed = follow(session, project, store, between)
    assert len(listed) == len(set(listed)), "a name was listed twice"
    assert listed == sorted(listed)
    throughout = set(INITIAL) - set(removed)
    assert throughout <= set(listed), f"skipped: {sorted(throughout - set(listed))}"
    assert set(listed) <= set(INITIAL) | set(added)
    assert {"a/f099.jpg~", "b/g.jpg", "bb/new.jpg", "c/f050.5.jpg", "d/late.jpg"} <= set(listed)
    assert {"zz/last.jpg"} <= set(listed)
    assert not {"a/f100.jpg", "b/f050.jpg", "c/f115.jpg"} & set(listed)
    assert not {"a/e.jpg", "a-b/x.jpg", "a/f119.jpg~"} & set(listed), "listed before the cursor"


class TestLocal:
    def test_no_file_twice_none_skipped_while_files_change(
        self, session: Session, project: ProjectRef, box: SecretBox, tmp_path: Path
    ) -> None:
        root = tmp_path / "data"
        root.mkdir()
        check_changes_between_pages(session, project, local_store(root, box))


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


class TestS3:
    def test_no_file_twice_none_skipped_while_files_change(
        self, session: Session, project: ProjectRef, box: SecretBox, s3: str
    ) -> None:
        bucket = new_bucket(s3)
        client = raw_client(s3)
        values = {
            "region": "us-east-1",
            "access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        }
        store = Store(
            DatasourceSettings(type="S3", full_path=f"s3://{bucket}/data", values=values),
            Stores(box, Endpoints(s3=s3)),
            lambda name: client.put_object(Bucket=bucket, Key=f"data/{name}", Body=b"x"),
            lambda name: client.delete_object(Bucket=bucket, Key=f"data/{name}"),
        )
        client.put_object(Bucket=bucket, Key="data-other/stray.jpg", Body=b"stray")
        check_changes_between_pages(session, project, store)


@pytest.mark.slow
class TestEmulatedStores:
    def test_gcs(self, session: Session, project: ProjectRef, box: SecretBox) -> None:
        with gcs_emulator() as endpoint:
            fs = gcs_fs(endpoint)
            bucket = unique_bucket()
            fs.mkdir(bucket)
            credentials = json.dumps({"type": "service_account", "project_id": "test"})
            settings = DatasourceSettings(
                type="GCS", full_path=f"gs://{bucket}/data",
                values={"project_id": "test", "credentials": credentials},
            )  # fmt: skip
            store = fs_store(fs, f"{bucket}/data", settings, Stores(box, Endpoints(gcs=endpoint)))
            check_changes_between_pages(session, project, store)

    def test_azure(
        self, session: Session, project: ProjectRef, box: SecretBox, tmp_path: Path
    ) -> None:
        with azurite(tmp_path) as endpoint:
            fs = azure_fs(endpoint)
            container = unique_bucket()
            fs.mkdir(container)
            settings = DatasourceSettings(
                type="AZURE", full_path=f"azure://{container}/data",
                values={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY},
            )  # fmt: skip
            stores = Stores(box, Endpoints(azure=endpoint))
            check_changes_between_pages(
                session, project, fs_store(fs, container + "/data", settings, stores)
            )
