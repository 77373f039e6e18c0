"""Pipelines: the list, and one pipeline's graph of objects and attachments."""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

from anyio.to_thread import run_sync
from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.pipelines import attachments, batch, graph, service
from modelyard.core.pipelines.execution import (
    DEFAULT_MODEL_TIMEOUT,
    DEFAULT_PIPELINE_TIMEOUT,
    PipelineRunner,
)
from modelyard.web import graph as drawing
from modelyard.web.pages.common import project_scope, read
from modelyard.web.pages.permitted import permitted_project
from modelyard.web.pages.requests import input_data
from modelyard.web.render import form_outcome, render
from modelyard.web.session import checked_form, context_of

RECENT = 20


async def pipelines_page(request: Request) -> Response:
    scope = await project_scope(request, "pipelines.list")
    found = await read(request, lambda session: service.list_pipelines(session, scope.project))
    return render(request, "pipelines.html", title="Pipelines", scope=scope, pipelines=found)


async def pipeline_page(request: Request) -> Response:
    scope = await project_scope(request, "pipelines.get")
    name = str(request.path_params["pipeline"])
    await project_scope(request, "pipelines.attachments.list")
    pipeline, objects, edges = await read(
        request,
        lambda session: (
            service.get_pipeline(session, scope.project, name),
            service.list_objects(session, scope.project, name),
            attachments.list_attachments(session, scope.project, name),
        ),
    )
    nodes = [graph.START, *(o.name for o in objects if o.name != graph.START)]
    pairs = [(a.source_name, a.destination_name) for a in edges]
    for source, destination in pairs:
        for node in (source, destination):
            if node not in nodes:
                nodes.append(node)
    drawn = drawing.draw(nodes, pairs, graph.START, f"Pipeline {name}")
    listed = await permitted_project(
        request, scope.principal, scope.name, "pipelines.requests.list"
    )
    recent = (
        await read(
            request,
            partial(
                batch.listing,
                project=listed,
                pipeline_name=name,
                status=None,
                success=None,
                limit=RECENT,
                offset=0,
                sort="desc",
            ),
        )
        if listed
        else None
    )
    return render(
        request,
        "pipeline.html",
        title=f"Pipeline {name}",
        scope=scope,
        pipeline=pipeline,
        objects=objects,
        attachments=edges,
        graph=drawn,
        recent=recent,
    )


async def pipeline_request(request: Request) -> Response:
    """A direct pipeline request from the page's form: every object's outcome and the time."""
    scope = await project_scope(request, "pipelines.requests.create")
    name = str(request.path_params["pipeline"])
    form = await checked_form(request)
    runner = PipelineRunner(context_of(request).sessions, context_of(request).serving)
    started = time.perf_counter()

    async def ask() -> Any:
        data = input_data(str(form.get("kind", "json")), str(form.get("data", "")))
        work = partial(
            runner.request,
            scope.project,
            name,
            data,
            pipeline_timeout=DEFAULT_PIPELINE_TIMEOUT,
            model_timeout=DEFAULT_MODEL_TIMEOUT,
        )
        return await run_sync(work)

    result, error = await form_outcome(ask)
    milliseconds = (time.perf_counter() - started) * 1000
    return render(
        request,
        "_pipeline_answer.html" if request.headers.get("x-partial") else "pipeline_answer.html",
        status=200 if error is None else 400,
        scope=scope,
        result=result,
        error=error,
        milliseconds=milliseconds,
        shown=lambda value: json.dumps(value, indent=2),
        title="Pipeline answer",
        name=name,
    )
