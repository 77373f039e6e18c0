"""Models and versions: lists, details, the create forms, the package upload, the build."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import states
from modelyard.core.jobs.schemas import JobRead
from modelyard.core.serving import batch, environment
from modelyard.core.serving import service as serving
from modelyard.core.serving.schemas import ModelCreate, VersionCreate
from modelyard.errors import InvalidInput
from modelyard.web.pages.common import Scope, project_scope, read
from modelyard.web.pages.metrics import instances_now
from modelyard.web.pages.permitted import permitted_project
from modelyard.web.render import form_outcome, render
from modelyard.web.session import checked_form, context_of

T = TypeVar("T")
BATCH_SHOWN = 20
PAGE = 100


def _base(request: Request, scope: Scope) -> str:
    return f"{request.scope.get('root_path', '')}/projects/{scope.name}"


def _fields(text: str, *, field: str) -> list[FieldSpec]:
    """``name:type`` per line (``x:double``), the form's way of writing a model's fields."""
    specs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, data_type = line.partition(":")
        if not colon or not name.strip() or not data_type.strip():
            raise InvalidInput(f"line {number}: write name:type, as x:double", field=field)
        specs.append(FieldSpec(name=name.strip(), data_type=data_type.strip()))
    return specs


def _number(form: FormData, name: str, default: int) -> int:
    value = str(form.get(name, "") or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput(f"must be a whole number, not '{value}'", field=name) from exc


def _page(request: Request) -> int:
    value = request.query_params.get("page", "1")
    return max(int(value), 1) if value.isdigit() else 1


async def models_page(request: Request) -> Response:
    scope = await project_scope(request, "models.list")
    models = await read(request, lambda session: serving.list_models(session, scope.project))
    page = _page(request)
    shown = models[(page - 1) * PAGE : page * PAGE]
    return render(
        request,
        "models.html",
        title="Models",
        scope=scope,
        models=shown,
        total=len(models),
        page=page,
        pages=max(1, -(-len(models) // PAGE)),
        form={},
    )


def _model_create(form: FormData) -> ModelCreate:
    return ModelCreate(
        name=str(form.get("name", "")).strip(),
        input_type=str(form.get("input_type", "structured")),
        output_type=str(form.get("output_type", "structured")),
        input_fields=_fields(str(form.get("input_fields", "")), field="input_fields"),
        output_fields=_fields(str(form.get("output_fields", "")), field="output_fields"),
        description=str(form.get("description", "")).strip() or None,
    )


async def model_create(request: Request) -> Response:
    scope = await project_scope(request, "models.create")
    form = await checked_form(request)

    async def create() -> Any:
        data = _model_create(form)
        return await read(
            request, lambda session: serving.create_model(session, scope.project, data)
        )

    created, error = await form_outcome(create)
    if created is None:
        models = await read(request, lambda session: serving.list_models(session, scope.project))
        values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        return render(
            request,
            "models.html",
            status=400,
            title="Models",
            scope=scope,
            models=models[:PAGE],
            total=len(models),
            page=1,
            pages=max(1, -(-len(models) // PAGE)),
            error=error,
            form=values,
        )
    return RedirectResponse(f"{_base(request, scope)}/models/{created.name}", status_code=303)


async def model_page(request: Request, *, error: Any = None, form: Any = None) -> Response:
    scope = await project_scope(request, "models.get")
    name = str(request.path_params["model"])
    model, versions = await read(
        request,
        lambda session: (
            serving.get_model(session, scope.project, name),
            serving.list_versions(session, scope.project, name),
        ),
    )
    return render(
        request,
        "model.html",
        status=400 if error else 200,
        title=model.name,
        scope=scope,
        model=model,
        versions=versions,
        error=error,
        form=form or {},
    )


async def version_create(request: Request) -> Response:
    scope = await project_scope(request, "models.versions.create")
    name = str(request.path_params["model"])
    form = await checked_form(request)

    async def create() -> Any:
        data = VersionCreate(
            version=str(form.get("version", "")).strip(),
            language=str(form.get("language", "python3.11")).strip(),
            memory_allocation=_number(form, "memory_allocation", 2048),
            minimum_instances=_number(form, "minimum_instances", 0),
            maximum_instances=_number(form, "maximum_instances", 5),
            maximum_idle_time=_number(form, "maximum_idle_time", 300),
        )
        return await read(
            request, lambda session: serving.create_version(session, scope.project, name, data)
        )

    created, error = await form_outcome(create)
    if created is None:
        values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        return await model_page(request, error=error, form=values)
    target = f"{_base(request, scope)}/models/{name}/versions/{created.version}"
    return RedirectResponse(target, status_code=303)


def _names(request: Request) -> tuple[str, str]:
    return str(request.path_params["model"]), str(request.path_params["version"])


def _batch_requests(
    session: Session, project: ProjectRef, model: str, version: str
) -> list[JobRead]:
    return batch.listing(
        session,
        project,
        model,
        version,
        status=None,
        success=None,
        limit=BATCH_SHOWN,
        offset=0,
        sort="desc",
    )


async def _optional(
    request: Request, scope: Scope, permission: str, work: Callable[[Session, ProjectRef], T]
) -> T | None:
    """``work`` in the project if ``permission`` is granted there, else None (not shown)."""
    project = await permitted_project(request, scope.principal, scope.name, permission)
    if project is None:
        return None
    granted: ProjectRef = project
    return await read(request, lambda session: work(session, granted))


async def version_page(request: Request) -> Response:
    """The version, its build, and what the principal may also see of it: batch requests,
    environment variables, running instances (each list with the API's permission for it)."""
    scope = await project_scope(request, "models.versions.get")
    model, version = _names(request)
    model_read, version_read, build = await read(
        request,
        lambda session: (
            serving.get_model(session, scope.project, model),
            serving.get_version(session, scope.project, model, version),
            serving.latest_build(session, scope.project, model, version),
        ),
    )
    requests = await _optional(
        request,
        scope,
        "models.versions.requests.list",
        lambda session, project: _batch_requests(session, project, model, version),
    )
    variables = await _optional(
        request,
        scope,
        "models.environment_variables.list",
        lambda session, project: environment.list_variables(
            session, environment.VariableScope(project, model_name=model, version=version)
        ),
    )
    instances = await _optional(
        request,
        scope,
        "metrics.get",
        lambda session, project: instances_now(session, project, version_read.id),
    )
    return render(
        request,
        "version.html",
        title=f"{model} {version}",
        scope=scope,
        model=model_read,
        version=version_read,
        build=build,
        variables=variables,
        requests=requests,
        instances=instances,
        status_of_job=_ubiops_status,
    )


def _ubiops_status(status: str) -> str:
    for shown, kept in states.JOB_STATUS_OF_UBIOPS.items():
        if status in kept:
            return shown
    return status


async def build_partial(request: Request) -> Response:
    """The version's status and its newest build log: what the page polls while it builds."""
    scope = await project_scope(request, "models.versions.get")
    model, version = _names(request)
    version_read, build = await read(
        request,
        lambda session: (
            serving.get_version(session, scope.project, model, version),
            serving.latest_build(session, scope.project, model, version),
        ),
    )
    return render(request, "_build.html", scope=scope, version=version_read, build=build)


async def upload(request: Request) -> Response:
    """The deployment package, sent by the page's script (with progress) or a plain form."""
    scope = await project_scope(request, "models.versions.file.upload")
    model, version = _names(request)
    form = await checked_form(request)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InvalidInput("choose a deployment package (.zip) to upload", field="file")
    context = context_of(request)
    principal = scope.principal
    await read(
        request,
        lambda session: serving.upload_package(
            session,
            context.store,
            scope.project,
            model,
            version,
            source=file.file,
            author=principal,
            policy=context.serving.policy,
            box=context.box,
        ),
    )
    if not request.headers.get("x-partial"):  # a plain form post, without the page's script
        here = f"{_base(request, scope)}/models/{model}/versions/{version}"
        return RedirectResponse(here, status_code=303)
    return await build_partial(request)
