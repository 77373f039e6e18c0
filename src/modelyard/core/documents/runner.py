"""Running apply and train jobs: the handlers of ``job.apply`` and ``job.train``.

A document model is deployed the way a UbiOps version is (``core/serving/deployment.py``): its
zip is unpacked under the data directory, its ``requirements.txt`` gets an environment from the
shared ``EnvironmentBuilder`` (keyed by the requirements' hash, so models with the same
requirements share one), and it is served by the same executor and instance shim, through the
small adapter ``runtime/document_adapter.py`` copied beside its files. Its spec is remade, and
redeployed, when what it is made from changes (an edited ``ttl`` or name). A train job runs on a
private copy of the files, which it then zips as the new model.

The handler ends the Leia job itself (in one transaction with its callback) and answers the
queue with success; if the server dies first, the queue runs the job again after restart.
"""

from __future__ import annotations

import io
import logging
import shutil
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelyard.core.documents import catalog, jobs, rules
from modelyard.core.documents import repository as repo
from modelyard.core.documents.schemas import TERMINAL, ModelFields
from modelyard.core.identity.service import project_ref
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.serving.deployment import Deployments, FromRequirements, Package, Recipe
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import DocumentModelRow, DocumentRow
from modelyard.db.types import utcnow
from modelyard.runtime import (
    BuildError,
    EnvironmentBuilder,
    Executor,
    RuntimeFailure,
    document_adapter,
)
from modelyard.runtime.package import checked_members, extract
from modelyard.storage import ArtifactStore

logger = logging.getLogger(__name__)
TIMEOUT = 3600.0
MAX_BYTES = 2 * 1024**3
MAX_FILES = 20000
TEXT_INPUTS = ("text",)
MODEL_PREFIX = "leia-"
TRAIN_PREFIX = "leia-train-"


class ModelFailure(Exception):
    """The model could not run or raised: the job fails with this message as its reason."""


