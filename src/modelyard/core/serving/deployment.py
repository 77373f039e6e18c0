"""The one way code goes onto an executor, for UbiOps versions and Leia document models alike.

A deployment goes package → unpacked files → environment → instance spec → executor. Its owner
describes it as a ``Recipe``, plain values read from the database in a short transaction, and
``Deployments`` makes it real outside any transaction, remembering for each executor key the
recipe it deployed and the spec it made from it.

The one staleness rule: the spec deployed under a key stands while the recipe it was made from
is the same. A different recipe remakes the spec (unpacking the files if they are missing and
finding or preparing the environment), and the executor is given the new spec only if it
differs from the one it runs. Where reading the recipe is itself the cost to avoid (the direct
request's hot path), a fingerprint of the rows it is read from stands in for it: a spec deployed
at the same fingerprint is the one to use.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from modelyard.runtime import (
    BuildError,
    EnvironmentBuilder,
    Executor,
    InstanceSpec,
    RuntimeFailure,
    unpack_package,
)
from modelyard.runtime.sandbox import Sandbox
from modelyard.storage import ArtifactStore

logger = logging.getLogger(__name__)

Fingerprint = tuple[Any, ...]


class Layout(Protocol):
    """How a package's archive becomes the folder its instances run in."""

    def unpacked(self, folder: Path) -> bool:
        """Whether ``folder`` holds the unpacked package already."""

    def unpack(self, archive: Path, folder: Path) -> None:
        """Check and extract ``archive`` so that ``folder`` holds the package."""


@dataclass(frozen=True)
class ModelPackage:
    """A UbiOps deployment package: ``folder`` is its ``model_package/``, unpacked with the
    revision directory around it."""

    model_file_name: str = "model.py"

    def unpacked(self, folder: Path) -> bool:
        return folder.is_dir()

    def unpack(self, archive: Path, folder: Path) -> None:
        unpack_package(archive, folder.parent, model_file_name=self.model_file_name)


@dataclass(frozen=True)
class Package:
    """A deployment's files: its archive in the store, and the folder its instances run in
    (writable for a train job's private copy, read-only otherwise)."""

    storage_key: str
    folder: Path
    layout: Layout
    writable: bool = False


@dataclass(frozen=True)
class Built:
    """An environment a build made already, found by its key (UbiOps versions)."""

    key: str


@dataclass(frozen=True)
class FromRequirements:
    """An environment for the package's ``requirements.txt``, made here or reused by its hash."""

    language: str


@dataclass(frozen=True)
class Recipe:
    """Everything one deployment's instance spec is made from."""

    key: str
    package: Package
    environment: Built | FromRequirements
    sandbox: Sandbox
    scratch_dir: Path
    model_file_name: str = "model.py"
    context: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    memory_mb: int = 2048
    minimum_instances: int = 0
    maximum_instances: int = 1
    maximum_idle_time: float = 300.0

    def spec(self, python: Path) -> InstanceSpec:
        """The instance spec, once the environment gave the interpreter to run."""
        return InstanceSpec(
            key=self.key,
            python=str(python),
            package_dir=str(self.package.folder),
            scratch_dir=str(self.scratch_dir),
            sandbox=self.sandbox,
            package_writable=self.package.writable,
            model_file_name=self.model_file_name,
            context=self.context,
            env=self.env,
            memory_mb=self.memory_mb,
            minimum_instances=self.minimum_instances,
            maximum_instances=self.maximum_instances,
            maximum_idle_time=self.maximum_idle_time,
        )


@dataclass(frozen=True)
class _Deployed:
    recipe: Recipe
    spec: InstanceSpec
    fingerprint: Fingerprint | None


class KeyLocks:
    """One lock per key, kept only while a thread holds or waits for it: one key's deploy
    (an environment build can take minutes) never holds up another key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def __call__(self, key: str) -> Iterator[None]:
        with self._lock:
            lock, users = self._held.get(key, (threading.Lock(), 0))
            self._held[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, users = self._held[key]
                if users == 1:
                    del self._held[key]
                else:
                    self._held[key] = (lock, users - 1)


class Deployments:
    """What one executor runs, by key, and the one place that decides a spec is stale."""

    def __init__(
        self, executor: Executor, environments: EnvironmentBuilder, store: ArtifactStore
    ) -> None:
        self.executor, self.environments, self.store = executor, environments, store
        self._deployed: dict[str, _Deployed] = {}
        self._locks = KeyLocks()

    def current(self, key: str, fingerprint: Fingerprint) -> InstanceSpec | None:
        """The spec deployed under ``key`` if it was deployed at ``fingerprint``; None means
        the caller reads the recipe and calls ``deploy``."""
        found = self._deployed.get(key)
        return found.spec if found is not None and found.fingerprint == fingerprint else None

    def spec(self, key: str) -> InstanceSpec | None:
        """The spec deployed under ``key``, if any."""
        found = self._deployed.get(key)
        return found.spec if found is not None else None

    def specs(self) -> dict[str, InstanceSpec]:
        """Every deployed spec by key, as of now."""
        return {key: found.spec for key, found in list(self._deployed.items())}

    def deploy(self, recipe: Recipe, *, fingerprint: Fingerprint | None = None) -> InstanceSpec:
        """Serve ``recipe`` and return its spec; nothing is done while the same recipe is
        deployed. ``fingerprint``: the rows the recipe was read from, for ``current``."""
        with self._locks(recipe.key):
            found = self._deployed.get(recipe.key)
            if found is not None and found.recipe == recipe:
                if fingerprint is not None and found.fingerprint != fingerprint:
                    self._deployed[recipe.key] = replace(found, fingerprint=fingerprint)
                return found.spec
            self._unpack_if_missing(recipe.package)
            spec = recipe.spec(self._python(recipe))
            if found is None or found.spec != spec:
                self.executor.deploy(spec)
            self._deployed[recipe.key] = _Deployed(recipe, spec, fingerprint)
        return spec

    def retire(self, key: str, *, files: Path | None = None) -> None:
        """Stop serving ``key``, forget it, and remove its unpacked ``files``."""
        with self._locks(key):
            self._deployed.pop(key, None)
            self.executor.undeploy(key)
        if files is not None:
            shutil.rmtree(files, ignore_errors=True)

    def _unpack_if_missing(self, package: Package) -> None:
        """Another server built it, the directory was cleaned, or it is the first use here:
        unpack it from the store."""
        if package.layout.unpacked(package.folder):
            return
        with tempfile.TemporaryDirectory(prefix="modelyard-unpack-") as scratch:
            archive = self.store.fetch(package.storage_key, Path(scratch) / "package.zip")
            package.layout.unpack(archive, package.folder)

    def _python(self, recipe: Recipe) -> Path:
        """The interpreter of the recipe's environment; raises BuildError if it cannot be made."""
        environment = recipe.environment
        if isinstance(environment, Built):
            return self.environments.root_dir / environment.key / "bin" / "python"
        folder, language = recipe.package.folder, environment.language
        try:
            return self.environments.prepare(folder, language=language, log=logger.info).python
        except BuildError:
            raise
        except RuntimeFailure as error:  # the sandbox the requirements install in failed
            raise BuildError(error.message) from error
