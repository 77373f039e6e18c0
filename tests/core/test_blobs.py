"""Blob services on a real database and a real store (a directory, and S3 on loopback)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from modelyard.core.data import service
from modelyard.core.data.schemas import BlobRead
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import Principal, ProjectCreate, ProjectRef
from modelyard.db.types import utcnow
from modelyard.errors import InvalidInput, NotFound
from modelyard.storage import ArtifactStore, StoreNotFound, open_store
from modelyard.storage.local import LocalStore
from modelyard.storage.s3 import S3Store
from tests.storage.s3server import moto_server, new_bucket, use_test_credentials


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["local", "s3"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ArtifactStore:
    if request.param == "local":
        return open_store(str(tmp_path / "artifacts"))
    endpoint: str = request.getfixturevalue("s3_endpoint")
    use_test_credentials(monkeypatch, config_dir=str(tmp_path))
    return open_store(f"s3://{new_bucket(endpoint)}/data?endpoint_url={endpoint}")


def keys_in(store: ArtifactStore) -> list[str]:
    """What the store holds, looked at directly rather than through the service."""
    if isinstance(store, LocalStore):
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    assert isinstance(store, S3Store)
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=f"{store.prefix}/")
    return sorted(
        item["Key"].removeprefix(f"{store.prefix}/") for item in listing.get("Contents", [])
    )


@pytest.fixture
def admin(session: Session) -> Principal:
    issued = identity.bootstrap(session, admin_email="admin@modelyard.local")
    assert issued is not None
    return identity.authenticate(session, issued.token)


@pytest.fixture
def project(session: Session, admin: Principal) -> ProjectRef:
    return identity.project_scope(session, admin, "default")


@pytest.fixture
def other_project(session: Session, admin: Principal) -> ProjectRef:
    identity.create_project(
        session, admin, ProjectCreate(name="other", organization_name="default")
    )
    return identity.project_scope(session, admin, "other")


def upload(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    data: bytes = b"some bytes",
    *,
    filename: str = "input.txt",
    ttl: int | None = None,
    now: datetime | None = None,
) -> BlobRead:
    return service.create_blob(
        session, store, project, filename=filename, source=io.BytesIO(data), ttl=ttl, now=now
    )


def expired(session: Session, store: ArtifactStore, project: ProjectRef) -> BlobRead:
    """A blob uploaded two minutes ago with a time to live of one minute."""
    return upload(session, store, project, ttl=60, now=utcnow() - timedelta(minutes=2))


class TestCreate:
    def test_stores_the_bytes_under_the_project_and_counts_them(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        blob = upload(session, store, project, b"0123456789" * 1000, ttl=600)
        assert (blob.size, blob.ttl, blob.filename) == (10_000, 600, "input.txt")
        assert blob.expires_at - blob.creation_date == timedelta(seconds=600)
        assert keys_in(store) == [f"blobs/{project.id}/{blob.id}"]
        assert store.size(f"blobs/{project.id}/{blob.id}") == 10_000

    def test_default_time_to_live_is_three_days(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        assert upload(session, store, project).ttl == 259_200

    @pytest.mark.parametrize(
        ("given", "kept"),
        [("dir/sub/photo.jpg", "photo.jpg"), ("C:\\Users\\me\\a b.csv", "a b.csv")],
    )
    def test_only_the_file_name_is_kept(
        self, session: Session, store: ArtifactStore, project: ProjectRef, given: str, kept: str
    ) -> None:
        assert upload(session, store, project, filename=given).filename == kept

    @pytest.mark.parametrize("ttl", [0, -5, service.MAX_TTL + 1])
    def test_bad_ttl_is_refused_naming_the_header_and_stores_nothing(
        self, session: Session, store: ArtifactStore, project: ProjectRef, ttl: int
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            upload(session, store, project, ttl=ttl)
        assert caught.value.field == "blob-ttl"
        assert keys_in(store) == []
        assert service.list_blobs(session, project) == []

    def test_the_longest_ttl_is_accepted(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        assert upload(session, store, project, ttl=service.MAX_TTL).ttl == service.MAX_TTL

    @pytest.mark.parametrize("filename", ["", "dir/", "..", "x" * 257])
    def test_unusable_file_names_are_refused(
        self, session: Session, store: ArtifactStore, project: ProjectRef, filename: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            upload(session, store, project, filename=filename)
        assert caught.value.field == "file"
        assert keys_in(store) == []

    def test_from_a_local_file_is_named_after_it(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        path = tmp_path / "prediction.png"
        path.write_bytes(b"\x89PNG" + bytes(range(256)))
        blob = service.create_blob_from_file(session, store, project, path, 120)
        assert (blob.filename, blob.size, blob.ttl) == ("prediction.png", 260, 120)
        with service.open_blob(session, store, project, blob.id).stream as stream:
            assert stream.read() == path.read_bytes()


class TestList:
    @pytest.fixture
    def five(self, session: Session, store: ArtifactStore, project: ProjectRef) -> list[BlobRead]:
        """Five blobs uploaded one minute apart, oldest first, the newest a minute ago."""
        start = utcnow().replace(microsecond=0) - timedelta(minutes=5)
        return [
            upload(session, store, project, filename=f"{n}.txt", now=start + timedelta(minutes=n))
            for n in range(5)
        ]

    @staticmethod
    def names(blobs: list[BlobRead]) -> list[str]:
        return [b.filename for b in blobs]

    def test_default_lists_the_newest_oldest_first(
        self, session: Session, project: ProjectRef, five: list[BlobRead]
    ) -> None:
        assert self.names(service.list_blobs(session, project)) == [
            "0.txt",
            "1.txt",
            "2.txt",
            "3.txt",
            "4.txt",
        ]

    def test_negative_range_takes_the_newest(
        self, session: Session, project: ProjectRef, five: list[BlobRead]
    ) -> None:
        assert self.names(service.list_blobs(session, project, count=-2)) == ["3.txt", "4.txt"]

    def test_positive_range_without_date_takes_the_oldest(
        self, session: Session, project: ProjectRef, five: list[BlobRead]
    ) -> None:
        assert self.names(service.list_blobs(session, project, count=2)) == ["0.txt", "1.txt"]

    def test_positive_range_goes_forward_from_the_date(
        self, session: Session, project: ProjectRef, five: list[BlobRead]
    ) -> None:
        since = five[2].creation_date
        listed = service.list_blobs(session, project, count=2, since=since)
        assert self.names(listed) == ["2.txt", "3.txt"]

    def test_negative_range_goes_back_from_the_date(
        self, session: Session, project: ProjectRef, five: list[BlobRead]
    ) -> None:
        since = five[2].creation_date
        listed = service.list_blobs(session, project, count=-2, since=since)
        assert self.names(listed) == ["1.txt", "2.txt"]

    def test_naive_dates_are_utc(
        self, session: Session, project: ProjectRef, five: list[BlobRead]
    ) -> None:
        naive = five[3].creation_date.astimezone(UTC).replace(tzinfo=None)
        listed = service.list_blobs(session, project, count=10, since=naive)
        assert self.names(listed) == ["3.txt", "4.txt"]

    def test_expired_and_other_projects_blobs_are_never_listed(
        self,
        session: Session,
        store: ArtifactStore,
        project: ProjectRef,
        other_project: ProjectRef,
    ) -> None:
        kept = upload(session, store, project)
        expired(session, store, project)
        upload(session, store, other_project)
        assert [b.id for b in service.list_blobs(session, project, count=50)] == [kept.id]
        assert [b.id for b in service.list_blobs(session, project, count=-50)] == [kept.id]

    def test_zero_range_is_refused(self, session: Session, project: ProjectRef) -> None:
        with pytest.raises(InvalidInput) as caught:
            service.list_blobs(session, project, count=0)
        assert caught.value.field == "range"


class TestGetAndOpen:
    def test_get_and_stream_the_content(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        blob = upload(session, store, project, b"payload")
        assert service.get_blob(session, project, str(blob.id)) == blob
        opened = service.open_blob(session, store, project, str(blob.id))
        with opened.stream as stream:
            assert stream.read() == b"payload"
        assert opened.blob == blob

    def test_expired_unknown_malformed_and_foreign_ids_are_not_found(
        self,
        session: Session,
        store: ArtifactStore,
        project: ProjectRef,
        other_project: ProjectRef,
    ) -> None:
        foreign = upload(session, store, other_project)
        for blob_id in (
            str(expired(session, store, project).id),
            "00000000-0000-0000-0000-000000000000",
            "not-a-uuid",
            str(foreign.id),
        ):
            with pytest.raises(NotFound) as caught:
                service.get_blob(session, project, blob_id)
            assert caught.value.field == "blob_id"
            with pytest.raises(NotFound):
                service.open_blob(session, store, project, blob_id)

    def test_a_row_whose_object_vanished_is_not_found(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        blob = upload(session, store, project)
        store.delete(f"blobs/{project.id}/{blob.id}")
        with pytest.raises(NotFound):
            service.open_blob(session, store, project, blob.id)


class TestDelete:
    def test_removes_row_and_object(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        blob = upload(session, store, project)
        kept = upload(session, store, project)
        service.delete_blob(session, store, project, str(blob.id))
        assert keys_in(store) == [f"blobs/{project.id}/{kept.id}"]
        with pytest.raises(NotFound):
            service.get_blob(session, project, blob.id)
        with pytest.raises(NotFound):
            service.delete_blob(session, store, project, blob.id)

    def test_another_projects_blob_cannot_be_deleted(
        self,
        session: Session,
        store: ArtifactStore,
        project: ProjectRef,
        other_project: ProjectRef,
    ) -> None:
        foreign = upload(session, store, other_project)
        with pytest.raises(NotFound):
            service.delete_blob(session, store, project, foreign.id)
        assert service.get_blob(session, other_project, foreign.id) == foreign


class TestPurge:
    def test_removes_expired_rows_and_objects_of_every_project(
        self,
        session: Session,
        store: ArtifactStore,
        project: ProjectRef,
        other_project: ProjectRef,
    ) -> None:
        live = upload(session, store, project)
        expired(session, store, project)
        expired(session, store, other_project)
        assert service.purge_expired(session, store) == 2
        assert keys_in(store) == [f"blobs/{project.id}/{live.id}"]
        assert service.purge_expired(session, store) == 0
        assert service.get_blob(session, project, live.id) == live

    def test_works_through_more_than_one_batch(
        self,
        session: Session,
        store: ArtifactStore,
        project: ProjectRef,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(service, "PURGE_BATCH", 2)
        for _ in range(5):
            upload(session, store, project, ttl=60)
        assert service.purge_expired(session, store, utcnow() + timedelta(minutes=2)) == 5
        assert keys_in(store) == []

    def test_an_already_missing_object_does_not_stop_the_purge(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        gone = expired(session, store, project)
        store.delete(f"blobs/{project.id}/{gone.id}")
        assert service.purge_expired(session, store) == 1
        with pytest.raises(StoreNotFound):
            store.size(f"blobs/{project.id}/{gone.id}")


class TestFetchTo:
    def test_copies_to_a_file_named_like_the_upload(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        blob = upload(session, store, project, b"image bytes", filename="cat.jpg")
        path = service.fetch_blob_to(session, store, project, str(blob.id), tmp_path / "work")
        assert path.name == "cat.jpg"
        assert path.is_relative_to(tmp_path / "work")
        assert path.read_bytes() == b"image bytes"

    def test_two_blobs_with_one_name_get_two_files(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        first = upload(session, store, project, b"first", filename="same.txt")
        second = upload(session, store, project, b"second", filename="same.txt")
        paths = [
            service.fetch_blob_to(session, store, project, blob.id, tmp_path)
            for blob in (first, second)
        ]
        assert [p.read_bytes() for p in paths] == [b"first", b"second"]

    def test_unknown_or_expired_blob_is_invalid_input_naming_the_field(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        for blob_id in ("not-a-uuid", str(expired(session, store, project).id)):
            with pytest.raises(InvalidInput) as caught:
                service.fetch_blob_to(session, store, project, blob_id, tmp_path, field="image")
            assert caught.value.field == "image"
            assert "image" in caught.value.message
