"""A version's environment variables: added from the version page (a secret is sealed at
rest and from then on shown only as set), by the same service as the API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.core.serving import environment
from modelyard.core.serving.environment import VariableCreate
from modelyard.web.pages.common import project_scope, read
from modelyard.web.render import form_outcome, render
from modelyard.web.session import checked_form, context_of


async def variable_create(request: Request) -> Response:
    scope = await project_scope(request, "models.environment_variables.create")
    model, version = str(request.path_params["model"]), str(request.path_params["version"])
    form = await checked_form(request)
    data = VariableCreate(
        name=str(form.get("name", "")).strip(),
        value=str(form.get("value", "")),
        secret=form.get("secret") == "true",
    )
    where = environment.VariableScope(scope.project, model_name=model, version=version)
    box = context_of(request).box
    created, error = await form_outcome(
        lambda: read(
            request, lambda session: environment.create_variable(session, box, where, data)
        )
    )
    if created is None:
        return render(request, "error.html", status=400, title="Invalid input", error=error)
    root = request.scope.get("root_path", "")
    target = f"{root}/projects/{scope.name}/models/{model}/versions/{version}#env-title"
    return RedirectResponse(target, status_code=303)
