"""The ``ubiops==2.1.0`` client, unmodified, uploads, lists, downloads and deletes blobs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.clients.conftest import core_api
from tests.support.server import RunningServer
from tests.support.ubiops import error_of, unique

pytestmark = pytest.mark.slow


def download(api: ubiops.CoreApi, project: str, blob_id: str) -> bytes:
    """``blobs_get`` hands back the raw HTTP response (the client never preloads it)."""
    response = api.blobs_get(project, blob_id)
    try:
        data: bytes = response.data
        return data
    finally:
        response.release_conn()


@pytest.fixture
def project(api: ubiops.CoreApi) -> str:
    """A project of its own, so listings see only this test's blobs."""
    organization = unique("org")
    api.organizations_create(
        ubiops.OrganizationCreate(name=organization, subscription="free", subscription_agreed=True)
    )
    name = unique("proj")
    api.projects_create(ubiops.ProjectCreate(name=name, organization_name=organization))
    return name


@pytest.fixture
def stranger(server: RunningServer) -> Iterator[ubiops.CoreApi]:
    output = server.cli("users", "create", f"{unique('user')}@example.com").stdout
    token = next(line.split()[1] for line in output.splitlines() if line.startswith("Token "))
    yield from core_api(server, token)


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_bytes(os.urandom(2 * 1024 * 1024 + 11))
    return path


class TestBlobs:
    def test_upload_list_download_delete(
        self, api: ubiops.CoreApi, project: str, payload: Path
    ) -> None:
        created = api.blobs_create(project, str(payload), blob_ttl=3600)
        assert (created.filename, created.size, created.ttl) == (
            "photo.jpg",
            payload.stat().st_size,
            3600,
        )
        assert created.creation_date is not None
        listed = api.blobs_list(project)
        assert [(b.id, b.filename, b.size) for b in listed] == [
            (created.id, "photo.jpg", created.size)
        ]
        assert download(api, project, created.id) == payload.read_bytes()
        assert api.blobs_delete(project, created.id) is None
        with pytest.raises(ApiException) as caught:
            api.blobs_get(project, created.id)
        assert caught.value.status == 404
        assert api.blobs_list(project) == []

    def test_the_download_names_the_file_as_the_ubiops_cli_reads_it(
        self, api: ubiops.CoreApi, project: str, tmp_path: Path
    ) -> None:
        plain = tmp_path / "model weights-v1.bin"
        plain.write_bytes(b"plain")
        accented = tmp_path / "données.csv"
        accented.write_bytes(b"a,b")
        headers = {}
        for path in (plain, accented):
            created = api.blobs_create(project, str(path))
            response = api.blobs_get(project, created.id)
            try:
                assert response.data == path.read_bytes()
                headers[path.name] = response.getheader("Content-Disposition")
            finally:
                response.release_conn()
        assert headers == {
            "model weights-v1.bin": 'attachment; filename="model weights-v1.bin"',
            "données.csv": (
                "attachment; filename=\"donnees.csv\"; filename*=UTF-8''donn%C3%A9es.csv"
            ),
        }

    def test_default_ttl_and_range(self, api: ubiops.CoreApi, project: str, tmp_path: Path) -> None:
        ids = []
        for n in range(3):
            path = tmp_path / f"{n}.txt"
            path.write_text(f"blob {n}")
            ids.append(api.blobs_create(project, str(path)).id)
        assert api.blobs_list(project, range=-1)[0].ttl == 259200
        assert [b.id for b in api.blobs_list(project, range=-2)] == ids[1:]
        since = api.blobs_list(project, range=2, creation_date="2000-01-01 00:00:00")
        assert [b.id for b in since] == ids[:2]

    def test_expired_blob_is_gone(self, api: ubiops.CoreApi, project: str, payload: Path) -> None:
        created = api.blobs_create(project, str(payload), blob_ttl=1)
        time.sleep(1.2)
        with pytest.raises(ApiException) as caught:
            api.blobs_get(project, created.id)
        assert caught.value.status == 404
        assert api.blobs_list(project) == []

    def test_another_users_project_is_404(
        self, api: ubiops.CoreApi, project: str, payload: Path, stranger: ubiops.CoreApi
    ) -> None:
        created = api.blobs_create(project, str(payload))
        for call in (
            lambda: stranger.blobs_list(project),
            lambda: stranger.blobs_get(project, created.id),
            lambda: stranger.blobs_delete(project, created.id),
            lambda: stranger.blobs_create(project, str(payload)),
        ):
            with pytest.raises(ApiException) as caught:
                call()
            assert caught.value.status == 404
        assert download(api, project, created.id) == payload.read_bytes()

    @pytest.mark.parametrize("ttl", [0, -60, 31 * 24 * 3600])
    def test_bad_ttl_is_400_naming_blob_ttl(
        self, api: ubiops.CoreApi, project: str, payload: Path, ttl: int
    ) -> None:
        with pytest.raises(ApiException) as caught:
            api.blobs_create(project, str(payload), blob_ttl=ttl)
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "blob-ttl"
        assert api.blobs_list(project) == []