@dataclass(frozen=True)
class ModelFiles:
    """A document model's zip: its files at the root, with the adapter written beside them."""

    def unpacked(self, folder: Path) -> bool:
        return (folder / document_adapter.FILE_NAME).is_file()

    def unpack(self, archive: Path, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        try:
            with zipfile.ZipFile(archive) as opened:
                members = checked_members(opened, max_bytes=MAX_BYTES, max_files=MAX_FILES)
                extract(opened, members, folder, max_bytes=MAX_BYTES)
        except (zipfile.BadZipFile, RuntimeFailure) as error:
            raise ModelFailure(f"the model file cannot be unpacked: {error}") from None
        (folder / document_adapter.FILE_NAME).write_text(document_adapter.source(), "utf-8")


@dataclass(frozen=True)
class Plan:
    """What a claimed job needs, read in one short transaction."""

    job_id: uuid.UUID
    kind: str
    project_id: uuid.UUID
    owner: uuid.UUID
    model: dict[str, Any]
    documents: list[dict[str, Any]]
    spec: dict[str, Any]
    page_source: list[str] = field(default_factory=list)


def _model_plan(row: DocumentModelRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "model_type": row.model_type,
        "input_types": list(row.input_types),
        "model_module": row.model_module,
        "model_clazz": row.model_clazz,
        "storage_key": row.storage_key,
        "ttl": row.ttl,
    }


def _document_plan(row: DocumentRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "filename": row.filename,
        "mime_type": row.mime_type,
        "tags": list(row.tags),
        "storage_key": row.storage_key,
    }


class DocumentRunner:
    """Runs document models for jobs; one per server, sharing the serving executor (and, given
    ``deployments``, the serving runtime's record of what runs on it)."""

    def __init__(
        self,
        sessions: SessionFactory,
        store: ArtifactStore,
        *,
        executor: Executor,
        environments: EnvironmentBuilder,
        root: Path,
        on_end: Callable[[], None] = lambda: None,
        deployments: Deployments | None = None,
    ) -> None:
        self.sessions, self.store, self.executor = sessions, store, executor
        self.environments, self.root, self.on_end = environments, root, on_end
        self.language = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        self.deployments = deployments or Deployments(executor, environments, store)

    def handlers(self) -> dict[str, Callable[[ClaimedJob], JobOutcome]]:
        return {jobs.APPLY_KIND: self.run, jobs.TRAIN_KIND: self.run}

    def run(self, job: ClaimedJob) -> JobOutcome:
        """Run one job to its end; a lost instance is retried while attempts remain."""
        plan = self._begin(str(job.payload["job_id"]))
        if plan is None:
            return JobOutcome(True)
        try:
            if plan.kind == jobs.TRAIN_KIND:
                self._train(plan)
            else:
                self._finish(plan, "PROCESSED", result=self._apply(plan))
        except ModelFailure as failure:
            self._finish(plan, "FAILED", reason=str(failure))
        except Exception as error:
            # a lost instance (RuntimeFailure) or the store or database failing: try again
            # while attempts remain, and never leave the Leia job unfinished after the last
            reason = (
                str(error) if isinstance(error, RuntimeFailure) else f"internal error: {error!r}"
            )
            if job.attempts < job.max_attempts:
                logger.warning("job %s failed (%s); it will be retried", plan.job_id, reason)
                return JobOutcome(False, error=reason, retryable=True)
            self._finish(plan, "FAILED", reason=reason)
        return JobOutcome(True)

    def tidy(self) -> None:
        """A periodic chore: end the Leia jobs whose queue row ended without them (a lease
        expired on the last attempt), and retire the instances of deleted models."""
        with transaction(self.sessions) as session:
            ended = jobs.reconcile(session)
        if ended:
            self.on_end()
        self.retire_deleted()

    def _begin(self, job_id: str) -> Plan | None:
        with transaction(self.sessions) as session:
            row = repo.get_job(session, job_id, lock=True)
            if row is None or row.status in TERMINAL:
                return None
            model = session.get(DocumentModelRow, row.model_id)
            if model is None:
                jobs.end(session, row, "FAILED", reason=f"model {row.model_id} was deleted")
                return None
            documents = [session.get(DocumentRow, uuid.UUID(value)) for value in row.document_ids]
            if any(document is None for document in documents):
                jobs.end(session, row, "FAILED", reason="a document of the job was deleted")
                return None
            row.status, row.started_at = "LOADING_MODEL", row.started_at or utcnow()
            plan = Plan(
                row.id,
                row.kind,
                row.project_id,
                row.application_id,
                _model_plan(model),
                [_document_plan(d) for d in documents if d is not None],
                dict(row.spec),
            )
        return plan

    def _finish(
        self, plan: Plan, status: str, *, result: Any = None, reason: str | None = None
    ) -> None:
        with transaction(self.sessions) as session:
            row = repo.get_job(session, str(plan.job_id), lock=True)
            if row is not None:
                jobs.end(session, row, status, result=result, reason=reason)
        self.on_end()

    def _processing(self, plan: Plan) -> None:
        with transaction(self.sessions) as session:
            row = repo.get_job(session, str(plan.job_id), lock=True)
            if row is not None and row.status not in TERMINAL:
                row.status = "PROCESSING"

    # -- apply --------------------------------------------------------------------------

    def _apply(self, plan: Plan) -> Any:
        model_id = plan.model["id"]
        key = self._deploy(self._recipe(MODEL_PREFIX + model_id, plan.model, self._files(model_id)))
        self._processing(plan)
        documents = plan.documents
        if plan.spec.get("page_range"):
            documents = rules.select_pages(
                documents, rules.parse_page_range(plan.spec["page_range"])
            )
        results: dict[str, Any] = {}
        with self._scratch(key) as scratch:
            for document in documents:
                data = {
                    "op": "apply",
                    "document": self._document(document, plan, Path(scratch)),
                    "model_params": plan.spec.get("model_params"),
                }
                results[document["id"]] = self._call(key, data, plan)
        values = list(results.values())
        if plan.spec.get("format_type") == "classification":
            try:
                rules.check_classification(values)
            except ValueError as error:
                raise ModelFailure(str(error)) from None
        return rules.apply_result(results, documents=len(plan.documents))

    def _document(self, document: dict[str, Any], plan: Plan, scratch: Path) -> dict[str, Any]:
        folder = scratch / document["id"]
        folder.mkdir()
        path = self.store.fetch(document["storage_key"], folder / Path(document["filename"]).name)
        described = {k: document[k] for k in ("id", "filename", "mime_type", "tags")}
        described["path"] = str(path)
        textual = document["mime_type"].startswith("text/") or any(
            kind in TEXT_INPUTS for kind in plan.model["input_types"]
        )
        described["text"] = path.read_text("utf-8", errors="replace") if textual else None
        return described

    def _call(self, key: str, data: dict[str, Any], plan: Plan) -> Any:
        outcome = self.executor.request_blocking(
            key, data, request_id=str(plan.job_id), timeout=TIMEOUT
        )
        if outcome.lost:
            raise RuntimeFailure(outcome.error or "the model's instance went away")
        if not outcome.success:
            raise ModelFailure(outcome.error or "the model failed")
        return outcome.result

    # -- deploying ----------------------------------------------------------------------

    def _files(self, model_id: str) -> Path:
        return self.root / "models" / model_id

    def _deploy(self, recipe: Recipe) -> str:
        """The executor key serving the recipe, unpacking and building it when it changed."""
        try:
            self.deployments.deploy(recipe)
        except BuildError as error:
            raise ModelFailure(f"the model's environment could not be built: {error}") from None
        return recipe.key

    def _scratch(self, key: str) -> tempfile.TemporaryDirectory[str]:
        """A job's directory for its documents, inside the scratch directory the model's
        sandbox sees (readable by the instance's own uid)."""
        root = self.root / "scratch" / key
        root.mkdir(parents=True, exist_ok=True)
        scratch = tempfile.TemporaryDirectory(prefix="job-", dir=root)
        Path(scratch.name).chmod(0o755)
        return scratch

    def _recipe(
        self, key: str, model: dict[str, Any], folder: Path, *, writable: bool = False
    ) -> Recipe:
        """How to run the model: a train job's private copy is writable (the model saves its
        trained state there), an applied model's files are read-only."""
        ttl = float(model["ttl"])
        context = {
            k: model[k]
            for k in ("model_module", "model_clazz", "name", "model_type", "input_types")
        }
        context["model_id"] = model["id"]
        return Recipe(
            key=key,
            package=Package(model["storage_key"], folder, ModelFiles(), writable=writable),
            environment=FromRequirements(self.language),
            sandbox=self.environments.sandbox,
            scratch_dir=self.root / "scratch" / key,
            model_file_name=document_adapter.FILE_NAME,
            context=context,
            maximum_idle_time=ttl if ttl >= 0 else 10.0**9,
        )

    def retire_deleted(self) -> None:
        """A periodic chore: stop the instances of deleted models, remove their files."""
        deployed = [model_id for key in self.deployments.specs() if (model_id := _model_of(key))]
        if not deployed:
            return
        with transaction(self.sessions) as session:
            gone = [
                model_id for model_id in deployed if not session.get(DocumentModelRow, model_id)
            ]
        for model_id in gone:
            self.deployments.retire(MODEL_PREFIX + str(model_id), files=self._files(str(model_id)))

    # -- train --------------------------------------------------------------------------

    def _train(self, plan: Plan) -> None:
        folder = self.root / "train" / str(plan.job_id)
        key = f"{TRAIN_PREFIX}{plan.job_id}"
        try:
            shutil.rmtree(folder, ignore_errors=True)  # a fresh copy, even after a crash
            self._deploy(self._recipe(key, plan.model, folder, writable=True))
            self._processing(plan)
            with self._scratch(key) as scratch:
                described = [self._document(d, plan, Path(scratch)) for d in plan.documents]
                data = {
                    "op": "train",
                    "documents": described,
                    "model_params": plan.spec.get("model_params"),
                }
                self._call(key, data, plan)
            content = zipped(folder)
        finally:
            self.deployments.retire(key, files=folder)
        self._save_trained(plan, content)

    def _save_trained(self, plan: Plan, content: bytes) -> None:
        fields = ModelFields.model_validate(plan.spec["model"])
        with transaction(self.sessions) as session:
            row = repo.get_job(session, str(plan.job_id), lock=True)
            if row is None or row.status in TERMINAL:
                return
            project = project_ref(session, plan.project_id)
            if project is None:
                return
            try:
                model = catalog.create(
                    session,
                    self.store,
                    project,
                    plan.owner,
                    fields,
                    content,
                    author=None,
                    policy=None,
                )
            except Exception as error:
                jobs.end(
                    session, row, "FAILED", reason=f"the trained model cannot be saved: {error}"
                )
            else:
                jobs.end(session, row, "PROCESSED", result=model.model_dump(mode="json"))
        self.on_end()


def _model_of(key: str) -> uuid.UUID | None:
    """The document model an executor key serves (None: a train job's copy, or not Leia's)."""
    if not key.startswith(MODEL_PREFIX) or key.startswith(TRAIN_PREFIX):
        return None
    try:
        return uuid.UUID(key.removeprefix(MODEL_PREFIX))
    except ValueError:
        return None


def zipped(folder: Path) -> bytes:
    """The trained ``base_directory`` as a model zip (without the adapter and caches)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_dir() or "__pycache__" in relative.parts:
                continue
            if relative.as_posix() == document_adapter.FILE_NAME:
                continue
            archive.write(path, relative.as_posix())
    return buffer.getvalue()
