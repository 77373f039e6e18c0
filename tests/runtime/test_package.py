"""Unpacking deployment zips: what is refused, and what a good package yields."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from modelyard.runtime import PackageError, unpack_package
from tests.runtime.support import write_zip

MODEL = "class Model:\n    def __init__(self, b, c):\n        pass\n"


def good_entries() -> dict[str, bytes | str]:
    return {
        "model_package/model.py": MODEL,
        "model_package/requirements.txt": "six==1.16.0\n",
        "model_package/libraries/helpers.py": "X = 1\n",
        "model_package/weights/w.bin": bytes(range(256)),
    }


def understate_size(archive: Path, name: str, *, claimed: int) -> None:
    """Rewrite an entry's uncompressed size in both its headers, as a zip bomb would."""
    raw = bytearray(archive.read_bytes())
    local = zipfile.ZipFile(archive).getinfo(name).header_offset
    raw[local + 22 : local + 26] = struct.pack("<I", claimed)
    central = raw.find(b"PK\x01\x02", raw.rfind(name.encode()) - 46)
    raw[central + 24 : central + 28] = struct.pack("<I", claimed)
    archive.write_bytes(bytes(raw))
    assert zipfile.ZipFile(archive).getinfo(name).file_size == claimed


class TestRefusedPackages:
    def test_a_parent_directory_path_is_refused_and_nothing_escapes(self, tmp_path: Path) -> None:
        entries = {**good_entries(), "model_package/../../escaped.py": "x = 1\n"}
        archive = write_zip(tmp_path / "p.zip", entries)
        with pytest.raises(PackageError, match="leaves its folder") as caught:
            unpack_package(archive, tmp_path / "out" / "dest")
        assert "escaped.py" in caught.value.message
        assert not (tmp_path / "escaped.py").exists()
        assert not (tmp_path / "out" / "dest").exists()

    def test_an_absolute_path_is_refused(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", {**good_entries(), "/etc/cron.d/job": "* * *\n"})
        with pytest.raises(PackageError, match="absolute path"):
            unpack_package(archive, tmp_path / "dest")

    def test_a_windows_drive_path_is_refused(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", {**good_entries(), "C:\\evil.py": "x\n"})
        with pytest.raises(PackageError, match="absolute path"):
            unpack_package(archive, tmp_path / "dest")

    def test_a_symlink_is_refused(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", good_entries())
        with zipfile.ZipFile(archive, "a") as writing:
            link = zipfile.ZipInfo("model_package/passwords")
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            writing.writestr(link, "/etc/passwd")
        with pytest.raises(PackageError, match="symbolic link"):
            unpack_package(archive, tmp_path / "dest")
        assert not (tmp_path / "dest").exists()

    def test_a_package_over_the_size_limit_is_refused(self, tmp_path: Path) -> None:
        entries = {**good_entries(), "model_package/big.bin": b"\0" * 50_000}
        archive = write_zip(tmp_path / "p.zip", entries)
        with pytest.raises(PackageError, match="the limit is 10000"):
            unpack_package(archive, tmp_path / "dest", max_bytes=10_000)

    def test_a_package_whose_headers_understate_its_size_is_refused(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", good_entries())
        understate_size(archive, "model_package/weights/w.bin", claimed=10)
        with pytest.raises(PackageError, match="not a valid zip file"):
            unpack_package(archive, tmp_path / "dest", max_bytes=300)
        assert not (tmp_path / "dest").exists()

    def test_too_many_files_are_refused(self, tmp_path: Path) -> None:
        entries = {f"model_package/data/{n}.txt": "x" for n in range(10)}
        archive = write_zip(tmp_path / "p.zip", {**good_entries(), **entries})
        with pytest.raises(PackageError, match="14 entries; the limit is 5"):
            unpack_package(archive, tmp_path / "dest", max_files=5)

    def test_a_package_without_model_py_is_refused(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", {"model_package/predict.py": MODEL})
        with pytest.raises(PackageError, match=r"top-level folder model_package/ with model\.py"):
            unpack_package(archive, tmp_path / "dest")

    def test_a_model_zipped_without_its_folder_gets_a_hint(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", {"model.py": MODEL})
        with pytest.raises(PackageError, match="zip the model_package folder itself"):
            unpack_package(archive, tmp_path / "dest")

    def test_a_file_that_is_not_a_zip_is_refused(self, tmp_path: Path) -> None:
        not_zip = tmp_path / "p.zip"
        not_zip.write_bytes(b"this is a tarball, honest")
        with pytest.raises(PackageError, match="not a valid zip file"):
            unpack_package(not_zip, tmp_path / "dest")

    def test_a_model_file_name_with_a_path_is_refused(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", good_entries())
        with pytest.raises(PackageError, match="ML_MODEL_FILE_NAME"):
            unpack_package(archive, tmp_path / "dest", model_file_name="../model.py")


class TestGoodPackages:
    def test_a_good_zip_is_unpacked_with_its_requirements_hash(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", good_entries())
        info = unpack_package(archive, tmp_path / "dest")
        assert info.model_dir == tmp_path / "dest" / "model_package"
        assert info.model_file.read_text() == MODEL
        assert (info.model_dir / "weights" / "w.bin").read_bytes() == bytes(range(256))
        assert (info.model_dir / "libraries" / "helpers.py").is_file()
        assert info.has_requirements
        assert info.requirements_sha256 == hashlib.sha256(b"six==1.16.0\n").hexdigest()

    def test_a_package_without_requirements_says_so(self, tmp_path: Path) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("model_package/model.py", MODEL)
        info = unpack_package(io.BytesIO(buffer.getvalue()), tmp_path / "dest")
        assert not info.has_requirements
        assert info.requirements_sha256 is None

    def test_another_model_file_name_is_accepted(self, tmp_path: Path) -> None:
        archive = write_zip(tmp_path / "p.zip", {"model_package/serve.py": MODEL})
        info = unpack_package(archive, tmp_path / "dest", model_file_name="serve.py")
        assert info.model_file == tmp_path / "dest" / "model_package" / "serve.py"
