"""The request form of a version: the input as JSON or plain text, the answer and its time."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.serving import rules
from modelyard.web.pages.common import project_scope
from modelyard.web.render import form_outcome, render
from modelyard.web.session import checked_form, context_of, token_of


def input_data(kind: str, text: str) -> Any:
    """The form's input: plain text as it is, else JSON (an empty box is no input)."""
    if kind == "plain":
        return text
    try:
        return json.loads(text) if text.strip() else None
    except ValueError as exc:
        raise rules.invalid("data", f"the input is not valid JSON: {exc}") from exc


async def make_request(request: Request) -> Response:
    scope = await project_scope(request, "models.versions.get")
    form = await checked_form(request)
    model, version = str(request.path_params["model"]), str(request.path_params["version"])
    timeout = 300
    started = time.perf_counter()

    async def ask() -> Any:
        data = input_data(str(form.get("kind", "json")), str(form.get("data", "")))
        return await context_of(request).serving.request_direct(
            token_of(request),
            project=scope.name,
            model=model,
            version=version,
            data=data,
            timeout=timeout,
        )

    result, error = await form_outcome(ask)
    milliseconds = (time.perf_counter() - started) * 1000
    shown = json.dumps(result.result, indent=2) if result is not None else None
    return render(
        request,
        "_answer.html" if request.headers.get("x-partial") else "answer.html",
        status=200 if error is None else 400,
        scope=scope,
        result=result,
        shown=shown,
        error=error,
        milliseconds=milliseconds,
        title="Answer",
        model=model,
        version=version,
    )
