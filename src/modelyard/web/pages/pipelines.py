"""Pipelines: the list, and one pipeline's graph of objects and attachments."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.pipelines import attachments, graph, service
from modelyard.web import graph as drawing
from modelyard.web.pages.common import project_scope, read
from modelyard.web.render import render


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
    return render(
        request,
        "pipeline.html",
        title=f"Pipeline {name}",
        scope=scope,
        pipeline=pipeline,
        objects=objects,
        attachments=edges,
        graph=drawn,
    )
