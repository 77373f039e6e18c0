"""How a version runs: its ``Recipe`` (package, built environment, sandbox, variables,
limits) read from the database, and its private scratch directory on this machine."""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

from modelyard.core.secrets import SecretBox
from modelyard.core.serving import repository as repo
from modelyard.core.serving import requests
from modelyard.core.serving.builder import deployment_context, package_dir
from modelyard.core.serving.deployment import Built, ModelPackage, Package, Recipe
from modelyard.core.serving.environment import merged_environment, model_file_of
from modelyard.core.serving.logs import LogTags, LogWriter
from modelyard.core.serving.sandboxing import CodePolicy
from modelyard.db.tables import ModelRow, ModelVersionRow


class Recipes:
    """Reads recipes and makes scratch directories for one server (or worker machine)."""

    def __init__(
        self,
        logs: LogWriter,
        *,
        packages_root: Path,
        box: SecretBox,
        policy: CodePolicy,
        scratch: Path,
    ) -> None:
        self.logs, self.packages_root, self.box = logs, packages_root, box
        self.policy, self.scratch_root = policy, scratch
        self._scratch_made: set[uuid.UUID] = set()

    def of(self, session: Session, version_id: uuid.UUID) -> Recipe | None:
        """How the version's current build runs (None while it has none, or it is gone)."""
        version = session.get(ModelVersionRow, version_id)
        return None if version is None else self.of_row(session, version)

    def of_row(
        self, session: Session, version: ModelVersionRow, model: ModelRow | None = None
    ) -> Recipe | None:
        """``of`` for a version (and its model) already read; its log lines get their tags."""
        build = repo.succeeded_build(session, version.id, version.revision)
        if build is None or build.environment_key is None or version.package_key is None:
            return None
        model = model or session.get(ModelRow, version.model_id)
        assert model is not None
        self.logs.tag(str(version.id), LogTags(model.project_id, model.name, version.version))
        folder = package_dir(self.packages_root, version.id, version.revision) / "model_package"
        env = merged_environment(session, self.box, version.id)
        model_file = model_file_of(env)
        return Recipe(
            key=str(version.id),
            package=Package(version.package_key, folder, ModelPackage(model_file)),
            environment=Built(build.environment_key),
            sandbox=self.policy.sandbox,
            scratch_dir=self.scratch_dir(version.id),
            model_file_name=model_file,
            context=deployment_context(model, version, environment=env),
            env=env,
            memory_mb=version.memory_allocation,
            minimum_instances=version.minimum_instances,
            maximum_instances=version.maximum_instances,
            maximum_idle_time=float(version.maximum_idle_time),
        )

    def scratch_dir(self, version_id: uuid.UUID) -> Path:
        """A version's private writable directory (its instances' TMPDIR and request files),
        made once, owned by the uid its sandboxed instances run as."""
        path = self.scratch_root / str(version_id)
        if version_id not in self._scratch_made:
            self.policy.sandbox.prepare_scratch(path, str(version_id))
            self._scratch_made.add(version_id)
        return path

    def request_scratch(self, version_id: uuid.UUID) -> requests.Scratch:
        """Where a request's blob files go, handed to the uid the version's instances run as."""
        return requests.Scratch(
            self.scratch_dir(version_id),
            partial(self.policy.sandbox.hand_over, key=str(version_id)),
        )
