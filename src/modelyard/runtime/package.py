"""Safe unpacking of a deployment package: a zip with a top-level ``model_package/`` folder.

A package is untrusted input. Every entry is checked before anything is written (absolute
paths, ``..``, symlinks, entry count, declared size), and bytes are counted again while
extracting, because a zip's declared sizes are only claims. Files are written by hand, never
with ``extractall``, so an entry can only ever land inside the destination.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from modelyard.runtime.errors import PackageError

PACKAGE_DIR = "model_package"
DEFAULT_MAX_BYTES = 2 * 1024**3
DEFAULT_MAX_FILES = 20_000
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PackageInfo:
    """Where an unpacked package's model lives and what its requirements are."""

    model_dir: Path
    model_file: Path
    has_requirements: bool
    requirements_sha256: str | None


def unpack_package(
    source: Path | IO[bytes],
    destination: Path,
    *,
    model_file_name: str = "model.py",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
) -> PackageInfo:
    """Check and extract a deployment zip into ``destination`` (created; must not hold files)."""
    check_model_file_name(model_file_name)
    if destination.exists() and any(destination.iterdir()):
        raise PackageError(f"cannot unpack into {destination}: it is not empty")
    try:
        read_archive(source, destination, model_file_name, max_bytes=max_bytes, max_files=max_files)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    return describe(destination / PACKAGE_DIR, model_file_name)


def read_archive(
    source: Path | IO[bytes],
    destination: Path,
    model_file_name: str,
    *,
    max_bytes: int,
    max_files: int,
) -> None:
    """Check and extract, turning the zip module's errors into ``PackageError``."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = checked_members(archive, max_bytes=max_bytes, max_files=max_files)
            require_model_file(members, model_file_name)
            extract(archive, members, destination, max_bytes=max_bytes)
    except zipfile.BadZipFile as error:
        raise PackageError(f"the deployment package is not a valid zip file: {error}") from None
    except (RuntimeError, NotImplementedError, EOFError, zlib.error) as error:
        raise PackageError(f"the deployment package cannot be read: {error}") from None


def check_model_file_name(name: str) -> None:
    """The model file name comes from the user (ML_MODEL_FILE_NAME): a plain ``.py`` name."""
    if not name.endswith(".py") or "/" in name or "\\" in name or name.startswith("."):
        raise PackageError(
            f"ML_MODEL_FILE_NAME must be a file name ending in .py inside {PACKAGE_DIR}/, "
            f"not {name!r}"
        )


def checked_members(
    archive: zipfile.ZipFile, *, max_bytes: int, max_files: int
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Every entry with its safe relative path; refuses the package at the first bad one."""
    infos = archive.infolist()
    if len(infos) > max_files:
        raise PackageError(
            f"the deployment package has {len(infos)} entries; the limit is {max_files}"
        )
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise PackageError(
            f"the deployment package unpacks to {declared} bytes; the limit is {max_bytes}"
        )
    return [(info, safe_path(info)) for info in infos]


def safe_path(info: zipfile.ZipInfo) -> PurePosixPath:
    """The entry's path, refused if it could escape the destination or is a symlink."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if not path.parts or path.parts == (".",):
        raise PackageError(f"the deployment package holds an entry without a name: {name!r}")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PackageError(f"the deployment package holds an absolute path: {info.filename!r}")
    if ".." in path.parts:
        raise PackageError(
            f"the deployment package holds a path that leaves its folder: {info.filename!r}"
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackageError(
            f"the deployment package holds a symbolic link: {info.filename!r}; "
            "zip the files themselves"
        )
    return path


def require_model_file(
    members: list[tuple[zipfile.ZipInfo, PurePosixPath]], model_file_name: str
) -> None:
    """Refuse a package without ``model_package/<model file>``, saying where the file was."""
    paths = {path for _, path in members}
    if PurePosixPath(PACKAGE_DIR, model_file_name) in paths:
        return
    hint = ""
    found = sorted(str(path) for path in paths if path.name == model_file_name)
    if found:
        hint = (
            f"; found {found[0]}: zip the {PACKAGE_DIR} folder itself, not its parent or contents"
        )
    raise PackageError(
        f"the deployment package must hold a top-level folder {PACKAGE_DIR}/ with "
        f"{model_file_name} in it{hint}"
    )


def extract(
    archive: zipfile.ZipFile,
    members: list[tuple[zipfile.ZipInfo, PurePosixPath]],
    destination: Path,
    *,
    max_bytes: int,
) -> None:
    """Write the entries, stopping as soon as the real size passes the limit."""
    budget = max_bytes
    destination.mkdir(parents=True, exist_ok=True)
    for info, path in members:
        target = destination.joinpath(*path.parts)
        try:
            budget -= write_entry(archive, info, target, budget=budget)
        except OSError as error:
            raise PackageError(f"cannot unpack {info.filename!r}: {error.strerror}") from None
        if budget < 0:
            raise PackageError(f"the deployment package unpacks to more than {max_bytes} bytes")


def write_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, *, budget: int
) -> int:
    """Write one entry, reading at most ``budget + 1`` bytes; returns the bytes read."""
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(info) as reader, target.open("wb") as writer:
        while written <= budget and (chunk := reader.read(CHUNK)):
            written += len(chunk)
            writer.write(chunk)
    if info.external_attr >> 16 & stat.S_IXUSR:
        target.chmod(0o755)
    return written


def describe(model_dir: Path, model_file_name: str) -> PackageInfo:
    """Summarise an unpacked ``model_package`` folder."""
    requirements = model_dir / "requirements.txt"
    digest = None
    if requirements.is_file():
        digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    return PackageInfo(
        model_dir=model_dir,
        model_file=model_dir / model_file_name,
        has_requirements=digest is not None,
        requirements_sha256=digest,
    )
